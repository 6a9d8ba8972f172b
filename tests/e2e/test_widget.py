"""The chat widget on the demo page, in Debian's Chromium, against the real bot.

Each test asserts what a person relies on: visible text, roles and labels,
where the keyboard focus is. No part is mocked: the page comes from the web app,
the widget talks socket.io to the Rasa server, which runs the test model and the
action server.
"""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from bot.safety.resources import shows_crisis_lines
from tests.support.browser import REPLY_TIMEOUT_MS, screenshot_path, stored_session

pytestmark = pytest.mark.slow

WELCOME = "Hi, I'm Unknot"
MENU = "What would you like to do?"
FIRST_STEP = "Muscle tension."
SECOND_STEP = "Posture."


def open_widget(page, web_url):
    page.goto(web_url)
    page.get_by_role("button", name="Chat with Unknot").click()
    log = page.get_by_role("log", name="Conversation with Unknot")
    expect(log).to_contain_text(WELCOME, timeout=REPLY_TIMEOUT_MS)
    expect(log).to_contain_text(MENU, timeout=REPLY_TIMEOUT_MS)  # the welcome's last part
    expect(page.get_by_text("Unknot is typing")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
    return log


def say(page, text):
    box = page.get_by_role("textbox", name="Message to Unknot")
    box.fill(text)
    box.press("Enter")


def next_button(page):
    """The walkthrough's "Next: <upcoming step>" quick reply."""
    return page.get_by_role("group", name="Suggested replies").get_by_role("button", name=re.compile(r"^Next"))


def user_messages(page):
    return page.locator(".unknot-msg--user .unknot-bubble").all_inner_texts()


PHONE = {"width": 360, "height": 640}
# How long the log must stay unchanged before a reply counts as complete.
SETTLE_S = 1.5


def bot_messages(page):
    return page.locator(".unknot-msg--bot")


def reply_to(page, send):
    """Do `send` (type a message, click a quick reply) and return the reply's first bot
    message once the whole reply is in: the typing indicator hidden and no new
    message for SETTLE_S seconds."""
    before = bot_messages(page).count()
    send()
    first = bot_messages(page).nth(before)
    expect(first).to_be_attached(timeout=REPLY_TIMEOUT_MS)
    typing = page.get_by_text("Unknot is typing")
    count = -1
    for _ in range(40):  # a bound, not a time limit: each round waits for the reply to settle
        expect(typing).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
        if bot_messages(page).count() == count:
            break
        count = bot_messages(page).count()
        time.sleep(SETTLE_S)
    else:
        pytest.fail("the reply never stopped growing")
    return first


def taller_than_the_log(page, first):
    """Whether the reply that starts at `first` is taller than the log's visible area
    (then scrolling to its end would hide its start)."""
    view = page.get_by_role("log", name="Conversation with Unknot").bounding_box()
    start, end = first.bounding_box(), bot_messages(page).last.bounding_box()
    return end["y"] + end["height"] - start["y"] > view["height"]


def assert_reply_lands_on_its_start(page, first):
    """A reply taller than the log shows its first message from the top of the log;
    one that fits is shown to its end, as before, all of it in view."""
    log = page.get_by_role("log", name="Conversation with Unknot")
    view = log.bounding_box()
    padding = log.evaluate("el => parseFloat(getComputedStyle(el).paddingTop)")
    start = first.bounding_box()
    if taller_than_the_log(page, first):
        assert view["y"] - 1 <= start["y"] <= view["y"] + padding + 2, (start, view)
        if start["height"] <= view["height"] - padding:
            assert start["y"] + start["height"] <= view["y"] + view["height"] + 1, (start, view)
    else:
        assert log.evaluate("el => el.scrollHeight - el.clientHeight - el.scrollTop") <= 1
        assert start["y"] >= view["y"] - 1, (start, view)


def test_conversation_quick_reply_history_after_reload_and_reopen(new_context, web_url, errors):
    context = new_context()
    page = context.new_page()
    errors.watch(page)
    log = open_widget(page, web_url)
    # markdown from the bot is rendered (bold), as elements, not as asterisks
    expect(log.locator("strong").first).to_be_visible()

    say(page, "can stress cause back pain?")
    expect(log).to_contain_text(FIRST_STEP, timeout=REPLY_TIMEOUT_MS)
    expect(log.locator("time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    first_next = next_button(page).inner_text()
    next_button(page).click()
    expect(log).to_contain_text(SECOND_STEP, timeout=REPLY_TIMEOUT_MS)
    expect(next_button(page)).to_be_visible()
    page.screenshot(path=str(screenshot_path("widget-open.png")))
    session = stored_session(page)
    assert session and session["sessionId"].startswith("w-")

    # reload: the widget comes back open, with the same conversation and its history
    page.reload()
    log = page.get_by_role("log", name="Conversation with Unknot")
    expect(log).to_contain_text(SECOND_STEP)
    expect(log).to_contain_text(FIRST_STEP)
    expect(log).to_contain_text(WELCOME)
    assert user_messages(page) == ["can stress cause back pain?", first_next]
    assert stored_session(page)["sessionId"] == session["sessionId"]
    # the quick replies of the last message still work after the reload
    second_next = next_button(page).inner_text()
    next_button(page).click()
    expect(log).to_contain_text("Moving less.", timeout=REPLY_TIMEOUT_MS)

    # close the tab, open a new one: same conversation
    page.close()
    page = context.new_page()
    errors.watch(page)
    page.goto(web_url)
    page.get_by_role("button", name="Chat with Unknot").click()
    log = page.get_by_role("log", name="Conversation with Unknot")
    expect(log).to_contain_text("Moving less.")
    assert user_messages(page) == ["can stress cause back pain?", first_next, second_next]
    assert stored_session(page)["sessionId"] == session["sessionId"]
    assert errors.errors == []


def test_keyboard_only(new_context, web_url, errors):
    page = new_context().new_page()
    errors.watch(page)
    page.goto(web_url)
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Chat with Unknot":
            break
    else:
        pytest.fail("Tab never reached the 'Chat with Unknot' button")
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Message to Unknot")
    expect(box).to_be_focused()  # opening the widget puts the focus where you type
    log = page.get_by_role("log", name="Conversation with Unknot")
    expect(log).to_contain_text(WELCOME, timeout=REPLY_TIMEOUT_MS)

    page.keyboard.type("can stress cause back pain?")
    page.keyboard.press("Enter")
    expect(log).to_contain_text(FIRST_STEP, timeout=REPLY_TIMEOUT_MS)
    # from the text box, Shift+Tab goes back through the quick replies to "Next"
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Next"):
            break
    else:
        pytest.fail("Shift+Tab never reached the 'Next' quick reply")
    page.keyboard.press("Enter")
    expect(log).to_contain_text(SECOND_STEP, timeout=REPLY_TIMEOUT_MS)
    expect(box).to_be_focused()  # after a quick reply the focus returns to the text box

    # "Get help now" from the keyboard: the lines open and take the focus; Escape goes back
    help_button = page.get_by_role("region", name="Unknot").get_by_role("button", name="Get help now")
    for _ in range(15):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == "Get help now":
            break
    else:
        pytest.fail("Shift+Tab never reached 'Get help now'")
    expect(help_button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Get help now")).to_be_focused()
    expect(page.get_by_role("region", name="Get help now")).to_contain_text("988")
    page.keyboard.press("Escape")
    expect(page.get_by_role("region", name="Get help now")).to_be_hidden()
    expect(help_button).to_be_focused()
    # Escape again closes the widget and gives the focus back to the launcher
    page.keyboard.press("Escape")
    launcher = page.get_by_role("button", name="Chat with Unknot")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert errors.errors == []


def test_get_help_now_shows_the_regions_lines_even_offline(new_context, web_url, errors):
    context = new_context(locale="en-GB")
    page = context.new_page()
    errors.watch(page)
    page.goto(web_url)
    page.wait_for_load_state("networkidle")
    context.set_offline(True)  # no round trip: the lines come with the page
    page.get_by_role("button", name="Get help now").click()
    lines = page.get_by_role("region", name="Get help now")
    expect(lines).to_be_visible()
    expect(page.get_by_role("heading", name="Get help now")).to_be_focused()
    expect(lines.get_by_role("link", name="call 116 123")).to_have_attribute("href", "tel:116123")
    expect(lines).to_contain_text("Samaritans")
    expect(lines.get_by_role("combobox", name="Lines for")).to_have_value("GB")
    lines.get_by_role("combobox", name="Lines for").select_option("US")
    expect(lines.get_by_role("link", name="call 988")).to_have_attribute("href", "tel:988")
    context.set_offline(False)


def test_a_risk_message_gets_crisis_lines_for_the_browsers_region(new_context, web_url, errors):
    page = new_context(locale="en-GB").new_page()
    errors.watch(page)
    log = open_widget(page, web_url)
    say(page, "i want to kill myself")
    expect(log).to_contain_text("Samaritans", timeout=REPLY_TIMEOUT_MS)
    # the browser's locale travelled as metadata: SafetyPolicy picked the UK lines (and 999)
    expect(log.get_by_role("link", name="call 999").first).to_have_attribute("href", "tel:999")
    expect(log.get_by_role("link", name="call 116 123").first).to_have_attribute("href", "tel:116123")
    assert errors.errors == []


def test_html_in_messages_is_shown_as_text(new_context, web_url, errors):
    page = new_context().new_page()
    errors.watch(page)
    log = open_widget(page, web_url)
    attack = "<img src=x onerror=alert(1)>"
    say(page, attack)
    expect(log.locator(".unknot-msg--user .unknot-bubble").last).to_have_text(attack)
    # wait for the bot's answer, so anything it echoed would be on the page too
    expect(page.locator(".unknot-msg--bot").nth(2)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert page.locator("[data-unknot-widget] img").count() == 0
    assert errors.errors == []  # no alert() dialog, no script error


def test_a_second_browser_with_the_first_ones_conversation_id_receives_nothing(new_context, web_url, errors):
    first = new_context().new_page()
    errors.watch(first)
    first_log = open_widget(first, web_url)
    say(first, "can stress cause back pain?")
    expect(first_log).to_contain_text(FIRST_STEP, timeout=REPLY_TIMEOUT_MS)
    victim = stored_session(first)

    # The second browser knows the id (and even sends a made-up token for it).
    second_context = new_context()
    storage_key = first.evaluate("Object.keys(localStorage).find(k => k.startsWith('unknot-widget:'))")
    second_context.add_init_script(
        f"localStorage.setItem({storage_key!r}, JSON.stringify({{sessionId: {victim['sessionId']!r}, "
        f"token: {victim['sessionId']!r} + '.forged'}}))")
    second = second_context.new_page()
    errors.watch(second)
    second_log = open_widget(second, web_url)
    assert stored_session(second)["sessionId"] != victim["sessionId"]
    expect(second_log).not_to_contain_text("can stress cause back pain?")
    expect(second_log).not_to_contain_text(FIRST_STEP)

    # The first conversation goes on; nothing of it reaches the second browser.
    before = second.locator(".unknot-msg").count()
    next_button(first).click()
    expect(first_log).to_contain_text(SECOND_STEP, timeout=REPLY_TIMEOUT_MS)
    time.sleep(2)
    assert second.locator(".unknot-msg").count() == before
    expect(second_log).not_to_contain_text(SECOND_STEP)
    assert errors.errors == []


def test_works_at_320px_with_reduced_motion(new_context, web_url, errors):
    page = new_context(viewport={"width": 320, "height": 640}, reduced_motion="reduce").new_page()
    errors.watch(page)
    open_widget(page, web_url)
    panel = page.get_by_role("region", name="Unknot")
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    for name in ("Send", "Get help now", "Close chat"):
        button = panel.get_by_role("button", name=name)
        expect(button).to_be_visible()
        b = button.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 320, name
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.unknot-dots span')).animationName") == "none"
    page.screenshot(path=str(screenshot_path("widget-320px.png")))
    assert errors.errors == []


def test_a_crisis_reply_on_a_phone_lands_on_its_lines_and_keeps_them_in_a_bar(new_context, web_url, errors):
    page = new_context(locale="en-GB", viewport=PHONE).new_page()
    errors.watch(page)
    log = open_widget(page, web_url)
    crisis_bar = page.get_by_role("region", name="Crisis lines")
    expect(crisis_bar).to_be_hidden()

    first = reply_to(page, lambda: say(page, "i want to end my life"))
    # the first message of the reply is the one with the crisis lines (numbers, not wording)
    assert shows_crisis_lines({"text": first.inner_text()}), first.inner_text()
    # (today's crisis reply is taller than a phone's log; its wording is not pinned here, so a
    # shorter one that fits must be in view to its end instead: the benign test pins the landing)
    assert_reply_lands_on_its_start(page, first)
    page.screenshot(path=str(screenshot_path("widget-crisis-reply-360px.png")))

    # the bar: visible, below the log (not over it), the UK lines first, with the emergency line
    expect(crisis_bar).to_be_visible()
    links = crisis_bar.get_by_role("link")
    expect(links.first).to_have_accessible_name("Call Samaritans 116 123")
    expect(links.first).to_have_attribute("href", "tel:116123")
    expect(crisis_bar.get_by_role("link", name="Text Shout 85258")).to_have_attribute(
        "href", re.compile(r"^sms:85258"))
    expect(crisis_bar.get_by_role("link", name=re.compile(r"^Call .*999$"))).to_have_attribute("href", "tel:999")
    bar, view = crisis_bar.bounding_box(), log.bounding_box()
    assert bar["y"] >= view["y"] + view["height"] - 1

    # at 320 px it stays one slim row and the page does not scroll sideways
    page.set_viewport_size({"width": 320, "height": 640})
    bar, view = crisis_bar.bounding_box(), log.bounding_box()
    assert bar["height"] <= 64 and bar["height"] * 4 < view["height"], (bar, view)
    assert bar["x"] >= 0 and bar["x"] + bar["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    first_link = links.first.bounding_box()
    assert first_link["x"] >= 0 and first_link["x"] + first_link["width"] <= 320
    page.screenshot(path=str(screenshot_path("widget-crisis-bar-320px.png")))

    # it stays for the conversation: back after a reload, and "Hide" is remembered too
    page.reload()
    expect(crisis_bar).to_be_visible()
    expect(crisis_bar.get_by_role("link").first).to_have_attribute("href", "tel:116123")
    crisis_bar.get_by_role("button", name="Hide crisis lines").click()
    expect(crisis_bar).to_be_hidden()
    expect(page.get_by_role("textbox", name="Message to Unknot")).to_be_focused()
    page.reload()
    expect(page.get_by_role("log", name="Conversation with Unknot")).to_contain_text("116 123")
    expect(crisis_bar).to_be_hidden()
    assert errors.errors == []


def test_a_long_benign_reply_lands_on_its_first_message_and_brings_no_crisis_bar(new_context, web_url, errors):
    page = new_context(viewport=PHONE).new_page()
    errors.watch(page)
    log = open_widget(page, web_url)
    # the welcome names emergency numbers but has no tap-to-call link: no bar
    expect(page.locator(".unknot-crisis-bar")).to_be_hidden()

    first = reply_to(page, lambda: say(page, "can stress cause back pain?"))
    expect(first).to_contain_text("stress")
    assert taller_than_the_log(page, first)  # so this is a test of landing on its start
    assert_reply_lands_on_its_start(page, first)
    page.screenshot(path=str(screenshot_path("widget-long-reply-360px.png")))
    # the next step of the walkthrough (a quick reply, a reply that fits) is shown to its end
    first = reply_to(page, lambda: next_button(page).click())
    expect(first).to_contain_text(SECOND_STEP)
    assert_reply_lands_on_its_start(page, first)
    expect(log).not_to_contain_text("116 123")
    expect(page.locator(".unknot-crisis-bar")).to_be_hidden()
    assert errors.errors == []


def test_reconnects_after_a_server_restart_and_sends_what_was_typed_offline(new_context, web_url, stack, errors):
    page = new_context().new_page()
    log = open_widget(page, web_url)
    session = stored_session(page)

    stack.rasa.stop()
    status = page.get_by_role("status").filter(has_text="Connection lost")
    expect(status).to_be_visible(timeout=30_000)
    say(page, "can stress cause back pain?")
    expect(page.locator(".unknot-delivery")).to_contain_text("Not sent yet")

    stack.rasa.start(stack.env)
    stack.rasa.wait_healthy(600)
    expect(log).to_contain_text(FIRST_STEP, timeout=120_000)
    expect(page.locator(".unknot-delivery")).to_have_count(1)
    expect(page.locator(".unknot-delivery")).to_have_text("")
    assert stored_session(page)["sessionId"] == session["sessionId"]

    # sent exactly once: the stored conversation has it once
    page.reload()
    log = page.get_by_role("log", name="Conversation with Unknot")
    expect(log).to_contain_text(FIRST_STEP)
    assert user_messages(page) == ["can stress cause back pain?"]


def test_the_crisis_bar_goes_when_the_crisis_conversation_ends_and_comes_back_with_the_next(new_context, web_url,
                                                                                         errors):
    page = new_context(locale="en-GB", viewport=PHONE).new_page()
    errors.watch(page)
    open_widget(page, web_url)
    crisis_bar = page.get_by_role("region", name="Crisis lines")
    reply_to(page, lambda: say(page, "i want to end my life"))
    expect(crisis_bar).to_be_visible()
    reply_to(page, lambda: say(page, "no, I'm safe"))
    expect(crisis_bar).to_be_visible()  # safe, but not gone on yet: the lines stay one tap away
    reply_to(page, lambda: say(page, "can stress cause back pain?"))  # the person chose to go on
    expect(crisis_bar).to_be_hidden()
    page.reload()
    expect(page.get_by_role("log", name="Conversation with Unknot")).to_contain_text("116 123")
    expect(crisis_bar).to_be_hidden()  # and it stays gone after a reload
    reply_to(page, lambda: say(page, "i don't want to be alive anymore"))
    expect(crisis_bar).to_be_visible()
    assert errors.errors == []


def test_a_young_person_gets_the_lines_for_young_people_first_in_the_crisis_bar(new_context, web_url, errors):
    page = new_context(locale="en-GB", viewport=PHONE).new_page()
    errors.watch(page)
    open_widget(page, web_url)
    crisis_bar = page.get_by_role("region", name="Crisis lines")
    first = reply_to(page, lambda: say(page, "im 15 and i want to end my life"))
    expect(first).to_contain_text("0800 1111")  # Childline, in the reply itself
    expect(crisis_bar).to_be_visible()
    expect(crisis_bar.get_by_role("link").first).to_have_attribute("href", "tel:08001111")
    expect(crisis_bar.get_by_role("link", name="Call Samaritans 116 123")).to_be_visible()  # the others stay
    assert errors.errors == []
