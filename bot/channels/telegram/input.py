"""The Rasa input channel `telegram`: the webhook, the secret check, the update log."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.input_boundary import MAX_ID, checked_int
from bot.channels.telegram.api import ALLOWED_UPDATES, BotApi, TelegramApiError
from bot.channels.telegram.sender import TelegramBot
from bot.channels.telegram.updates import (
    SECRET_HEADER,
    RecentNotices,
    parse_update,
    secret_matches,
)
from bot.storage.telegram_updates import MemoryUpdateLog, SqlUpdateLog

logger = logging.getLogger(__name__)


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
