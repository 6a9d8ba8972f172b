"""End to end over Telegram: updates posted to the real Rasa server's webhook, replies
read back from the fake Bot API (real HTTP on loopback), conversations read from the
real SQLite tracker store."""
from __future__ import annotations

import itertools
import json
import random
import sqlite3
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

import pytest

from bot.content import GROUP_REPLY
from bot.safety.dialogue_judge import first_line_regions
from bot.safety.resources import shows_crisis_lines
from tests.fakes.telegram_api import FakeTelegramApi, parse_html
from tests.support.stack import TEST_DIR

pytestmark = pytest.mark.slow

_update_ids = itertools.count(random.randint(10**6, 10**8))


class Telegram:
    """Plays Telegram's side: posts updates to the webhook, reads what the bot sent."""

    def __init__(self, stack, api: FakeTelegramApi) -> None:
        self.url = f"{stack.settings.rasa_url}/webhooks/telegram/webhook"
        self.api = api

    @staticmethod
    def new_chat() -> int:
        return random.randint(10**8, 10**10)

    def post(self, update: Dict[str, Any], secret: Optional[str] = "") -> Tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        secret = self.api.secret_token if secret == "" else secret
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(self.url, data=json.dumps(update).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    @staticmethod
    def message(chat_id: int, language: str = "en", chat_type: str = "private", **fields: Any) -> Dict[str, Any]:
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Sam"} if chat_type == "private" else {"title": "Back pain group"})
        return {"message_id": random.randint(1, 10**6), "date": int(time.time()), "chat": chat,
                "from": {"id": abs(chat_id) % 10**9 + 1, "is_bot": False, "first_name": "Sam",
                         "language_code": language}, **fields}

    def text_update(self, chat_id: int, text: str, **kwargs: Any) -> Dict[str, Any]:
        return {"update_id": next(_update_ids), "message": self.message(chat_id, text=text, **kwargs)}

    def send(self, chat_id: int, text: str, **kwargs: Any) -> List[str]:
        """Send a text, wait until the bot has finished replying, return what it showed (plain text)."""
        before = len(self.api.sent(chat_id))
        status, _ = self.post(self.text_update(chat_id, text, **kwargs))
        assert status == 200
        return self.replies(chat_id, before)

    def replies(self, chat_id: int, before: int = 0) -> List[str]:
        self.api.wait_for(lambda: len(self.api.sent(chat_id)) > before, what=f"a reply in chat {chat_id}")
        return [parse_html(c.params["text"]) for c in self.api.wait_quiet(chat_id)[before:]]

    def keyboard(self, chat_id: int) -> List[str]:
        """callback_data of the buttons on the last message that had any."""
        for call in reversed(self.api.sent(chat_id)):
            markup = call.params.get("reply_markup")
            if markup:
                return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
        return []

    def press(self, chat_id: int, data: str) -> Tuple[str, List[str]]:
        query_id = f"cbq-{random.randint(1, 10**9)}"
        before = len(self.api.sent(chat_id))
        update = {"update_id": next(_update_ids), "callback_query": {
            "id": query_id, "from": {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"},
            "chat_instance": "ci", "data": data, "message": self.message(chat_id, text="(earlier reply)")}}
        assert self.post(update)[0] == 200
        return query_id, self.replies(chat_id, before)


def events_for(sender: Any) -> List[Dict[str, Any]]:
    with sqlite3.connect(TEST_DIR / "unknot-test.db") as db:
        return [json.loads(row[0]) for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (str(sender),))]


def user_texts(sender: Any) -> List[str]:
    return [e.get("text") for e in events_for(sender) if e["event"] == "user"]


def update_logged(update_id: int) -> bool:
    with sqlite3.connect(TEST_DIR / "unknot-test.db") as db:
        return bool(db.execute("SELECT 1 FROM telegram_updates WHERE update_id = ?", (update_id,)).fetchall())


@pytest.fixture(scope="module")
def telegram(stack, telegram_api) -> Telegram:
    telegram_api.wait_for(lambda: telegram_api.recorded("setWebhook", ok=True), what="setWebhook")
    return Telegram(stack, telegram_api)


def test_webhook_is_registered_with_the_secret_token_on_start(telegram):
    params = telegram.api.recorded("setWebhook", ok=True)[-1].params
    assert params["url"] == telegram.api.webhook_url
    assert params["secret_token"] == telegram.api.secret_token
    assert "callback_query" in params["allowed_updates"]


@pytest.mark.parametrize("secret", [None, "wrong-secret-0123456789", "x"])
def test_a_forged_update_is_refused_and_leaves_no_trace(telegram, secret):
    chat = telegram.new_chat()
    update = telegram.text_update(chat, "i want to kill myself")
    assert telegram.post(update, secret=secret)[0] == 403
    time.sleep(2)
    assert events_for(chat) == []
    assert telegram.api.recorded(chat_id=chat) == []
    assert not update_logged(update["update_id"])
    # the real delivery of the same update is not mistaken for a duplicate of the forgery
    assert telegram.post(update)[0] == 200
    telegram.api.wait_for(lambda: telegram.api.sent(chat), what="the reply to the real update")


def test_start_greets_and_shows_the_menu_as_an_inline_keyboard(telegram):
    chat = telegram.new_chat()
    replies = telegram.send(chat, "/start")
    text = "\n".join(replies)
    assert "automated assistant" in text and "not a doctor" in text and "crisis" in text
    assert {"/ask_stress_back_pain", "/ask_coping_tips", "/request_crisis_resources"} <= set(telegram.keyboard(chat))
    sent = telegram.api.sent(chat)
    assert all(c.params["parse_mode"] == "HTML" for c in sent)
    assert any("<b>" in c.params["text"] for c in sent)  # markdown bold shown as bold
    # bubbles are paced: about one a second per chat
    assert all(b.at - a.at >= 0.9 for a, b in zip(sent, sent[1:]))
    assert telegram.api.recorded("sendChatAction", chat_id=chat)
    assert user_texts(chat) == ["/greet"]


def test_help_shows_the_menu_and_crisis_shows_the_lines(telegram):
    chat = telegram.new_chat()
    assert "What would you like to do?" in telegram.send(chat, "/help")[0]
    first = telegram.send(chat, "/crisis")[0]
    # no language: the international lines, the local emergency number first
    assert shows_crisis_lines({"text": first}) and first_line_regions([{"text": first}]) == ("INTL",)


def test_a_question_then_a_button_press(telegram):
    chat = telegram.new_chat()
    started = time.monotonic()
    status, _ = telegram.post(telegram.text_update(chat, "can stress cause back pain?"))
    assert status == 200 and time.monotonic() - started < 2.0  # the webhook answers before the bot does
    assert "Muscle tension" in "\n".join(telegram.replies(chat))
    assert "/request_next_step" in telegram.keyboard(chat)

    query_id, replies = telegram.press(chat, "/request_next_step")
    assert [c.params["callback_query_id"] for c in telegram.api.recorded("answerCallbackQuery")].count(query_id) == 1
    assert "Posture" in "\n".join(replies)
    assert user_texts(chat) == ["can stress cause back pain?", "/request_next_step"]


def test_a_voice_note_gets_a_kind_reply_with_the_way_to_crisis_lines(telegram):
    chat = telegram.new_chat()
    update = {"update_id": next(_update_ids),
              "message": telegram.message(chat, voice={"file_id": "v1", "file_unique_id": "u1", "duration": 4})}
    assert telegram.post(update)[0] == 200
    reply = "\n".join(telegram.replies(chat))
    assert "can't listen" in reply and "crisis" in reply and "emergency number" in reply
    photo = {"update_id": next(_update_ids),
             "message": telegram.message(chat, photo=[{"file_id": "p", "file_unique_id": "p", "width": 9, "height": 9}])}
    assert telegram.post(photo)[0] == 200
    assert "only read text" in "\n".join(telegram.replies(chat, before=1))


def test_the_same_update_delivered_twice_is_processed_once(telegram):
    chat = telegram.new_chat()
    update = telegram.text_update(chat, "/help")
    assert telegram.post(update) == (200, "ok")
    assert telegram.post(update) == (200, "duplicate")
    telegram.replies(chat)
    time.sleep(1.5)
    assert len(telegram.api.sent(chat)) == 1
    assert user_texts(chat) == ["/show_menu"]


def test_an_edited_message_is_handled_once(telegram):
    chat = telegram.new_chat()
    telegram.send(chat, "hi")
    edit = {"update_id": next(_update_ids),
            "edited_message": telegram.message(chat, text="can stress cause back pain?", edit_date=int(time.time()))}
    before = len(telegram.api.sent(chat))
    assert telegram.post(edit)[0] == 200 and telegram.post(edit)[1] == "duplicate"
    assert "Muscle tension" in "\n".join(telegram.replies(chat, before))
    assert user_texts(chat) == ["hi", "can stress cause back pain?"]


def test_a_risk_message_gets_crisis_lines_in_the_first_reply(telegram):
    chat = telegram.new_chat()
    replies = telegram.send(chat, "i want to kill myself", language="en-GB")
    # the UK's lines first, from language_code, in the very first bubble
    assert "GB" in first_line_regions([{"text": replies[0]}]) and "Shout" in replies[0] and "999" in replies[0]
    text = "\n".join(replies)
    assert "tel:" not in text and "sms:" not in text  # plain numbers on Telegram
    assert "yes" in telegram.keyboard(chat)  # the direct question's answers
    flags = [e for e in events_for(chat) if e["event"] == "slot" and e["name"] == "risk_flags"]
    assert flags and flags[-1]["value"][-1]["level"] == "high"
    region = [e["value"] for e in events_for(chat) if e["event"] == "slot" and e["name"] == "region"]
    assert region[-1] == "GB"


def test_plan_shows_the_safety_plan_built_on_telegram(telegram):
    chat = telegram.new_chat()
    assert "haven't made a safety plan" in "\n".join(telegram.send(chat, "/plan", language="en-IE"))
    risk = "\n".join(telegram.send(chat, "i'm 16 and i want to die", language="en-IE"))
    assert shows_crisis_lines({"text": risk}) and "1800 66 66 66" in risk  # the lines, youth first
    telegram.send(chat, "make a safety plan")
    telegram.send(chat, "i stop going to school")
    shown = "\n".join(telegram.send(chat, "/plan"))
    assert "i stop going to school" in shown and "1800 66 66 66" in shown  # Childline Ireland: they said 16


def test_what_the_person_says_beats_the_telegram_language(telegram):
    chat = telegram.new_chat()
    text = "\n".join(telegram.send(chat, "i'm in australia and i want to end my life", language="en-GB"))
    assert "AU" in first_line_regions([{"text": text}]) and "13 11 14" in text


def test_crisis_lines_arrive_first_on_telegram_with_the_action_server_down(telegram, stack):
    stack.actions.kill()
    try:
        chat = telegram.new_chat()
        first = telegram.send(chat, "i want to end my life", language="en-GB")[0]
        assert shows_crisis_lines({"text": first}) and "116 123" in first
        # and the crisis conversation goes on without it
        confirmed = "\n".join(telegram.send(chat, "yes"))
        assert shows_crisis_lines({"text": confirmed})
        danger = "\n".join(telegram.send(chat, "the pills are right here next to me"))
        assert "999" in danger and shows_crisis_lines({"text": danger})
        assert "What would you like to do?" not in confirmed + danger
    finally:
        stack.actions.start(stack.env)
        stack.actions.wait_healthy(120)


def test_a_429_is_honoured_and_the_reply_still_arrives(telegram):
    chat = telegram.new_chat()
    telegram.api.rate_limit_next(1, retry_after=2)
    replies = telegram.send(chat, "/help")
    assert "What would you like to do?" in replies[0]
    tries = telegram.api.recorded("sendMessage", chat_id=chat)
    assert [c.status for c in tries] == [429, 200]
    assert tries[0].params["text"] == tries[1].params["text"]
    assert tries[1].at - tries[0].at >= 1.9


def test_a_group_is_told_the_bot_works_in_private_chats_and_nothing_is_stored(telegram):
    group = -telegram.new_chat()
    assert telegram.post(telegram.text_update(group, "/start@unknot_test_bot", chat_type="group"))[0] == 200
    assert telegram.replies(group) == [GROUP_REPLY]
    assert telegram.post(telegram.text_update(group, "my back hurts", chat_type="supergroup"))[0] == 200
    time.sleep(2)
    assert len(telegram.api.sent(group)) == 1  # one notice, not one per message
    assert events_for(group) == []


def test_get_me_is_not_called_per_update(telegram):
    assert len(telegram.api.recorded("getMe")) <= len(telegram.api.recorded("setWebhook"))


def test_bad_bodies_with_the_right_secret_get_a_client_error(telegram):
    for body in (b"not json", b"[1]", b'{"message": {}}'):
        request = urllib.request.Request(telegram.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": telegram.api.secret_token})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 (loopback)
        assert error.value.code == 400


def test_make_run_prints_the_webhook_it_registered(telegram, stack):
    from bot.channels.telegram.status import telegram_status_line

    assert telegram_status_line(stack.settings) == \
        f"Telegram: webhook registered at {telegram.api.webhook_url}"
