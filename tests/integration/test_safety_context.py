"""Context in the safety path, end to end over REST: an ambiguous message after a risk
message gets the crisis lines in that very reply; the same message on its own does not."""
from __future__ import annotations

import pytest

from bot.safety.resources import shows_crisis_lines
from tests.integration.test_conversations import events_for
from tests.support.stack import Chat

pytestmark = pytest.mark.slow

BURDEN = "i'm just a burden to everyone"
DOSE = "how many of my pills can i take at once"


def has_lines(text: str) -> bool:
    return shows_crisis_lines({"text": text})


def risk_flags(sender: str):
    flags = [e for e in events_for(sender) if e["event"] == "slot" and e["name"] == "risk_flags"]
    return flags[-1]["value"] if flags else []


def test_a_dose_question_after_a_burden_message_gets_the_crisis_lines_in_that_reply(chat: Chat):
    sender = chat.new_sender()
    assert has_lines(chat.send(sender, BURDEN)[0]["text"])
    replies = chat.send(sender, DOSE)
    assert replies and has_lines(replies[0]["text"]), chat.text(replies)
    assert len(replies) == 1  # inside the crisis that began a turn ago: the compact reply, not the block
    flags = risk_flags(sender)
    assert len(flags) == 2 and flags[-1]["reasons"] == ["context"] and flags[-1]["level"] == "possible"
    # the message itself stays what the detector said: no risk of its own
    dose_turn = [e for e in events_for(sender) if e["event"] == "user" and e.get("text") == DOSE][-1]
    assert dose_turn["parse_data"]["risk"]["level"] == "none"


def test_the_same_dose_question_in_a_fresh_conversation_gets_no_crisis_lines(chat: Chat):
    sender = chat.new_sender()
    replies = chat.send(sender, DOSE)
    text = chat.text(replies)
    assert replies and not has_lines(text) and "988" not in text, text
    assert risk_flags(sender) == []


def test_a_button_after_a_burden_message_is_just_a_button(chat: Chat):
    sender = chat.new_sender()
    assert "/ask_coping_tips" in chat.payloads(chat.send(sender, "hi"))  # the menu's button
    chat.send(sender, BURDEN)
    replies = chat.send(sender, "/ask_coping_tips")  # pressed on the menu after the burden message
    # not a risk turn (no lines), but the burden message began a crisis: one gentle check first
    assert not has_lines(chat.text(replies)) and "are you safe right now?" in chat.text(replies)
    replies = chat.send(sender, "yes, I'm safe")
    assert "Where does your back hurt" in chat.text(replies) and not has_lines(chat.text(replies))
