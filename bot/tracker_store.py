"""Rasa's SQL tracker store, configured with one SQLAlchemy URL (DATABASE_URL).

Rasa's own SQLTrackerStore takes dialect, host, port, db, user and password as
separate keys; operators have one URL. This subclass splits the URL and makes
sure the folder of a SQLite file exists.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine.url import make_url

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


class UrlSQLTrackerStore(SQLTrackerStore):
    # `db_url`, not `url`: Rasa's endpoint config keeps `url` for itself.
    def __init__(self, domain: Optional[Domain] = None, db_url: str = "", **kwargs: Any) -> None:
        kwargs.update(url_to_kwargs(db_url))
        super().__init__(domain=domain, **kwargs)
