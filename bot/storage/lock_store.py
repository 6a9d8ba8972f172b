"""Rasa's conversation lock store, chosen by one URL (LOCK_STORE_URL).

Empty: Rasa's in-memory lock store, right for one Rasa process on one machine.
`redis://[:password@]host[:port][/db]` (or `rediss://` for TLS): Rasa's Redis
lock store, which several `rasa run` replicas must share so that two replicas
never process messages of one conversation at the same time.

Rasa builds a custom lock store as `cls(endpoint_config=...)`; `__new__` hands
back Rasa's own class, so Rasa sees exactly the store it would have built from
`type: redis` or `type: in_memory` (and, for instance, allows several Sanic
workers only with Redis).
"""
from __future__ import annotations

from typing import Any, Dict, Optional
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore


def redis_kwargs(url: str, key_prefix: str = "") -> Dict[str, Any]:
    """Split a redis:// URL into RedisLockStore's keyword arguments."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        raise ValueError(f"LOCK_STORE_URL must start with redis:// or rediss://, got {url!r}")
    db_text = parts.path.lstrip("/")
    if db_text and not db_text.isdigit():
        raise ValueError(f"LOCK_STORE_URL: the database after the host must be a number, got {db_text!r}")
    kwargs: Dict[str, Any] = {"host": parts.hostname or "localhost", "port": parts.port or 6379,
                              "db": int(db_text) if db_text else 1, "use_ssl": parts.scheme == "rediss"}
    if parts.username:
        kwargs["username"] = unquote(parts.username)
    if parts.password:
        kwargs["password"] = unquote(parts.password)
    if key_prefix:
        kwargs["key_prefix"] = key_prefix
    return kwargs


def lock_store_from_url(url: str, key_prefix: str = "") -> LockStore:
    url = (url or "").strip()
    if not url:
        return InMemoryLockStore()
    return RedisLockStore(**redis_kwargs(url, key_prefix))


class UrlLockStore(LockStore):
    """endpoints.yml: `lock_store: {type: bot.storage.lock_store.UrlLockStore, lock_url: ..., key_prefix: ...}`."""

    def __new__(cls, endpoint_config: Optional[Any] = None, lock_url: str = "", key_prefix: str = "") -> LockStore:
        if endpoint_config is not None:
            kwargs = getattr(endpoint_config, "kwargs", {}) or {}
            lock_url = str(kwargs.get("lock_url") or lock_url or "")
            key_prefix = str(kwargs.get("key_prefix") or key_prefix or "")
        return lock_store_from_url(lock_url, key_prefix)
