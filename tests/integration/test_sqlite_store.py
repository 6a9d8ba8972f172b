"""The SQLite tracker store keeps its connections open and writes ahead (WAL),
and what it saves is at once visible to other processes' connections (the staff
review app reads the same file)."""
from __future__ import annotations

import asyncio
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import ROOT
from bot.storage.tracker_store import UrlSQLTrackerStore, remove_sqlite_files


def test_sqlite_store_saves_in_wal_mode_and_other_connections_see_every_event(tmp_path):
    domain = Domain.load(str(ROOT / "domain"))
    path = tmp_path / "unknot.db"
    store = UrlSQLTrackerStore(domain=domain, db_url=f"sqlite:///{path}")

    async def turns() -> None:
        for i in range(5):
            tracker = await store.retrieve("wal-1") or DialogueStateTracker("wal-1", domain.slots)
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(f"message {i}", {"name": "greet", "confidence": 0.9}))
            await store.save(tracker)
            # Another connection, as another process would open it, sees the commit.
            with sqlite3.connect(path) as other:
                texts = [row[0] for row in other.execute(
                    "SELECT json_extract(data, '$.text') FROM events "
                    "WHERE sender_id = 'wal-1' AND type_name = 'user' ORDER BY id")]
            assert texts == [f"message {k}" for k in range(i + 1)]

    asyncio.run(turns())
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    loaded = asyncio.run(UrlSQLTrackerStore(domain=domain, db_url=f"sqlite:///{path}").retrieve("wal-1"))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == [f"message {k}" for k in range(5)]

    store.engine.dispose()
    remove_sqlite_files(path)
    assert list(tmp_path.iterdir()) == []
