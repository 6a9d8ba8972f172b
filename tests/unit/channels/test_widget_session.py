"""Widget sessions: only a signed token resumes a conversation; history as the widget showed it."""
import time

import pytest

from bot.channels.input_boundary import Rejected
from bot.channels.widget_session import SessionSigner, clean_message, history_messages


def test_a_new_session_is_random_and_its_token_resumes_it():
    signer = SessionSigner("k" * 40)
    first, token, resumed = signer.resolve({})
    second, _, _ = signer.resolve({})
    assert not resumed and first != second and first.startswith("w-") and len(first) == 34
    again, _, resumed = signer.resolve({"token": token})
    assert resumed and again == first


def test_a_claimed_id_without_a_valid_token_gets_a_fresh_conversation():
    signer = SessionSigner("k" * 40)
    victim, victim_token, _ = signer.resolve({})
    other_key_token = SessionSigner("x" * 40).token_for(victim)
    for request in ({"session_id": victim}, {"session_id": victim, "token": "forged"},
                    {"session_id": victim, "token": other_key_token}, {"token": victim_token[:-2] + "AA"},
                    {"token": 12}, {"token": 10**400}, {"token": "\ud800"}, {"token": "a.\udfff.b"}, None, "text"):
        session_id, token, resumed = signer.resolve(request)
        assert not resumed and session_id != victim and signer.verify(token) == session_id


def test_expired_tokens_do_not_resume():
    signer = SessionSigner("k" * 40, max_age=1)
    session_id, token, _ = signer.resolve({})
    time.sleep(2.1)
    assert signer.verify(token) is None


def test_messages_are_checked_and_metadata_whitelisted():
    assert clean_message({"message": "hi", "metadata": {"locale": "en-GB", "session_id": "x", "evil": "y"},
                          "client_id": "abcdef123456"}) == ("hi", {"locale": "en-GB"}, "abcdef123456")
    assert clean_message({"message": "hi", "metadata": {"locale": "<script>"}, "client_id": "short"}) == ("hi", {}, None)
    for bad in ({"message": ""}, {"message": "  "}, {"message": 5}, [], None):
        with pytest.raises(Rejected) as rejected:
            clean_message(bad)
        assert rejected.value.code == "invalid_message"
    # the length is the input boundary's (bot/channels/input_boundary.py): a long message goes on
    assert clean_message({"message": "x" * 2001})[0] == "x" * 2001


def test_history_splits_parts_shows_button_titles_and_hides_the_opening_payload():
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1},
        {"event": "user", "text": "/greet", "timestamp": 1700000000},
        {"event": "bot", "text": "Hi.\n\n**Bold** part", "timestamp": 1700000001, "data": {}},
        {"event": "bot", "text": "What now?", "timestamp": 1700000002,
         "data": {"buttons": [{"title": "Coping steps", "payload": "/ask_coping_tips"}]}},
        {"event": "user", "text": "/ask_coping_tips", "timestamp": 1700000003},
        {"event": "user", "text": "<img src=x onerror=alert(1)>", "timestamp": 1700000004},
    ]
    messages = history_messages(events)
    assert [(m["from"], m["text"]) for m in messages] == [
        ("bot", "Hi."), ("bot", "**Bold** part"), ("bot", "What now?"),
        ("user", "Coping steps"), ("user", "<img src=x onerror=alert(1)>")]
    assert messages[2]["quick_replies"] == [{"title": "Coping steps", "payload": "/ask_coping_tips"}]
    assert messages[0]["time"] == "2023-11-14T22:13:21+00:00"
