"""The side table of the conversation window (bot.storage.tracker_store.UrlSQLTrackerStore).

One row per conversation: the events the Rasa server works with (a short
synthetic prefix that reproduces the dialogue state, then the last turns of the
session), as JSON, and the id and time of the conversation's last row in Rasa's
`events` table when the window was written. A window is used only while that
row is still the conversation's last one; otherwise the store rebuilds it from
`events`, which always keeps every event.

Plain SQLAlchemy, no Rasa import: the retention job (bot/web/staff/retention.py)
deletes these rows with the conversation, because they hold message text.
"""
from __future__ import annotations

import sqlalchemy as sa

TABLE_NAME = "unknot_tracker_windows"

metadata = sa.MetaData()

tracker_windows = sa.Table(
    TABLE_NAME, metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),  # the same column as events.sender_id
    sa.Column("last_event_id", sa.Integer, nullable=False),  # events.id of the conversation's last event
    sa.Column("last_event_time", sa.Float),  # and its timestamp (SQLite may hand out a deleted id again)
    # A line {"format": 2, "synthetic": k}, then one line per event: the event's JSON.
    sa.Column("events_json", sa.Text, nullable=False),
    sa.Column("updated", sa.Float, nullable=False, index=True),  # time.time() of the last save
)


def has_window_table(conn) -> bool:
    return sa.inspect(conn).has_table(TABLE_NAME)
