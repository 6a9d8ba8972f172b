"""One headless Debian Chromium for the session, driven by Playwright, against
the real stack (action server + Rasa server + web app) from tests/conftest.py.

Chromium is Debian's package (Playwright cannot download browsers here). When
it is missing the fixture installs it with apt-get (as `make browser` does);
only when that is impossible are the browser tests skipped, with the reason.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bot.settings import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = ROOT / "var" / "test" / "screenshots"
# A reply from the bot may need NLU + dialogue + the action server on a busy 2-core machine.
REPLY_TIMEOUT_MS = 60_000


def ensure_chromium() -> str:
    """The reason Chromium cannot be had, or "" when it is there (installing it if needed)."""
    if CHROMIUM.exists():
        return ""
    if shutil.which("apt-get") is None:
        return "no /usr/bin/chromium and no apt-get to install it"
    if os.geteuid() != 0:
        return "no /usr/bin/chromium, and installing it with apt-get needs root"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    steps = (["apt-get", "update", "-qq"],
             ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "chromium"])
    for step in steps:
        result = subprocess.run(step, env=env, capture_output=True, text=True, timeout=1200)
        if result.returncode != 0:
            return f"could not install chromium ({' '.join(step)}): {result.stderr.strip()[-300:]}"
    return "" if CHROMIUM.exists() else "apt-get install chromium did not provide /usr/bin/chromium"


def pytest_collection_modifyitems(session, config, items):
    """Browser tests run last. While Playwright's sync API is open it keeps an
    asyncio loop running in this thread, so tests that run a loop of their own
    (the socket.io client, the tracker store) must come before it."""
    here = Path(__file__).resolve().parent
    items.sort(key=lambda item: here in Path(str(item.fspath)).resolve().parents)


@pytest.fixture(scope="session")
def browser() -> Iterator["object"]:
    reason = ensure_chromium()
    if reason:
        pytest.skip(f"browser tests need Debian's chromium: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def web_url(stack) -> str:
    return stack.settings.web_url


class PageErrors:
    """Console errors and uncaught exceptions (a CSP violation shows up here)."""

    def __init__(self) -> None:
        self.errors: List[str] = []

    def watch(self, page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", lambda dialog: (self.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))


@pytest.fixture
def new_context(browser):
    """Factory for fresh browser contexts (separate storage, like separate browsers)."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1100, "height": 800})
        context = browser.new_context(**options)
        context.set_default_timeout(REPLY_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def errors() -> PageErrors:
    return PageErrors()


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
