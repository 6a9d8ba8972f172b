"""The one line `make run` prints about Telegram (no Rasa import: bot.cli uses it)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from bot.settings import Settings


def webhook_status(settings: Settings) -> str:
    """What the running Rasa server's Telegram channel reports: "registered", "starting",
    "not registered: <Telegram's reason>", or "unreachable"."""
    try:
        with urllib.request.urlopen(f"{settings.rasa_url}/webhooks/telegram/", timeout=5) as response:  # noqa: S310
            return str(json.loads(response.read().decode()).get("webhook") or "unknown")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
        return "unreachable"


def telegram_status_line(settings: Settings, wait: float = 60.0) -> str:
    if not settings.telegram_enabled:
        return "Telegram: off (TELEGRAM_BOT_TOKEN not set)"
    deadline = time.monotonic() + wait
    status = webhook_status(settings)
    while status in ("starting", "unreachable") and time.monotonic() < deadline:
        time.sleep(0.5)
        status = webhook_status(settings)
    if status == "registered":
        return f"Telegram: webhook registered at {settings.telegram_webhook_url}"
    return f"Telegram: {status} (webhook {settings.telegram_webhook_url or 'URL not set'}; see var/log/rasa.log)"
