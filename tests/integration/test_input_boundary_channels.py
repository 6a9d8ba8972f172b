"""The input boundary (bot/channels/input_boundary.py) on the running Rasa server, over REST,
socket.io (a real socket.io client) and Telegram (the fake Bot API): hostile or unlucky input
gets a clean answer, the server keeps answering, and risk always gets the crisis lines."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import urllib.error
import urllib.request
from typing import Any, Dict, List, Tuple

import pytest

from bot.safety.resources import shows_crisis_lines
from tests.integration.test_telegram import Telegram
from tests.integration.test_widget_channel import Client, run
from tests.support.stack import TEST_DIR, Chat

pytestmark = pytest.mark.slow

FILLER = ("Work has been a lot lately and my lower back aches by the evening, so I sit on the sofa and "
          "scroll until late. ")
RISK = "Honestly i want to end my life. "
FEW_PARTS = "could you send it in a few parts"


def long_text(length: int, middle: str = "") -> str:
    half = (FILLER * (length // len(FILLER) + 1))[: (length - len(middle)) // 2]
    return half + middle + half


def events_for(sender: Any) -> List[Dict[str, Any]]:
    with sqlite3.connect(TEST_DIR / "unknot-test.db") as db:
        return [json.loads(row[0]) for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (str(sender),))]


def user_events(sender: Any) -> List[Dict[str, Any]]:
    return [e for e in events_for(sender) if e["event"] == "user"]


def post_raw(stack, body: bytes, content_type: str = "application/json") -> Tuple[int, Any]:
    """POST raw bytes to the REST webhook: (status, the JSON answer)."""
    request = urllib.request.Request(f"{stack.settings.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        assert b"Traceback" not in raw
        return error.code, json.loads(raw)


# ----------------------------------------------------------------- REST
def test_rest_a_lone_surrogate_sender_gets_a_400_and_the_server_still_answers(chat: Chat, stack):
    status, answer = post_raw(stack, b'{"sender": "\\ud800", "message": "hi"}')
    assert status == 400 and answer["error"] == "invalid_sender" and "sender" in answer["message"]
    too_long = json.dumps({"sender": "x" * 256, "message": "hi"}).encode()
    for body in (b'{"sender": "a\\u0000b", "message": "hi"}', too_long):
        assert post_raw(stack, body)[0] == 400
    assert chat.send(chat.new_sender(), "hi"), "the server stopped answering"


def test_rest_a_lone_surrogate_in_a_risk_message_still_gets_the_crisis_lines(chat: Chat, stack):
    sender = chat.new_sender()
    status, replies = post_raw(stack, json.dumps({"sender": sender, "message": "i want to end my life\ud800"}).encode())
    assert status == 200 and replies and shows_crisis_lines(replies[0]), replies
    assert user_events(sender)[-1]["text"] == "i want to end my life\ufffd"  # stored, as valid text


def test_rest_nul_and_control_characters_are_removed_before_the_message_is_stored(chat: Chat):
    sender = chat.new_sender()
    assert chat.send(sender, "my back\x00 hurts\x07 a lot")
    assert user_events(sender)[-1]["text"] == "my back hurts a lot"


def test_rest_a_long_message_with_risk_in_the_middle_gets_the_crisis_lines(chat: Chat):
    text = long_text(2500, RISK)
    assert len(text) > 2000
    replies = chat.send(chat.new_sender(), text)
    assert replies and shows_crisis_lines(replies[0]), replies


def test_rest_a_passive_wish_deep_in_a_long_message_gets_the_crisis_lines(chat: Chat):
    # The detector calls this wish "possible", which the learned score may veto; the score must
    # come from the wish's own window, not from the ordinary first 1,000 characters the encoder reads.
    text = long_text(6000, " i don't want to be alive anymore. ")
    replies = chat.send(chat.new_sender(), text)
    assert replies and shows_crisis_lines(replies[0]), chat.text(replies)[:300]


def test_rest_a_long_ordinary_message_gets_the_send_it_in_parts_reply(chat: Chat):
    sender = chat.new_sender()
    replies = chat.send(sender, long_text(2500))
    assert FEW_PARTS in chat.text(replies) and not any(shows_crisis_lines(r) for r in replies)
    assert len(user_events(sender)[-1]["text"]) == 2500  # the whole message is kept
    assert FEW_PARTS not in chat.text(chat.send(sender, "can stress cause back pain?"))


def test_rest_over_the_hard_limit_is_refused_unless_it_carries_risk(chat: Chat, stack):
    sender = chat.new_sender()
    status, answer = post_raw(stack, json.dumps({"sender": sender, "message": long_text(30_000)}).encode())
    assert status == 413 and answer["error"] == "message_too_long" and "few parts" in answer["message"]
    assert events_for(sender) == []
    replies = chat.send(sender, long_text(30_000, RISK))
    assert replies and shows_crisis_lines(replies[0]), replies


def test_rest_refuses_other_content_types_with_a_415(chat: Chat, stack):
    sender = chat.new_sender()
    body = json.dumps({"sender": sender, "message": "hi"}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, answer = post_raw(stack, body, content_type)
        assert status == 415 and "application/json" in answer["message"], content_type
    assert events_for(sender) == []
    assert post_raw(stack, body, "application/json; charset=utf-8")[0] == 200


def test_rest_metadata_is_allowlisted_and_capped(chat: Chat, stack):
    sender = chat.new_sender()
    status, answer = post_raw(stack, json.dumps({"sender": sender, "message": "hi",
                                                 "metadata": {"blob": "x" * 5000}}).encode())
    assert status == 400 and answer["error"] == "metadata_too_large"
    assert events_for(sender) == []
    chat.send(sender, "hi", metadata={"locale": "en-GB", "evil": "y", "long_message": True})
    stored = user_events(sender)[-1]["metadata"]
    assert stored["locale"] == "en-GB" and "evil" not in stored and "long_message" not in stored
    assert set(stored) <= {"locale", "model_id", "assistant_id"}  # Rasa adds the last two itself


# ----------------------------------------------------------------- socket.io
@pytest.fixture
def url_and_origin(stack):
    return stack.settings.rasa_url, stack.settings.allowed_origins[0]


def widget_turn(url_and_origin, text: str) -> List[Dict[str, Any]]:
    async def scenario():
        person = Client(*url_and_origin)
        await person.connect({})
        try:
            ack = await person.say(text)
            assert ack["ok"], ack
            await person.wait_for_reply()
            await asyncio.sleep(1)  # the rest of the turn's replies
            return list(person.bot)
        finally:
            await person.close()

    return run(scenario())


def test_socketio_a_lone_surrogate_in_a_risk_message_still_gets_the_crisis_lines(url_and_origin):
    replies = widget_turn(url_and_origin, "i want to end my life\ud800")
    assert shows_crisis_lines(replies[0]), replies


def test_socketio_a_long_message_with_risk_in_the_middle_gets_the_crisis_lines(url_and_origin):
    replies = widget_turn(url_and_origin, long_text(2500, RISK))
    assert shows_crisis_lines(replies[0]), replies


def test_socketio_a_long_ordinary_message_gets_the_send_it_in_parts_reply(url_and_origin):
    replies = widget_turn(url_and_origin, long_text(2500))
    assert any(FEW_PARTS in (r.get("text") or "") for r in replies), replies


def test_socketio_events_without_data_get_an_error_ack_and_the_socket_still_works(url_and_origin):
    async def scenario():
        person = Client(*url_and_origin)
        await person.connect()
        try:
            assert (await person.sio.call("session_request", timeout=30))["ok"] is False
            assert (await person.sio.call("history_request", timeout=30))["error"] == "no_session"
            await person.sio.emit("session_request", {})
            await asyncio.wait_for(person.confirm, 30)
            assert (await person.sio.call("user_uttered", timeout=30)) == {"ok": False, "error": "invalid_message"}
            assert (await person.sio.call("user_uttered", "just a string", timeout=30))["ok"] is False
            assert (await person.sio.call("history_request", timeout=30))["ok"]
            big = {"message": "hi", "metadata": {"blob": "x" * 5000}}
            assert (await person.sio.call("user_uttered", big, timeout=30))["error"] == "metadata_too_large"
            assert (await person.sio.call("user_uttered", {"message": long_text(30_000)}, timeout=30))["error"] == \
                "message_too_long"
            assert (await person.say("hi"))["ok"]
            await person.wait_for_reply()
        finally:
            await person.close()

    run(scenario())


# ----------------------------------------------------------------- Telegram
@pytest.fixture(scope="module")
def telegram(stack, telegram_api) -> Telegram:
    telegram_api.wait_for(lambda: telegram_api.recorded("setWebhook", ok=True), what="setWebhook")
    return Telegram(stack, telegram_api)


def test_telegram_huge_integers_get_a_clean_answer_never_a_500(telegram):
    chat_id = Telegram.new_chat()
    for update_id in (10 ** 30, -5, 2 ** 63):
        status, _ = telegram.post({"update_id": update_id, "message": telegram.message(chat_id, text="hi")})
        assert status == 400, update_id
    huge_chat = dict(telegram.text_update(chat_id, "hi"))
    huge_chat["message"] = dict(huge_chat["message"], chat={"id": 10 ** 30, "type": "private"}, message_id=10 ** 30)
    status, _ = telegram.post(huge_chat)
    assert status == 200  # read and ignored, as other updates with nothing to answer
    assert telegram.send(chat_id, "hi"), "the channel stopped answering"


def test_telegram_a_long_message_with_risk_gets_the_crisis_lines(telegram):
    chat_id = Telegram.new_chat()
    replies = telegram.send(chat_id, long_text(2500, RISK))
    assert shows_crisis_lines({"text": replies[0]}), replies
