"""One headless Debian Chromium for the session, driven by Playwright, against
the real stack (action server + Rasa server + web app) from tests/conftest.py.

Chromium is Debian's package (Playwright cannot download browsers here). When
it is missing the fixture installs it (tests/support/chromium.py, which `make browser` runs too);
only when that is impossible are the browser tests skipped, with the reason.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest

from tests.support.browser import REPLY_TIMEOUT_MS
from tests.support.chromium import CHROMIUM, LAUNCH_ARGS, ensure_chromium


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
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
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
