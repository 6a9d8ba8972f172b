"""The safety plans people build in chat (bot/flows/safety_plan.py), one row per conversation.

The dialogue keeps the plan in the `safety_plan` slot; the tracker store copies it here in
the same transaction as the events that changed it (bot/storage/tracker_store.py), so the plan has
a home of its own: staff read it on the conversation page (masked like every other personal
detail), and the retention job deletes it with the conversation. It holds the person's own
words (warning signs, people and how to reach them), so it is listed in the privacy page
of docs/privacy/storage.md.

Plain SQLAlchemy, no Rasa import.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

import sqlalchemy as sa

TABLE_NAME = "unknot_safety_plans"

metadata = sa.MetaData()

safety_plans = sa.Table(
    TABLE_NAME, metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),  # the same column as events.sender_id
    sa.Column("plan_json", sa.Text, nullable=False),  # {"warning_signs": "...", ...}; "" for a skipped step
    sa.Column("updated", sa.Float, nullable=False, index=True),  # the time of the event that set it
)


def has_plan_table(conn: Any) -> bool:
    return sa.inspect(conn).has_table(TABLE_NAME)


def create(engine: Any) -> None:
    """Create the table; several replicas starting at once race to do it, and one wins."""
    try:
        metadata.create_all(engine)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
        with engine.connect() as conn:
            if not has_plan_table(conn):
                raise


def store(session: Any, sender_id: str, plan: Any, when: float) -> None:
    """Upsert one conversation's plan (a slot value that is not a mapping clears it)."""
    where = safety_plans.c.sender_id == sender_id
    if not isinstance(plan, dict):
        session.execute(safety_plans.delete().where(where))
        return
    values = {"plan_json": json.dumps(plan, ensure_ascii=False), "updated": when}
    if not session.execute(safety_plans.update().where(where).values(**values)).rowcount:
        session.execute(safety_plans.insert().values(sender_id=sender_id, **values))


def load(conn: Any, sender_id: str) -> Optional[Dict[str, str]]:
    if not has_plan_table(conn):
        return None
    row = conn.execute(sa.select(safety_plans.c.plan_json).where(safety_plans.c.sender_id == sender_id)).first()
    if row is None:
        return None
    try:
        data = json.loads(row[0])
    except ValueError:
        return None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None
