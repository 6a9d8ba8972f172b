"""End to end over the REST channel: real action server, real Rasa server, real SQLite."""
from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from bot.safety.dialogue_judge import first_line_regions
from bot.safety.resources import shows_crisis_lines
from tests.support.stack import TEST_DIR, Chat

pytestmark = pytest.mark.slow



def events_for(sender: str):
    with sqlite3.connect(TEST_DIR / "unknot-test.db") as db:
        return [json.loads(row[0]) for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def test_first_contact_says_it_is_automated_how_to_get_help_and_shows_a_menu(chat: Chat):
    replies = chat.send(chat.new_sender(), "hi")
    text = chat.text(replies).lower()
    assert "automated assistant" in text and "not a doctor" in text
    assert "crisis" in text and "emergency" in text
    assert {"/ask_stress_back_pain", "/ask_coping_tips", "/request_crisis_resources"} <= set(chat.payloads(replies))


def test_walkthrough_survives_a_rasa_server_restart(chat: Chat, stack):
    sender = chat.new_sender()
    first = chat.send(sender, "can stress cause back pain?")
    assert "Muscle tension" in chat.text(first)
    assert chat.payloads(first)[-3:] == ["/request_next_step", "/ask_coping_tips", "/request_stop"]
    assert "Posture" in chat.text(chat.send(sender, "/request_next_step"))

    stack.restart_rasa()

    # the step is kept in the tracker store: "next" continues where we were
    assert "Moving less" in chat.text(chat.send(sender, "/request_next_step"))
    stored = [e.get("text") for e in events_for(sender) if e["event"] == "user"]
    assert stored == ["can stress cause back pain?", "/request_next_step", "/request_next_step"]


def test_risk_message_gets_crisis_lines_in_the_first_reply(chat: Chat):
    sender = chat.new_sender()
    replies = chat.send(sender, "i want to kill myself", metadata={"locale": "en-GB"})
    # one message with the UK's lines first (the locale), tap to call, then one direct question
    assert "GB" in first_line_regions(replies[:1]) and "(tel:116123)" in replies[0]["text"]
    assert len(replies) == 2 and "yes" in chat.payloads(replies)
    flags = [e for e in events_for(sender) if e["event"] == "slot" and e["name"] == "risk_flags"]
    assert flags and flags[-1]["value"][-1]["level"] == "high"


def start_coping_form(chat: Chat, sender: str) -> str:
    """Press the welcome menu's "coping steps" button (typed payloads count only as buttons the bot offered)."""
    assert "/ask_coping_tips" in chat.payloads(chat.send(sender, "hi"))
    return chat.text(chat.send(sender, "/ask_coping_tips"))


def test_risk_message_interrupts_the_coping_form(chat: Chat):
    sender = chat.new_sender()
    assert "Where does your back hurt" in start_coping_form(chat, sender)
    assert "How long" in chat.text(chat.send(sender, "lower back"))
    replies = chat.send(sender, "honestly i dont want to be alive anymore")
    assert shows_crisis_lines(replies[0])
    # the form is over: the next answer is not taken as a duration
    after = chat.text(chat.send(sender, "/show_menu"))
    assert "How long" not in after
    # and the person is not dropped: a menu request in a crisis gets one gentle check first
    assert "are you safe right now?" in after and "What would you like to do?" not in after


def test_coping_form_re_asks_kindly_and_gives_fitting_tips(chat: Chat):
    sender = chat.new_sender()
    start_coping_form(chat, sender)
    chat.send(sender, "lower back")
    assert "didn't catch how long" in chat.text(chat.send(sender, "bananas"))
    assert "0 (no pain) to 10" in chat.text(chat.send(sender, "about 3 weeks"))
    assert "number from 0 to 10" in chat.text(chat.send(sender, "eleventy"))
    assert "safety check" in chat.text(chat.send(sender, "6"))
    tips = chat.text(chat.send(sender, "/deny"))
    assert "pharmacist" in tips and "lying knee twist" in tips and "Walking, swimming and pilates" in tips


def test_red_flag_in_the_coping_form_gets_urgent_care_first(chat: Chat):
    sender = chat.new_sender()
    start_coping_form(chat, sender)
    replies = chat.send(sender, "i can't hold my wee anymore and my back hurts")
    assert "urgent medical" in replies[0]["text"]


def test_breathing_exercise_records_the_check_in(chat: Chat):
    sender = chat.new_sender()
    replies = chat.send(sender, '/request_relaxation_exercise{"exercise": "breathing"}')
    assert "breathe together" in chat.text(replies)
    for _ in range(3):
        chat.send(sender, "/request_next_step")
    assert "Did that help" in chat.text(chat.send(sender, "/request_next_step"))
    chat.send(sender, "/report_partial_help")
    helped = [e["value"] for e in events_for(sender) if e["event"] == "slot" and e["name"] == "exercise_helped"]
    assert helped == ["a_little"]


def test_request_human_without_a_contact_says_so_honestly(chat: Chat):
    text = chat.text(chat.send(chat.new_sender(), "/request_human"))
    assert "don't have a contact" in text


def test_crisis_lines_still_arrive_with_the_action_server_down(chat: Chat, stack):
    stack.actions.kill()
    try:
        sender = chat.new_sender()
        chat.send(sender, "/ask_coping_tips")
        replies = chat.send(sender, "i want to end my life")
        assert replies, "no reply at all with the action server down"
        assert shows_crisis_lines(replies[0])
        assert shows_crisis_lines(chat.send(chat.new_sender(), "kms")[0])
    finally:
        stack.actions.start(stack.env)
        stack.actions.wait_healthy(120)


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"sender": "x"}', b'{"message": "hi"}',
                                  b'{"sender": "x", "message": 5}', b'{"sender": "x", "message": "hi", "metadata": 3}'])
def test_bad_requests_get_a_clean_client_error(stack, body):
    request = urllib.request.Request(f"{stack.settings.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert 400 <= error.value.code < 500


def test_empty_and_huge_messages_get_a_friendly_answer(chat: Chat):
    sender = chat.new_sender()
    for message in ("   ", " \t\n "):
        blank = chat.send(sender, message)  # an answer, not a silent error inside the NLU graph
        words = chat.text(blank).strip()
        assert words, f"{message!r} got no words back: {blank}"
        assert "Traceback" not in words and "error" not in words.lower()
        assert "?" in words or chat.payloads(blank), f"{message!r}: no question and no next step: {words!r}"
    replies = chat.send(sender, "back pain " * 2000)
    words = chat.text(replies).strip()
    assert words and "Traceback" not in words


def test_a_bad_request_stores_nothing_and_loses_nothing(chat: Chat, stack):
    sender = chat.new_sender()
    chat.send(sender, "hi")
    before = events_for(sender)
    request = urllib.request.Request(f"{stack.settings.rasa_url}/webhooks/rest/webhook",
                                     data=json.dumps({"sender": sender, "message": ["x"]}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 400 and b"Traceback" not in error.value.read()
    assert events_for(sender) == before
