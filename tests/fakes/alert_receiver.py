"""Real local receivers for staff alerts, on 127.0.0.1: a webhook (aiohttp, in
its own thread and event loop, so the code under test can run in another) and
an SMTP server (aiosmtpd). Both record what arrived."""
from __future__ import annotations

import asyncio
import json
import threading
from email import message_from_bytes, policy
from typing import Any, Dict, List, Optional

from aiohttp import web
from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class WebhookReceiver:
    """POST /alerts: records the JSON body and headers, answers `status`
    (set it to 503 to play a receiver that is failing)."""

    def __init__(self, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.status = 200
        self.delay = 0.0  # seconds before answering: a slow receiver
        self.received: List[Dict[str, Any]] = []
        self.headers: List[Dict[str, str]] = []
        self.raw: List[bytes] = []
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status == 200:
            self.raw.append(body)
            self.received.append(json.loads(body))
            self.headers.append(dict(request.headers))
        return web.Response(status=self.status, text="ok" if self.status == 200 else "unavailable")

    def start(self) -> "WebhookReceiver":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/alerts", self._handle)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert ready.wait(10), "the webhook receiver did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def ids(self, kind: str = "alert") -> List[str]:
        return [r["alert_id"] for r in self.received if r.get("kind") == kind]


class _Collect:
    def __init__(self) -> None:
        self.messages: List[Any] = []
        self.envelopes: List[Dict[str, Any]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos)})
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message."""

    def __init__(self) -> None:
        self.port = free_port()
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> List[Any]:
        return self._handler.messages

    @property
    def envelopes(self) -> List[Dict[str, Any]]:
        return self._handler.envelopes

    def start(self) -> "SmtpReceiver":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
