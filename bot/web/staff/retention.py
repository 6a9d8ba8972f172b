"""Delete conversations older than RETENTION_DAYS: Rasa's events, the tracker
store's window of each (bot/storage/window_table.py, it holds message text too), the
person's safety plan (bot/storage/safety_plan_table.py) and every staff row about them (summary, flags, review, owner,
notes, audit entries, acknowledged alerts). An alert nobody acknowledged is kept, detached from the
conversation (it holds no text), so staff still see that it went unseen.

A conversation is old when its *last* event is older than the cutoff. This is
the only code that writes Rasa's `events` table. It records in the audit log
how many conversations it deleted (no ids, no text).
"""
from __future__ import annotations

import time
from typing import Dict, List, Optional, Set

import sqlalchemy as sa

from bot.storage import staff_tables as db
from bot.storage.safety_plan_table import has_plan_table, safety_plans
from bot.storage.window_table import has_window_table, tracker_windows
from bot.web.alerts.store import forget_erased
from bot.web.staff import audit

BATCH = 500


def old_senders(conn, cutoff: float) -> List[str]:
    found: Set[str] = set()
    if db.has_events_table(conn):
        e = db.events
        found.update(r[0] for r in conn.execute(
            sa.select(e.c.sender_id).group_by(e.c.sender_id).having(sa.func.max(e.c.timestamp) < cutoff)))
    c = db.conversations
    # Summary rows whose events are already gone (or old) go too.
    found.update(r[0] for r in conn.execute(sa.select(c.c.sender_id).where(c.c.last_ts < cutoff)))
    if has_window_table(conn):
        # and windows not written since the cutoff (every save rewrites a conversation's window)
        w = tracker_windows
        found.update(r[0] for r in conn.execute(sa.select(w.c.sender_id).where(w.c.updated < cutoff)))
    if has_plan_table(conn):
        p = safety_plans
        found.update(r[0] for r in conn.execute(sa.select(p.c.sender_id).where(p.c.updated < cutoff)))
    return sorted(found)


def purge(engine, days: int, dry_run: bool = False, now: Optional[float] = None) -> Dict[str, int]:
    now = time.time() if now is None else now
    cutoff = now - days * 86400
    deleted = {"conversations": 0, "events": 0}
    with engine.begin() as conn:
        senders = old_senders(conn, cutoff)
        windows = has_window_table(conn)
        plans = has_plan_table(conn)
        if senders and db.has_events_table(conn):
            still_active: Set[str] = set()
            e = db.events
            for start in range(0, len(senders), BATCH):
                batch = senders[start:start + BATCH]
                still_active.update(r[0] for r in conn.execute(
                    sa.select(e.c.sender_id).where(e.c.sender_id.in_(batch), e.c.timestamp >= cutoff).distinct()))
            senders = [s for s in senders if s not in still_active]
        deleted["conversations"] = len(senders)
        if dry_run:
            return deleted
        for start in range(0, len(senders), BATCH):
            batch = senders[start:start + BATCH]
            if db.has_events_table(conn):
                deleted["events"] += conn.execute(db.events.delete().where(db.events.c.sender_id.in_(batch))).rowcount
            forget_erased(conn, batch, now)
            tables = (db.conversations, db.flags, db.reviews, db.notes, db.owners, db.audit) + ((tracker_windows,) if windows else ()) \
                + ((safety_plans,) if plans else ())
            for table in tables:
                conn.execute(table.delete().where(table.c.sender_id.in_(batch)))
        conn.execute(db.login_attempts.delete().where(db.login_attempts.c.at < cutoff))
        audit.record(conn, "retention", "retention",
                     detail=f"deleted {len(senders)} conversations with no activity in {days} days")
    return deleted
