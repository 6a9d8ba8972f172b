"""Security headers for every response of the web app.

A pure ASGI middleware, so it also covers static files, errors and redirects.
The Content-Security-Policy allows no inline script and no inline style: pages
load their JavaScript and CSS from /static only.
"""
from __future__ import annotations

from typing import Iterable, List, Tuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(connect_src: Iterable[str] = ()) -> str:
    connect = " ".join(["'self'", *connect_src])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src {connect}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(connect_src: Iterable[str] = ()) -> List[Tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(connect_src).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (existing values win,
    so a route can set a stricter or different policy of its own)."""

    def __init__(self, app: ASGIApp, connect_src: Iterable[str] = ()) -> None:
        self.app = app
        self.headers = security_headers(connect_src)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
