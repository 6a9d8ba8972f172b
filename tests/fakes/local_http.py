"""A throwaway aiohttp server on 127.0.0.1 (a free port) for tests that need a
real HTTP peer: `async with serving({"/path": handler}) as (port, runner)`."""
from __future__ import annotations

import contextlib
from typing import AsyncIterator, Awaitable, Callable, Dict, Tuple

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def start(routes: Dict[str, Handler]) -> Tuple[int, web.AppRunner]:
    """Serve POST `routes`; returns the port and the runner (call `runner.cleanup()` to stop)."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return site._server.sockets[0].getsockname()[1], runner


@contextlib.asynccontextmanager
async def serving(routes: Dict[str, Handler]) -> AsyncIterator[int]:
    port, runner = await start(routes)
    try:
        yield port
    finally:
        await runner.cleanup()
