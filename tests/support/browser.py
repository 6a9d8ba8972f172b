"""Helpers for the browser tests (tests/e2e): screenshots, the widget's stored session."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

from bot.settings import ROOT

SCREENSHOTS = ROOT / "var" / "test" / "screenshots"
# A reply from the bot may need NLU + dialogue + the action server on a busy 2-core machine.
REPLY_TIMEOUT_MS = 60_000


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


def stored_session(page) -> Dict[str, str]:
    """The widget's stored {sessionId, token} (localStorage)."""
    return page.evaluate("""() => {
        for (let i = 0; i < localStorage.length; i++) {
            const key = localStorage.key(i);
            if (key.startsWith('unknot-widget:')) return JSON.parse(localStorage.getItem(key));
        }
        return null;
    }""")
