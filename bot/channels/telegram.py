"""Unknot's Telegram channel: Rasa's built-in one, hardened.

Why not rasa.core.channels.telegram as it is: it does not check Telegram's
webhook secret (anyone who learns the URL can post updates for any chat), it
calls getMe on every update, never answers callback queries, drops photos, voice
notes and stickers silently, and sends plain text only.

How one update goes:
  POST /webhooks/telegram/webhook
    -> secret header compared in constant time; wrong or missing: 403, nothing stored
    -> update_id recorded (bot.channels.telegram_updates.SqlUpdateLog); seen before: 200, ignored
    -> classified (text, button, media, group) and queued for its chat; 200 at once
  per chat, in order (a background task; Telegram wants a fast 200):
    -> a button press is answered with answerCallbackQuery first
    -> text goes to Rasa; every reply Rasa emits is queued for sending as soon as
       it is emitted (crisis lines do not wait for the action server)
  per chat, in order, paced (about one message a second; a 429 waits retry_after and retries):
    -> sendMessage in HTML parse mode, long replies split, buttons as inline keyboards

Configured in credentials.yml from the environment (see .env.example). With no
token the channel is off: the webhook answers 404 and nothing calls Telegram.
"""
from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.input_boundary import MAX_ID, checked_int
from bot.channels.telegram_format import outgoing_messages
from bot.channels.telegram_updates import (
    CRISIS_HINT,
    SECRET_HEADER,
    Incoming,
    MemoryUpdateLog,
    RecentNotices,
    SqlUpdateLog,
    parse_update,
    secret_matches,
)

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
ERROR_REPLY = ("Sorry, something went wrong on my side and I couldn't answer that. Please try again in a "
               "moment. " + CRISIS_HINT)


class TelegramApiError(Exception):
    def __init__(self, method: str, status: int, description: str, retry_after: Optional[float] = None) -> None:
        super().__init__(f"{method}: {status} {description}")
        self.method = method
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500 or self.status == 0


class BotApi:
    """Calls `{base_url}/bot{token}/{method}` with a JSON body; returns `result`."""

    def __init__(self, token: str, base_url: str = "https://api.telegram.org", timeout: float = 30.0) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    def _redact(self, text: str) -> str:
        return text.replace(self.token, "<token>") if self.token else text

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, **params: Any) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        url = f"{self.base_url}/bot{self.token}/{method}"
        try:
            async with self._session.post(url, json={k: v for k, v in params.items() if v is not None}) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise TelegramApiError(method, 0, self._redact(f"{type(error).__name__}: {error}")) from None
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        body = body if isinstance(body, dict) else {}
        parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        raise TelegramApiError(method, int(body.get("error_code") or status),
                               self._redact(str(body.get("description") or f"HTTP {status}")),
                               float(retry_after) if isinstance(retry_after, (int, float)) else None)

    async def call_reliably(self, method: str, max_failures: int = 6, **params: Any) -> Any:
        """`call`, honouring every 429 (never gives up on those) and retrying network errors
        and 5xx with backoff up to `max_failures` times. Other errors are raised at once."""
        failures = 0
        while True:
            try:
                return await self.call(method, **params)
            except TelegramApiError as error:
                if error.status == 429:
                    wait = error.retry_after if error.retry_after is not None else 1.0
                    logger.warning("Telegram %s: rate limited, retrying after %.1fs", method, wait)
                    await asyncio.sleep(max(wait, 0.0))
                    continue
                failures += 1
                if not error.retryable or failures >= max_failures:
                    raise
                await asyncio.sleep(min(2.0 ** (failures - 1), 30.0))


class Lanes:
    """One ordered queue of jobs per key (a chat), each drained by its own task.

    A task ends after `idle` seconds without work, so memory follows the number of
    chats active right now, not of all chats ever seen."""

    def __init__(self, name: str, idle: float = 30.0) -> None:
        self.name = name
        self.idle = idle
        self._queues: Dict[Any, asyncio.Queue] = {}
        self._tasks: set = set()
        self._pending = 0

    def submit(self, key: Any, job: Callable[[], Awaitable[None]]) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
            task = asyncio.get_running_loop().create_task(self._drain(key, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._pending += 1
        queue.put_nowait(job)

    async def _drain(self, key: Any, queue: asyncio.Queue) -> None:
        while True:
            try:
                job = await asyncio.wait_for(queue.get(), self.idle)
            except asyncio.TimeoutError:
                if queue.empty():
                    self._queues.pop(key, None)
                    return
                continue
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed job must not stop the chat's later ones
                logger.exception("Telegram %s job for a chat failed", self.name)
            finally:
                self._pending -= 1
                queue.task_done()

    def busy(self) -> bool:
        return self._pending > 0

    async def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.busy() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()


class TelegramOutput(OutputChannel):
    """Hands every reply Rasa emits to the chat's paced send queue, in order."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: "TelegramBot") -> None:
        self.bot = bot

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        text = message.get("text") or ""
        buttons = message.get("buttons") or message.get("quick_replies") or []
        custom = message.get("custom")
        if isinstance(custom, Mapping) and isinstance(custom.get("text"), str):
            text = "\n\n".join(t for t in (text, custom["text"]) if t)
        elif custom:
            logger.warning("Telegram: a custom payload without text was not sent")
        for key in ("image", "attachment"):
            if isinstance(message.get(key), str):
                text = "\n\n".join(t for t in (text, message[key]) if t)
        for params in outgoing_messages(text, buttons):
            self.bot.enqueue_send(int(recipient_id), params)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})


class TelegramBot:
    """The running side of the channel: the API client, the queues, the pacing."""

    def __init__(self, api: BotApi, min_interval: float = 1.0) -> None:
        self.api = api
        self.min_interval = min_interval
        self.inbox = Lanes("inbox")
        self.outbox = Lanes("outbox")
        self._last_sent: "OrderedDict[int, float]" = OrderedDict()
        self._background: set = set()  # asyncio keeps only weak references to tasks
        self.output = TelegramOutput(self)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ sending
    def enqueue_send(self, chat_id: int, params: Dict[str, Any]) -> None:
        self.outbox.submit(chat_id, lambda: self._send(chat_id, params))

    def enqueue_text(self, chat_id: int, text: str) -> None:
        for params in outgoing_messages(text):
            self.enqueue_send(chat_id, params)

    async def _pace(self, chat_id: int) -> None:
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = last + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def _sent(self, chat_id: int) -> None:
        now = time.monotonic()
        self._last_sent[chat_id] = now
        self._last_sent.move_to_end(chat_id)
        # oldest first: forget chats that have been quiet longer than the interval
        while len(self._last_sent) > 1 and now - next(iter(self._last_sent.values())) > self.min_interval:
            self._last_sent.popitem(last=False)

    async def _send(self, chat_id: int, params: Dict[str, Any]) -> None:
        await self._pace(chat_id)
        try:
            await self.api.call_reliably("sendMessage", chat_id=chat_id, **params)
        except TelegramApiError as error:
            if error.status == 400 and "entit" in error.description.lower():
                # our HTML was refused: the words matter more than the bold
                logger.error("Telegram refused our HTML (%s); sending plain text", error.description)
                plain = dict(params, text=html.unescape(_strip_tags(params["text"])))
                plain.pop("parse_mode", None)
                await self.api.call_reliably("sendMessage", chat_id=chat_id, **plain)
            else:
                logger.error("Telegram: a message could not be delivered: %s", error)
        finally:
            self._sent(chat_id)

    async def _quietly(self, method: str, **params: Any) -> None:
        try:
            await self.api.call_reliably(method, max_failures=2, **params)
        except TelegramApiError as error:
            logger.warning("Telegram %s failed: %s", method, error)

    # ------------------------------------------------------------------ receiving
    def dispatch(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                 group_notices: RecentNotices) -> None:
        if incoming.callback_query_id:
            # stop the button's spinner now, whatever the chat's queue is doing
            self._spawn(self._quietly("answerCallbackQuery", callback_query_id=incoming.callback_query_id))
        if incoming.chat_id is None or incoming.kind == "ignore":
            return
        chat_id = incoming.chat_id
        if incoming.kind == "group":
            if group_notices.due(chat_id):
                self.enqueue_text(chat_id, incoming.reply)
            return
        if incoming.kind == "media":
            self.inbox.submit(chat_id, lambda: self._reply_only(chat_id, incoming.reply))
            return
        if not incoming.text.strip():
            return
        self.inbox.submit(chat_id, lambda: self._handle(incoming, on_new_message))

    async def _reply_only(self, chat_id: int, text: str) -> None:
        self.enqueue_text(chat_id, text)

    async def _handle(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        chat_id = incoming.chat_id
        assert chat_id is not None
        self._spawn(self._quietly("sendChatAction", chat_id=chat_id, action="typing"))
        message = UserMessage(incoming.text, self.output, str(chat_id), input_channel=TelegramOutput.name(),
                              metadata=incoming.metadata or None)
        try:
            await on_new_message(message)
        except Exception:
            logger.exception("Telegram: Rasa could not handle a message")
            self.enqueue_text(chat_id, ERROR_REPLY)
            return
        if incoming.reply:
            self.enqueue_text(chat_id, incoming.reply)

    async def close(self, timeout: float = 10.0) -> None:
        await self.inbox.join(timeout)
        await self.outbox.join(timeout)
        self.inbox.cancel()
        self.outbox.cancel()
        await self.api.close()


def _strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def bot_id_from_token(token: str) -> int:
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


class TelegramInput(InputChannel):
    """Rasa input channel `telegram` (webhook: POST /webhooks/telegram/webhook)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}

        def value(key: str) -> str:
            raw = credentials.get(key)
            return str(raw).strip() if raw is not None else ""

        return cls(
            access_token=value("access_token"),
            webhook_url=value("webhook_url"),
            secret_token=value("secret_token"),
            api_base_url=value("api_base_url") or "https://api.telegram.org",
            database_url=value("database_url"),
            min_interval=float(credentials.get("min_interval") or 1.0),
        )

    def __init__(self, access_token: str = "", webhook_url: str = "", secret_token: str = "",
                 api_base_url: str = "https://api.telegram.org", database_url: str = "",
                 min_interval: float = 1.0) -> None:
        self.access_token = access_token
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.api_base_url = api_base_url
        self.database_url = database_url
        self.min_interval = min_interval
        self.status = "off" if not access_token else "starting"
        self.bot: Optional[TelegramBot] = None
        self.updates: Any = None
        self.group_notices = RecentNotices()
        if access_token and len(secret_token) < 16:
            # refuse to run a webhook anyone could post to
            raise ValueError("Telegram: a secret_token of 16+ characters is required with an access_token")

    @property
    def enabled(self) -> bool:
        return bool(self.access_token)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.bot.output if self.bot else None

    async def _start(self) -> None:
        api = BotApi(self.access_token, self.api_base_url)
        self.bot = TelegramBot(api, self.min_interval)
        loop = asyncio.get_running_loop()
        if self.database_url:
            self.updates = await loop.run_in_executor(
                None, lambda: SqlUpdateLog(self.database_url, bot_id_from_token(self.access_token)))
        else:
            self.updates = MemoryUpdateLog()
        self.bot._spawn(self._register_webhook())

    async def _register_webhook(self) -> None:
        assert self.bot is not None
        if not self.webhook_url:
            self.status = "not registered: TELEGRAM_WEBHOOK_URL is not set"
            logger.error("Telegram: %s", self.status)
            return
        try:
            me = await self.bot.api.call_reliably("getMe")
            await self.bot.api.call_reliably(
                "setWebhook", url=self.webhook_url, secret_token=self.secret_token,
                allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        except TelegramApiError as error:
            self.status = f"not registered: {error.description}"
            logger.error("Telegram: webhook %s", self.status)
            return
        self.status = "registered"
        logger.info("Telegram: webhook registered for @%s", (me or {}).get("username", "?"))

    async def _stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if isinstance(self.updates, SqlUpdateLog):
            self.updates.close()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("unknot_telegram", __name__)

        if self.enabled:
            @bp.listener("after_server_start")
            async def start(app: Any, loop: Any) -> None:  # noqa: ARG001
                await self._start()

            @bp.listener("before_server_stop")
            async def stop(app: Any, loop: Any) -> None:  # noqa: ARG001
                await self._stop()

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off", "webhook": self.status})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Telegram channel is off", status=404)
            if not secret_matches(request.headers.get(SECRET_HEADER), self.secret_token):
                logger.warning("Telegram: refused an update without the right secret token")
                return response.text("forbidden", status=403)
            if self.bot is None or self.updates is None:
                return response.text("starting", status=503)  # Telegram retries later
            try:
                update = request.json
            except Exception:
                return response.text("the body must be a JSON update", status=400)
            # range-checked at the boundary: a huge integer would overflow the update log's BIGINT (a 500)
            update_id = checked_int(update.get("update_id"), 0, MAX_ID) if isinstance(update, dict) else None
            if update_id is None:
                return response.text("the body must be a JSON update with an update_id", status=400)
            first = await asyncio.get_running_loop().run_in_executor(None, self.updates.first_time, update_id)
            if not first:
                return response.text("duplicate")
            self.bot.dispatch(parse_update(update), on_new_message, self.group_notices)
            return response.text("ok")

        return bp
