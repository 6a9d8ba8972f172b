"""Runtime fixes that keep the Rasa server answering whatever one request or
message sends (issue 15, docs/deployment.md "Robustness"). They patch Rasa 3.6.21 and Sanic
21.12.2 internals, so they refuse to install on any other version (and say so in
the log); UNKNOT_HARDENING=off leaves all of them out.

Installed by bot.storage.tracker_store next to bot.runtime.speedups: the Rasa server imports it
while it starts, before it accepts a connection.

1. HTTP framing (`check_http_framing`). Sanic 21.12 takes `Content-Length: -1`
   as a body of -1 bytes; reading it slices the buffer with a negative length and
   loops forever without awaiting, so the whole server (REST, socket.io, `/`)
   spins at 100% CPU and ignores SIGTERM. A garbage length, or a
   Transfer-Encoding other than "chunked", gave a 500. Every request's framing is
   now checked when its head has been read, before any body is: one
   Content-Length of digits only, no Content-Length with Transfer-Encoding, no
   Transfer-Encoding but "chunked". Anything else gets a 400 and the connection
   closes; a declared body over the limit gets a 413 at once.
2. Limits (same patch): bodies up to RASA_REQUEST_MAX_BYTES (64 KB, as nginx in
   deploy/nginx.conf; Sanic's default was 100 MB: a 1 MB REST message blocked the
   server for 16 s), and RASA_REQUEST_TIMEOUT seconds for the head and, apart,
   for the body (Rasa's own response timeout is an hour: an unterminated chunked
   body held its connection that long). Late: 408, and the connection closes.
3. Typed payloads (`keep_risk_on_typed_payloads`). Rasa's RegexMessageHandler,
   the last NLU step, replaced a message starting with "/intent" by a new one
   without RiskGuard's result. Now a message the risk check flagged keeps its
   risk intent whatever it starts with, and a payload is honoured only as
   bot/nlu/typed_payloads.py says (a button the bot offered, ...); otherwise the
   pipeline's own reading of the text stands.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import re
import threading
from importlib import metadata as importlib_metadata
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.settings import _int

logger = logging.getLogger(__name__)

PINNED = {"rasa": "3.6.21", "sanic": "21.12.2"}
DEFAULT_MAX_BYTES = 64 * 1024
DEFAULT_TIMEOUT = 20
MAX_BYTES_ENV, TIMEOUT_ENV, SWITCH_ENV = "RASA_REQUEST_MAX_BYTES", "RASA_REQUEST_TIMEOUT", "UNKNOT_HARDENING"
RISK = "risk"  # where RiskGuard records its decision (bot/nlu/risk_guard.py)

_installed = False
_lock = threading.Lock()
_DIGITS = re.compile(r"[0-9]+")


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "").strip().lower() != "off"


def version_problem(installed: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """Why the patches do not fit what is installed, or None when they do."""
    for package, pinned in PINNED.items():
        if installed is not None:
            found = installed.get(package)
        else:
            try:
                found = importlib_metadata.version(package)
            except importlib_metadata.PackageNotFoundError:
                found = None
        if found != pinned:
            return f"{package} {found or '(missing)'} is installed, the patches are written for {pinned}"
    return None


def limits(environ: Optional[Mapping[str, str]] = None) -> Tuple[int, int]:
    """(largest body in bytes, seconds for a request's head or its body)."""
    env = os.environ if environ is None else environ
    return (_int(env, MAX_BYTES_ENV, DEFAULT_MAX_BYTES, 1024, 100_000_000),
            _int(env, TIMEOUT_ENV, DEFAULT_TIMEOUT, 1, 3600))


def install() -> None:
    global _installed
    with _lock:
        if _installed or not enabled():
            return
        problem = version_problem()
        if problem:
            logger.error(f"Hardening NOT installed: {problem}. Malformed HTTP framing can hang this server "
                         "and typed payloads skip the risk check; see docs/deployment.md, \"Robustness\".")
            return
        max_bytes, timeout = limits()
        check_http_framing(max_bytes, timeout)
        keep_risk_on_typed_payloads()
        _installed = True


# --------------------------------------------------------------------------- HTTP


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
        base.__init__(self, *args, **kwargs)
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
    HttpProtocol.__init__ = __init__  # type: ignore[assignment]


# --------------------------------------------------------------------------- typed payloads

# Whether the message being parsed may be read as a payload: set around
# MessageProcessor.parse_message (which knows the conversation), read by the
# RegexMessageHandler inside the NLU graph, which runs in the same call.
PAYLOAD_HONOURED: "contextvars.ContextVar[Optional[bool]]" = contextvars.ContextVar(
    "unknot_payload_honoured", default=None)


def risk_raised(message: Any) -> bool:
    risk = message.get(RISK)
    return isinstance(risk, Mapping) and risk.get("level") not in (None, "none")


def keep_risk_on_typed_payloads() -> None:
    from rasa.core.processor import MessageProcessor
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.nlu.constants import TEXT

    from bot.nlu import typed_payloads

    original_process = RegexMessageHandler.__dict__["process"]
    if getattr(original_process, "_unknot_risk_first", False):
        return
    original_parse = MessageProcessor.__dict__["parse_message"]

    def process(self: Any, messages: List[Any], domain: Any = None) -> List[Any]:
        allowed = PAYLOAD_HONOURED.get()
        handled = []
        for message in messages:
            text = message.get(TEXT)
            if (not isinstance(text, str) or not text.strip().startswith(typed_payloads.PAYLOAD_PREFIX)
                    or allowed is False or risk_raised(message)):
                handled.append(message)  # risk, or ordinary text: the pipeline's reading stands
                continue
            unpacked = original_process(self, [message], domain)[0]
            if unpacked is not message and message.get(RISK) is not None:
                unpacked.set(RISK, message.get(RISK), add_to_output=True)  # the check ran; say so
            handled.append(unpacked)
        return handled

    async def parse_message(self: Any, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        events = tracker.events if tracker is not None else ()
        token = PAYLOAD_HONOURED.set(typed_payloads.honoured(message.text, events, message.input_channel,
                                                             message.metadata))
        try:
            return await original_parse(self, message, tracker, only_output_properties)
        finally:
            PAYLOAD_HONOURED.reset(token)

    process._unknot_risk_first = True  # type: ignore[attr-defined]
    process.__doc__ = original_process.__doc__
    parse_message.__doc__ = original_parse.__doc__
    RegexMessageHandler.process = process  # type: ignore[assignment]
    MessageProcessor.parse_message = parse_message  # type: ignore[assignment]
