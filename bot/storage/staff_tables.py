"""The staff tables and read access to Rasa's `events` table, in the tracker store's database.

The staff app owns its tables (prefix `staff_`) and creates them when missing. It
never writes `events`; only the retention command deletes from it
(bot/web/staff/retention.py). Works on SQLite and PostgreSQL (SQLAlchemy 1.4 Core).
"""
from __future__ import annotations

import threading
from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

metadata = sa.MetaData()

# Rasa's own table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), described
# here only to read it; never created or altered by the staff app.
events = sa.Table(
    "events", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

users = sa.Table(
    "staff_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)

sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie value
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)

login_attempts = sa.Table(
    "staff_login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("ip", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("success", sa.Boolean, nullable=False),
)

# One row per conversation, recomputed from `events` whenever the conversation
# gets new events (bot/web/staff/summary.py); filters and the queue read this.
conversations = sa.Table(
    "staff_conversations", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, unique=True),
    sa.Column("first_ts", sa.Float),
    sa.Column("last_ts", sa.Float, index=True),
    sa.Column("first_day", sa.String(10), index=True),  # UTC yyyy-mm-dd
    sa.Column("channel", sa.String(64)),
    sa.Column("n_events", sa.Integer, nullable=False, default=0),
    sa.Column("n_user", sa.Integer, nullable=False, default=0),
    sa.Column("n_lowconf", sa.Integer, nullable=False, default=0),
    sa.Column("flagged", sa.Boolean, nullable=False, default=False, index=True),
    sa.Column("risk_level", sa.String(16)),
    sa.Column("risk_reasons", sa.Text),  # JSON list
    sa.Column("risk_time", sa.Float),
    sa.Column("low_confidence", sa.Boolean, nullable=False, default=False, index=True),
    sa.Column("intents", sa.Text),  # ",greet,ask_sleep," for LIKE filters
    sa.Column("search_text", sa.Text),  # lower-cased user text, for the text filter
    sa.Column("helped_yes", sa.Integer, nullable=False, default=0),
    sa.Column("helped_a_little", sa.Integer, nullable=False, default=0),
    sa.Column("helped_no", sa.Integer, nullable=False, default=0),
    sa.Column("last_event_id", sa.Integer, nullable=False, default=0),
)

# One row per flagged user turn (NLU risk and/or the crisis action's slots).
flags = sa.Table(
    "staff_flags", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("event_id", sa.Integer),
    sa.Column("ts", sa.Float),
    sa.Column("week", sa.String(10), index=True),  # ISO week, e.g. 2025-W07
    sa.Column("level", sa.String(16)),
    sa.Column("reasons", sa.Text),  # JSON list
    sa.Column("source", sa.String(16)),  # nlu | action | nlu+action
)

sync_state = sa.Table(
    "staff_sync", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

reviews = sa.Table(
    "staff_reviews", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
    sa.Column("reviewed_by", sa.String(64)),
    sa.Column("reviewed_at", sa.Float),
    sa.Column("tags", sa.Text),  # ",tag1,tag2,"
)

# Who took a conversation from the queue ("mine"); no row: nobody has it.
owners = sa.Table(
    "staff_owners", metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False, index=True),
    sa.Column("taken_at", sa.Float, nullable=False),
)

notes = sa.Table(
    "staff_notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

# Append-only: bot/web/staff/audit.py only inserts; retention is the one deleter.
audit = sa.Table(
    "staff_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("sender_id", sa.String(255), index=True),
    sa.Column("detail", sa.String(255)),
)

# One row per flagged turn (level high or acted) that must reach a human
# (bot/web/alerts). No message text: the level, the safety layer's reason codes
# and times. `uid` is the stable id every webhook payload and e-mail carries, so
# a receiver can drop a repeat. When retention erases the conversation, an
# alert nobody acknowledged stays (sender_id NULL, erased_at set) so staff
# learn that it went unseen; acknowledged ones go with the conversation.
alerts = sa.Table(
    "staff_alerts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(32), nullable=False, unique=True),
    sa.Column("sender_id", sa.String(255), index=True),
    sa.Column("conversation", sa.String(32), nullable=False),  # the pseudonym staff see
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("reasons", sa.Text),  # JSON list of reason codes
    sa.Column("flag_event_id", sa.Integer),
    sa.Column("flagged_at", sa.Float, nullable=False),  # when the turn that raised it was stored
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("acknowledged_by", sa.String(64)),
    sa.Column("acknowledged_at", sa.Float, index=True),
    sa.Column("erased_at", sa.Float),
    # the same flagged turn never raises two alerts, whichever replica sees it first
    sa.UniqueConstraint("sender_id", "level", "flag_event_id", name="uq_staff_alerts_turn"),
)

# One row per alert, channel (webhook, email) and kind (alert, reminder): the
# outbox the alert workers of every web app replica share. A worker owns a row
# while `claimed_until` is in the future (a conditional UPDATE claims it), so a
# row is sent by one replica at a time; a crash between sending and recording
# lets the claim lapse and the row is sent again (at least once, never lost).
deliveries = sa.Table(
    "staff_alert_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending | sent
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_at", sa.Float, nullable=False, index=True),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_until", sa.Float),
    sa.Column("last_error", sa.String(255)),
    sa.Column("last_attempt_at", sa.Float),
    sa.Column("sent_at", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("alert_id", "channel", "kind", name="uq_staff_alert_deliveries"),
)

STAFF_TABLES = [users, sessions, login_attempts, conversations, flags, sync_state, reviews, notes, audit, owners,
                alerts, deliveries]

_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_url(database_url: str):
    """DATABASE_URL without Rasa's own `login_db` query parameter."""
    url = make_url(database_url)
    query = {k: v for k, v in url.query.items() if k != "login_db"}
    return url.set(query=query)


def get_engine(database_url: str) -> Engine:
    """One engine per URL, with the staff tables created."""
    with _engines_lock:
        engine = _engines.get(database_url)
        if engine is None:
            url = engine_url(database_url)
            # hide_parameters: a database error's text would otherwise carry the
            # statement's values (message text, search words) into the logs.
            kwargs: Dict[str, Any] = {"future": True, "hide_parameters": True}
            if url.drivername.startswith("sqlite"):
                # Rasa writes the same file: wait for its locks instead of failing.
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            else:
                kwargs["pool_pre_ping"] = True
            engine = sa.create_engine(url, **kwargs)
            metadata.create_all(engine)
            _engines[database_url] = engine
        return engine


def has_events_table(conn) -> bool:
    return sa.inspect(conn).has_table("events")
