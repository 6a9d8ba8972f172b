"""Rasa's SQL tracker store, configured with one SQLAlchemy URL (DATABASE_URL).

Rasa's own SQLTrackerStore takes dialect, host, port, db, user and password as
separate keys; operators have one URL. This subclass splits the URL and makes
sure the folder of a SQLite file exists.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.pool import QueuePool

from bot import speedups

# The Rasa server imports this module from endpoints.yml before it handles a message.
speedups.install()


def url_to_kwargs(url: str) -> Dict[str, Any]:
    """Split a SQLAlchemy URL into SQLTrackerStore's keyword arguments."""
    if not url:
        raise ValueError("DATABASE_URL is empty")
    parsed = make_url(url)
    kwargs: Dict[str, Any] = {"dialect": parsed.drivername, "db": parsed.database or ""}
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return kwargs
    kwargs.update(host=parsed.host, port=parsed.port, username=parsed.username, password=parsed.password)
    query = dict(parsed.query)
    login_db = query.pop("login_db", None)
    if login_db:
        # Rasa connects to this database first and creates `db` when it is missing.
        kwargs["login_db"] = login_db
    if query:
        kwargs["query"] = query
    return kwargs


def sqlite_engine(url: URL) -> Engine:
    """An engine for one SQLite file that keeps its connections open and writes
    ahead (WAL). SQLAlchemy 1.4 opens and closes a new SQLite connection for
    every session by default, and in the default rollback-journal mode every
    commit creates, syncs and deletes a journal file. Rasa loads and saves the
    tracker once per message, so that was a third of the server's time per
    message (README "Performance"). WAL keeps `synchronous=FULL`: a commit is
    on disk when it returns, as before. Readers in other processes (the staff
    review app) no longer wait for the writer."""
    engine = sa.create_engine(url, poolclass=QueuePool, pool_size=2, max_overflow=8,
                              connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    return engine


def remove_sqlite_files(path: Path) -> None:
    """Delete a SQLite database with its write-ahead log and shared-memory index
    (a log left behind would be read into a new database of the same name)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class UrlSQLTrackerStore(SQLTrackerStore):
    # `db_url`, not `url`: Rasa's endpoint config keeps `url` for itself.
    def __init__(self, domain: Optional[Domain] = None, db_url: str = "", **kwargs: Any) -> None:
        kwargs.update(url_to_kwargs(db_url))
        super().__init__(domain=domain, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
