"""One aiohttp session per event loop for the action server calls, not one per call."""
from __future__ import annotations

from typing import Any, Dict, Tuple

from bot.runtime.rasa_patches.registry import RASA, Patch, replace

NAME = "endpoint_sessions"


def apply(settings: Any = None) -> None:
    """Rasa's `EndpointConfig.request` (every custom action call to the action
    server) builds a new aiohttp ClientSession, and with it a new TCP
    connection, for every single request, then tears both down. Keep one
    session per event loop and endpoint settings, so calls reuse keep-alive
    connections. Idle connections are dropped after 2 s, before the action
    server's own keep-alive timeout (Sanic: 5 s), so a request never goes out on
    a connection the server is closing. Requests, headers, timeouts and errors
    are exactly as before."""
    import asyncio
    import weakref

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original = EndpointConfig.session
    if getattr(original, "_unknot_shared", False):
        return
    sessions: "weakref.WeakKeyDictionary[Any, Dict[Tuple[Any, ...], Any]]" = weakref.WeakKeyDictionary()

    class _Borrowed:
        """`async with config.session()` hands out the shared session and leaves it open."""

        def __init__(self, session: Any) -> None:
            self._session = session

        async def __aenter__(self) -> Any:
            return self._session

        async def __aexit__(self, *exc: Any) -> None:
            return None

    def session(self: EndpointConfig) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original(self)
        key = (tuple(sorted(self.headers.items())), tuple(sorted(self.basic_auth.items())))
        per_loop = sessions.setdefault(loop, {})
        shared = per_loop.get(key)
        if shared is None or shared.closed:
            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)
            shared = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=2.0))
            per_loop[key] = shared
        return _Borrowed(shared)

    session._unknot_shared = True  # type: ignore[attr-defined]
    session.__doc__ = original.__doc__
    replace(EndpointConfig, "session", session, NAME)



PATCH = Patch(NAME, "speedups", (RASA,), apply)
