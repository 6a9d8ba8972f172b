"""Which Telegram updates were handled already (dedupe by update_id), in memory or in a
small table next to the tracker store: the `telegram_updates` table (listed in
docs/privacy/storage.md; ids and times only)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import Any, Dict


class MemoryUpdateLog:
    """The update_ids of the last `capacity` updates, in memory (bounded)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._seen: "OrderedDict[int, None]" = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, update_id: int) -> bool:
        with self._lock:
            if update_id in self._seen:
                self._seen.move_to_end(update_id)
                return False
            self._seen[update_id] = None
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True


class SqlUpdateLog:
    """update_ids in a small table next to the tracker store (same DATABASE_URL).

    The primary key makes "insert or find it was already there" one atomic step, so two
    Rasa replicas, or one restarted after Telegram retried, never both process an update.
    Rows older than `keep` are pruned now and then: Telegram stops retrying after 24 hours."""

    TABLE = "telegram_updates"

    def __init__(self, db_url: str, bot_id: int, keep: timedelta = timedelta(days=2)) -> None:
        import sqlalchemy as sa

        from bot.storage.tracker_store import url_to_kwargs

        url_to_kwargs(db_url)  # creates the folder of a SQLite file, like the tracker store
        url = sa.engine.make_url(db_url)
        # `login_db` is for the tracker store (it creates the database); not a driver option
        url = url.difference_update_query(["login_db"])
        kwargs: Dict[str, Any] = {"pool_pre_ping": True}
        if url.drivername.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        self.engine = sa.create_engine(url, **kwargs)
        self.bot_id = bot_id
        self.keep = keep
        metadata = sa.MetaData()
        self.table = sa.Table(
            self.TABLE, metadata,
            sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("received_at", sa.DateTime, nullable=False, index=True),
        )
        metadata.create_all(self.engine, checkfirst=True)
        self._inserts = 0
        self._sa = sa

    def first_time(self, update_id: int) -> bool:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        try:
            with self.engine.begin() as conn:
                conn.execute(self.table.insert().values(bot_id=self.bot_id, update_id=update_id, received_at=now))
        except self._sa.exc.IntegrityError:
            return False
        self._inserts += 1
        if self._inserts % 500 == 1:
            self.prune(now - self.keep)
        return True

    def prune(self, before: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(self.table.delete().where(self.table.c.received_at < before))
            return result.rowcount or 0

    def close(self) -> None:
        self.engine.dispose()
