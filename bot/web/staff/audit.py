"""The append-only audit log: who looked at or changed which conversation, when.

Never any message text. This module only inserts; the retention command is the
one place that deletes rows (of conversations it deletes), and it records that
it did.
"""
from __future__ import annotations

import time
from typing import Iterable, Optional

import sqlalchemy as sa

from bot.storage import staff_tables as db

ACTIONS = {"view", "unmask", "review", "unreview", "note", "tags", "export", "training_export", "login",
           "login_failed", "logout", "retention", "alert_ack", "take", "hand_back"}


def record(conn, username: str, action: str, sender_id: Optional[str] = None, detail: str = "") -> None:
    assert action in ACTIONS, action
    conn.execute(db.audit.insert().values(at=time.time(), username=username, action=action, sender_id=sender_id,
                                          detail=detail[:255]))


def record_many(conn, username: str, action: str, sender_ids: Iterable[str], detail: str = "") -> None:
    now = time.time()
    rows = [{"at": now, "username": username, "action": action, "sender_id": s, "detail": detail[:255]}
            for s in sender_ids]
    if rows:
        conn.execute(db.audit.insert(), rows)


def recent(conn, limit: int = 200, offset: int = 0):
    return [dict(r) for r in conn.execute(
        sa.select(db.audit).order_by(db.audit.c.id.desc()).limit(limit).offset(offset)).mappings()]
