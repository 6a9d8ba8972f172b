"""The web app: `create_app(settings)` returns one Starlette ASGI app.

Routes are added by the parts that own them (the widget's demo page and static
files, the staff review app); every response carries the security headers.
Run with `python -m bot web` or as part of `make run`.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from bot.settings import Settings
from bot.web.alerts.worker import AlertWorker
from bot.web.security import SecurityHeadersMiddleware
from bot.web.staff import create_staff_app
from bot.web.widget import widget_routes


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def alert_lifespan(settings: Settings):
    """Runs the alert worker (bot/web/alerts) while the app serves. Only a real
    server (or a TestClient used as a context manager) runs the lifespan."""
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(AlertWorker(settings).run(stop))
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=20)
    return lifespan


def create_app(settings: Settings) -> Starlette:
    routes = [Route("/healthz", healthz), *widget_routes(settings)]
    routes.append(Mount("/staff", app=create_staff_app(settings)))  # staff review (bot/web/staff)
    app = Starlette(routes=routes, lifespan=alert_lifespan(settings), middleware=[
        Middleware(SecurityHeadersMiddleware, connect_src=[settings.rasa_url, settings.rasa_url.replace("http", "ws", 1)]),
    ])
    app.state.settings = settings
    return app
