"""Sending: every reply Rasa emits goes to its chat's paced queue (about one
message a second per chat; a 429 waits retry_after)."""
from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Mapping, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.telegram.api import BotApi, TelegramApiError
from bot.channels.telegram.format import outgoing_messages
from bot.channels.telegram.lanes import Lanes
from bot.channels.telegram.updates import (
    Incoming,
    RecentNotices,
)
from bot.content import ERROR_REPLY

logger = logging.getLogger(__name__)



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

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
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
