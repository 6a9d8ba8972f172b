"""HTTP framing and limits for the Rasa server (Sanic 21.12): bad framing gets a
4xx and the connection closes, bodies are capped and timed (docs/deployment.md,
"Robustness")."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Tuple

from bot.runtime.rasa_patches.registry import RASA, SANIC, Patch, replace

logger = logging.getLogger(__name__)

NAME = "http_framing"
_DIGITS = re.compile(r"[0-9]+")



def framing_problem(headers: Any, max_bytes: int) -> Optional[Tuple[int, str]]:
    """(status, reason) when a request's head frames its body in a way we refuse.
    `headers`: Sanic's multi-valued, case-insensitive headers."""
    lengths: List[str] = list(headers.getall("content-length", []))
    encodings: List[str] = list(headers.getall("transfer-encoding", []))
    if encodings:
        if lengths:
            return 400, "Content-Length and Transfer-Encoding together"
        if len(encodings) > 1 or encodings[0].strip() != "chunked":
            return 400, "only Transfer-Encoding: chunked is accepted"
        return None
    if not lengths:
        return None
    if len(lengths) > 1:
        return 400, "more than one Content-Length"
    value = lengths[0].strip()
    if not _DIGITS.fullmatch(value):
        return 400, "Content-Length must be a number of bytes"
    significant = value.lstrip("0")
    # a length too long to be an int we would parse is over any limit, too
    if len(significant) > 18 or int(significant or "0") > max_bytes:
        return 413, f"request body over {max_bytes} bytes"
    return None



_checked_classes: Dict[type, type] = {}



def _checked_request_class(base: type, max_bytes: int) -> type:
    """A subclass of the server's request class that refuses bad framing as it is
    built: Sanic builds it right after reading the head, before it parses
    Content-Length or reads a byte of the body."""
    cls = _checked_classes.get(base)
    if cls is not None:
        return cls
    from sanic.exceptions import InvalidUsage, PayloadTooLarge

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        getattr(base, "__init__")(self, *args, **kwargs)  # the request class we subclass
        problem = framing_problem(self.headers, max_bytes)
        if problem:
            status, reason = problem
            logger.warning(f"Refused a request to {self.path[:100]!r}: {reason} (HTTP {status})")
            raise (PayloadTooLarge if status == 413 else InvalidUsage)(f"Bad request: {reason}")

    cls = type(f"Framing{base.__name__}", (base,), {"__init__": __init__, "__slots__": ()})
    _checked_classes[base] = cls
    return cls



def _body_first(handler: Any, timeout: float) -> Any:
    """The request handler, reading the whole body first, within `timeout`.
    Sanic would read it too before a (non-streaming) route runs, but with only
    the response timeout (an hour in Rasa) as a limit."""
    from sanic.exceptions import RequestTimeout

    async def handle(request: Any) -> Any:
        http = request.stream
        if http is not None and http.request_body:
            try:
                await asyncio.wait_for(request.receive_body(), timeout)
            except asyncio.TimeoutError:
                http.keep_alive, http.request_body = False, None  # close; do not read the rest
                logger.warning(f"A request body to {request.path[:100]!r} took over {timeout:g}s (HTTP 408)")
                raise RequestTimeout("Request body timeout") from None
            except Exception:
                http.keep_alive, http.request_body = False, None
                raise
        return await handler(request)

    return handle



def check_http_framing(max_bytes: int, timeout: float) -> None:
    """Every connection of the server gets the checked request class, the body
    limit and the timeouts. HttpProtocol.__init__ is patched, not Http.read or
    Sanic.handle_request: Sanic recompiles those from their source at startup
    (sanic/touchup), so a replacement would be compiled in Sanic's module."""
    from sanic.server.protocols.http_protocol import HttpProtocol

    original = HttpProtocol.__dict__["__init__"]
    if getattr(original, "_unknot_framing", False):
        return

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.request_max_size = min(self.request_max_size, max_bytes)
        self.request_timeout = min(self.request_timeout, timeout)
        self.request_class = _checked_request_class(self.request_class, max_bytes)
        self.request_handler = _body_first(self.request_handler, timeout)

    __init__._unknot_framing = True  # type: ignore[attr-defined]
    __init__.__doc__ = original.__doc__
    replace(HttpProtocol, "__init__", __init__, NAME)



def apply(settings: Any) -> None:
    check_http_framing(settings.rasa_request_max_bytes, settings.rasa_request_timeout)


PATCH = Patch(NAME, "hardening", (RASA, SANIC), apply)
