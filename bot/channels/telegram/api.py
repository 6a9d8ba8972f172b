"""The Telegram Bot API client: one aiohttp session, errors that say whether a retry can help."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

import aiohttp

logger = logging.getLogger(__name__)


ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


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


