"""A fake Telegram Bot API on 127.0.0.1, speaking the real HTTP format.

`{base}/bot{token}/{method}` with a JSON, form or query-string body, answered
with `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..,
"description": ..[, "parameters": {"retry_after": ..}]}` the way Telegram does.
It checks what Telegram checks for the methods Unknot uses (the token, HTTPS
webhooks, secret-token characters, HTML parse mode, the 4096-character limit,
1-64 byte callback_data), records every call, and can be told to answer the next
N sendMessage calls with 429 Too Many Requests.
"""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

BOT_ID = 123456789
TOKEN = f"{BOT_ID}:AAE-fake-token-for-tests_0123456789"
USERNAME = "unknot_test_bot"

# https://core.telegram.org/bots/api#html-style
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "tg-spoiler", "span", "tg-emoji", "blockquote"}
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_LT = re.compile(r"<(?!/?[a-zA-Z][a-zA-Z-]*(?:\s[^<>]*)?>)")


class ParseError(ValueError):
    pass


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: List[str] = []
        self.text: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ParseError(f'Unsupported start tag "{tag}"')
        if tag == "a" and not dict(attrs).get("href"):
            raise ParseError('Tag "a" must have an href')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1] if self.stack else tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    """The text a person sees, or ParseError like Telegram's "can't parse entities"."""
    if _BARE_AMP.search(text):
        raise ParseError("Unsupported HTML entity or bare \"&\"")
    if _LT.search(text):
        raise ParseError("Unexpected \"<\" that does not start a tag")
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    at: float  # time.monotonic()
    status: int = 200
    result: Any = None
    description: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class FakeTelegramApi:
    token: str = TOKEN
    secret_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    webhook_url: str = "https://unknot.example/webhooks/telegram/webhook"
    calls: List[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rate_limit: List[float] = []  # retry_after of each upcoming 429
        self._message_id = 0
        self.webhook: Dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._handle(b"")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._handle(self.rfile.read(length) if length else b"")

            def _handle(self, body: bytes) -> None:
                status, payload = fake._dispatch(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-telegram", daemon=True)

    # ------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeTelegramApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeTelegramApi":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def settings_env(self) -> Dict[str, str]:
        """The environment that points Unknot at this fake."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_WEBHOOK_URL": self.webhook_url,
                "TELEGRAM_WEBHOOK_SECRET": self.secret_token, "TELEGRAM_API_BASE_URL": self.base_url}

    # ------------------------------------------------------------ controls
    def rate_limit_next(self, count: int, retry_after: float = 1) -> None:
        """Answer the next `count` sendMessage calls with 429 and parameters.retry_after."""
        with self._lock:
            self._rate_limit.extend([retry_after] * count)

    def recorded(self, method: Optional[str] = None, chat_id: Optional[int] = None,
                 ok: Optional[bool] = None) -> List[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if (method is None or c.method == method)
                and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
                and (ok is None or c.ok == ok)]

    def sent(self, chat_id: int) -> List[Call]:
        """Messages delivered to a chat, in order."""
        return self.recorded("sendMessage", chat_id=chat_id, ok=True)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "the fake API") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; calls: "
                             f"{[(c.method, c.status, c.params.get('chat_id')) for c in self.recorded()][-20:]}")

    def wait_quiet(self, chat_id: int, quiet: float = 2.5, timeout: float = 60.0) -> List[Call]:
        """Messages to a chat once nothing new has arrived for `quiet` seconds (at least one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.recorded("sendMessage", chat_id=chat_id)
            if calls and time.monotonic() - calls[-1].at >= quiet:
                return self.sent(chat_id)
            time.sleep(0.05)
        raise AssertionError(f"chat {chat_id} did not go quiet within {timeout:.0f}s")

    # ------------------------------------------------------------ the API
    def _dispatch(self, path: str, content_type: str, body: bytes) -> Tuple[int, Dict[str, Any]]:
        parts = urlsplit(path)
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", parts.path)
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        params: Dict[str, Any] = dict(parse_qsl(parts.query))
        try:
            if body and "json" in content_type:
                loaded = json.loads(body)
                if not isinstance(loaded, dict):
                    raise ValueError
                params.update(loaded)
            elif body:
                params.update(parse_qsl(body.decode()))
        except ValueError:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid request body"}
        call = Call(method, params, time.monotonic())
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = handler(params)
            answer: Dict[str, Any] = {"ok": True, "result": call.result}
        except ApiError as error:
            call.status, call.description = error.status, error.description
            answer = {"ok": False, "error_code": error.status, "description": error.description}
            if error.parameters:
                answer["parameters"] = error.parameters
        with self._lock:
            self.calls.append(call)
        return call.status, answer

    def _bot_user(self) -> Dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Unknot", "username": USERNAME}

    def _m_getMe(self, params: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N802
        return dict(self._bot_user(), can_join_groups=True, can_read_all_group_messages=False,
                    supports_inline_queries=False)

    def _m_setWebhook(self, params: Dict[str, Any]) -> bool:  # noqa: N802
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("secret token contains unallowed characters")
        self.webhook = {"url": url, "has_custom_certificate": False, "pending_update_count": 0,
                        "allowed_updates": params.get("allowed_updates"), "secret_token": secret}
        return True

    def _m_deleteWebhook(self, params: Dict[str, Any]) -> bool:  # noqa: N802
        self.webhook = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    def _m_getWebhookInfo(self, params: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N802
        return {k: v for k, v in self.webhook.items() if k != "secret_token"}

    @staticmethod
    def _chat_id(params: Dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _bad("chat_id is empty")
        try:
            return int(chat_id)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None

    def _m_sendMessage(self, params: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N802
        chat_id = self._chat_id(params)
        with self._lock:
            retry_after = self._rate_limit.pop(0) if self._rate_limit else None
        if retry_after is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after:g}",
                           {"retry_after": retry_after})
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("message text is empty")
        if str(params.get("parse_mode") or "").upper() == "HTML":
            try:
                text = parse_html(text)
            except ParseError as error:
                raise _bad(f"can't parse entities: {error}") from None
        elif params.get("parse_mode"):
            raise _bad("unsupported parse_mode")
        if utf16_len(text) > 4096:
            raise _bad("message is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if markup is not None:
            self._check_markup(markup)
        self._message_id += 1
        message = {"message_id": self._message_id, "from": self._bot_user(), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"}, "text": text}
        if markup:
            message["reply_markup"] = markup
        return message

    @staticmethod
    def _check_markup(markup: Any) -> None:
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                    raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _bad("BUTTON_DATA_INVALID")
                if data is None and not button.get("url"):
                    raise _bad("can't parse inline keyboard button: InlineKeyboardButton must have exactly one of the optional fields")

    def _m_answerCallbackQuery(self, params: Dict[str, Any]) -> bool:  # noqa: N802
        if not params.get("callback_query_id"):
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        return True

    def _m_sendChatAction(self, params: Dict[str, Any]) -> bool:  # noqa: N802
        self._chat_id(params)
        if params.get("action") not in {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                                        "upload_voice", "upload_document", "choose_sticker", "find_location",
                                        "record_video_note", "upload_video_note"}:
            raise _bad("wrong parameter action in request")
        return True
