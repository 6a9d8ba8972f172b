"""The staff review app in a real browser (Playwright driving Debian's Chromium),
served by uvicorn like in production, over conversations from the real bot.
Screenshots of the queue and the dashboard go to var/test/screenshots/."""
from __future__ import annotations

import csv
import io
import socket
import threading
import time

import pytest

from bot.settings import ROOT
from bot.web.staff import queries
from tests.support.chromium import CHROMIUM, LAUNCH_ARGS, ensure_chromium
from tests.support.staff import PASSWORDS, app_settings, fill_database

pytestmark = pytest.mark.slow
SHOTS = ROOT / "var" / "test" / "screenshots"


def pseudo(sender):
    return queries.pseudonym("t" * 48, sender)


@pytest.fixture(scope="module")
def web(bot_conversations, tmp_path_factory):
    import uvicorn

    from bot.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'staff_browser.db'}"
    senders = fill_database(url, bot_conversations)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(app_settings(url)), log_level="warning", lifespan="off",
                                           ws="none"))  # rasa pins an old websockets uvicorn cannot use
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    yield {"base": f"http://127.0.0.1:{port}", "url": url, "senders": senders}
    server.should_exit = True
    thread.join(15)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    reason = ensure_chromium()
    if reason:
        pytest.skip(f"no Chromium for the browser tests: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    page.on("dialog", lambda d: (page.csp_errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    context.close()


def log_in(page, base, username):
    page.goto(f"{base}/staff/")
    assert "/staff/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("form[action$='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/staff/")


def test_log_in_see_the_flagged_conversation_on_top_open_it_mark_it_reviewed_and_export(page, web):
    base, senders = web["base"], web["senders"]
    log_in(page, base, "rita")
    first = page.locator("#queue tbody tr").first
    assert first.get_attribute("data-conversation") == pseudo(senders["risk_high"])
    assert first.locator(".risk").inner_text() == "high"
    count = int(page.inner_text("#unreviewed-count"))
    assert count >= 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "staff-queue.png"), full_page=True)

    first.locator("a").click()
    assert "i want to kill myself" in page.inner_text(".transcript")
    assert "high" in page.inner_text("#risk-summary")
    page.click("#mark-reviewed")
    page.wait_for_selector("#mark-unreviewed")
    assert "reviewed by rita" in page.inner_text("#review-status")
    assert int(page.inner_text("#unreviewed-count")) == count - 1

    page.goto(f"{base}/staff/conversations?flagged=yes")
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert {r["conversation"] for r in rows} == {pseudo(senders["risk_high"]), pseudo(senders["risk_possible"])}

    page.goto(f"{base}/staff/dashboard")
    assert page.locator("svg.chart").count() == 5
    page.screenshot(path=str(SHOTS / "staff-dashboard.png"), full_page=True)
    # the stylesheet applied (no inline style needed, none blocked)
    assert page.eval_on_selector(".badge", "e => getComputedStyle(e).borderRadius") != "0px"
    assert page.csp_errors == []


def test_an_xss_payload_from_a_user_message_is_inert(page, web):
    base, senders = web["base"], web["senders"]
    log_in(page, base, "rita")
    page.goto(f"{base}/staff/conversations?q=onerror")
    page.click(f"tr[data-conversation='{pseudo(senders['xss'])}'] a")
    page.wait_for_selector(".transcript")
    assert '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>' in page.inner_text(".transcript")
    assert page.evaluate("window.__xss") is None
    assert page.locator(".transcript img, .transcript script").count() == 0
    assert page.csp_errors == []


def test_a_reviewer_cannot_reach_admin_only_pages(page, web):
    base = web["base"]
    log_in(page, base, "rita")
    assert page.locator("nav a", has_text="Audit log").count() == 0
    for path in ("/staff/admin/audit", "/staff/admin/users"):
        assert page.goto(f"{base}{path}").status == 403
        assert "admins only" in page.inner_text("main")
    page.goto(f"{base}/staff/conversations?flagged=yes")
    page.locator("tbody tr a").first.click()
    assert page.locator("#unmask").count() == 0


def test_a_request_without_the_csrf_token_is_refused(page, web):
    base = web["base"]
    log_in(page, base, "adam")
    page.goto(f"{base}/staff/conversations?low_confidence=yes")
    page.locator("tbody tr a").first.click()
    conversation = page.url
    # the form with its token removed, as a forged cross-site form would arrive
    page.evaluate("document.querySelector(\"form[action$='/review'] input[name=csrf_token]\").remove()")
    page.click("#mark-reviewed")
    assert "security token" in page.inner_text("main")
    assert page.goto(conversation).ok and page.locator("#mark-reviewed").count() == 1  # nothing changed
    direct = page.request.post(f"{conversation}/review", form={"reviewed": "yes"})
    assert direct.status == 403
    api = page.request.post(conversation.replace("/staff/", "/staff/api/") + "/review", data={"reviewed": True})
    assert api.status == 403


def test_an_unauthenticated_request_to_any_staff_page_or_api_is_refused(browser, web):
    base = web["base"]
    context = browser.new_context()
    page = context.new_page()
    try:
        for path in ("/staff/", "/staff/conversations", "/staff/conversations/1", "/staff/dashboard",
                     "/staff/admin/audit", "/staff/export.csv"):
            page.goto(f"{base}{path}")
            assert "/staff/login" in page.url and page.locator("#password").count() == 1, path
        for path in ("/staff/api/queue", "/staff/api/conversations", "/staff/api/conversations/1", "/staff/api/me"):
            assert context.request.get(f"{base}{path}").status == 401, path
        assert context.request.post(f"{base}/staff/api/conversations/1/review", data={"reviewed": True}).status == 401
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_transcript_a_clinician_reads_summary_card_chat_and_details_toggle(browser, web, viewport):
    base, senders = web["base"], web["senders"]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
    try:
        log_in(page, base, "rita")
        page.goto(f"{base}/staff/conversations?flagged=yes")
        page.click(f"tr[data-conversation='{pseudo(senders['risk_high'])}'] a")
        card = page.locator("#case-card")
        # the summary comes first: level and what raised it, when the lines were shown, the question asked
        assert "high" in card.locator("#card-risk").inner_text()
        assert "first" in card.locator("#card-lines").inner_text()
        assert "Thoughts of ending their life?" in card.locator("#card-answers").inner_text()
        assert page.locator("#case-card").bounding_box()["y"] < page.locator("#transcript").bounding_box()["y"]
        # the chat: the person's message with its risk badge, the bot's reply with markdown rendered
        person = page.locator(".msg.user.flagged").first
        assert "i want to kill myself" in person.inner_text() and "risk: high" in person.inner_text()
        reply = page.locator(".msg.bot").filter(has=page.locator("a[href^='tel:']")).first
        assert reply.count() == 1 and "**" not in reply.inner_text()
        assert reply.locator("strong, a").count() >= 1
        # technical rows only behind the toggle
        tech = page.locator("details.tech").first
        assert not tech.locator("tr.ev").first.is_visible()
        tech.locator("summary").click()
        assert tech.locator("tr.ev").first.is_visible()
        # usable on a phone: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        name = "phone" if viewport["width"] < 500 else "desktop"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"staff-transcript-{name}.png"), full_page=True)
        # the exercise conversation: what was done and whether it helped
        page.goto(f"{base}/staff/conversations?q=")
        page.goto(f"{base}/staff/conversations")
        page.click(f"tr[data-conversation='{pseudo(senders['exercise'])}'] a")
        text = page.locator("#card-exercises").inner_text()
        assert "breathing" in text and "a little" in text
        assert page.csp_errors == []
    finally:
        context.close()
