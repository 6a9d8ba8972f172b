"""Telegram updates: the secret check, dedupe, and what each kind of update becomes."""
import threading

import pytest

from bot.channels.telegram.updates import (
    RecentNotices,
    command_text,
    parse_update,
    secret_matches,
)
from bot.content import CAPTION_NOTE, GROUP_REPLY
from bot.storage.telegram_updates import MemoryUpdateLog, SqlUpdateLog

SECRET = "s3cret-token_value-0123456789"
USER = {"id": 42, "is_bot": False, "first_name": "Sam", "username": "sam", "language_code": "en-GB"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Sam"}


def message(**fields):
    return {"message_id": 7, "date": 1700000000, "chat": PRIVATE, "from": USER, **fields}


def test_secret_compare_accepts_only_the_exact_secret():
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches(None, SECRET)
    assert not secret_matches("", SECRET)
    assert not secret_matches(SECRET[:-1], SECRET)
    assert not secret_matches(SECRET + "x", SECRET)
    assert not secret_matches(SECRET.upper(), SECRET)
    assert not secret_matches("ünïcode\udcff", SECRET)  # odd header bytes do not crash the compare
    assert not secret_matches("", "")  # no secret configured never means "anything goes"


def test_bot_commands_map_to_intents_and_other_slashes_cannot_inject_intents():
    assert command_text("/start") == "/greet"
    assert command_text("/start@unknot_bot") == "/greet"
    assert command_text("/start campaign-42") == "/greet"
    assert command_text("/help") == "/show_menu"
    assert command_text("/CRISIS") == "/request_crisis_resources"
    assert command_text("/plan") == "show my safety plan"
    assert command_text('/inform{"pain_severity": 0}') == 'inform{"pain_severity": 0}'
    assert command_text("/express_risk") == "express_risk"
    assert command_text("my back hurts") == "my back hurts"


def test_text_message_keeps_only_language_and_how_it_arrived_as_metadata():
    incoming = parse_update({"update_id": 1, "message": message(text="can stress cause back pain?")})
    assert (incoming.kind, incoming.chat_id, incoming.text) == ("text", 42, "can stress cause back pain?")
    assert incoming.metadata == {"language_code": "en-GB"}  # no name, username or user id stored


def test_command_metadata_remembers_the_command():
    incoming = parse_update({"update_id": 1, "message": message(text="/crisis")})
    assert incoming.text == "/request_crisis_resources"
    assert incoming.metadata["command"] == "/crisis"


def test_button_press_is_its_payload_with_the_query_to_answer():
    incoming = parse_update({"update_id": 2, "callback_query": {
        "id": "cbq-1", "from": USER, "chat_instance": "x", "data": "/ask_coping_tips",
        "message": message(text="What would you like to do?")}})
    assert (incoming.kind, incoming.chat_id, incoming.text, incoming.callback_query_id) == \
        ("button", 42, "/ask_coping_tips", "cbq-1")


def test_edited_message_is_read_once_as_what_it_now_says():
    incoming = parse_update({"update_id": 3, "edited_message": message(text="i want to die", edit_date=1700000100)})
    assert (incoming.kind, incoming.text, incoming.metadata.get("edited")) == ("text", "i want to die", True)


@pytest.mark.parametrize("kind, payload", [
    ("photo", [{"file_id": "a", "width": 1, "height": 1}]), ("sticker", {"file_id": "s"}),
    ("document", {"file_id": "d"}), ("location", {"latitude": 51.5, "longitude": -0.1}),
    ("voice", {"file_id": "v", "duration": 3})])
def test_media_get_a_kind_text_only_reply(kind, payload):
    incoming = parse_update({"update_id": 4, "message": message(**{kind: payload})})
    assert incoming.kind == "media" and incoming.chat_id == 42
    assert "only read text" in incoming.reply or "can only read text" in incoming.reply


def test_a_voice_note_reply_says_it_cannot_listen_and_how_to_reach_crisis_lines():
    reply = parse_update({"update_id": 5, "message": message(voice={"file_id": "v", "duration": 3})}).reply
    assert "can't listen" in reply and "crisis" in reply and "emergency number" in reply


def test_a_caption_is_read_like_text_then_noted():
    incoming = parse_update({"update_id": 6, "message": message(photo=[{"file_id": "p"}], caption="i want to die")})
    assert (incoming.kind, incoming.text, incoming.reply) == ("text", "i want to die", CAPTION_NOTE)


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
def test_group_messages_get_the_private_only_notice_and_nothing_for_rasa(chat_type):
    incoming = parse_update({"update_id": 7, "message": message(
        chat={"id": -100, "type": chat_type, "title": "Team"}, text="/start@unknot_bot")})
    assert (incoming.kind, incoming.chat_id, incoming.reply, incoming.text) == ("group", -100, GROUP_REPLY, "")


def test_updates_without_a_private_message_are_ignored():
    assert parse_update({"update_id": 8}).kind == "ignore"
    assert parse_update({"update_id": 9, "channel_post": {"chat": {"id": -5, "type": "channel"}}}).kind == "ignore"
    assert parse_update({"update_id": 10, "message": {"chat": {"id": "x"}}}).kind == "ignore"


def test_memory_log_dedupes_and_stays_bounded():
    log = MemoryUpdateLog(capacity=3)
    assert log.first_time(1) and not log.first_time(1)
    for update_id in (2, 3, 4):
        assert log.first_time(update_id)
    assert len(log._seen) == 3


def test_sql_log_dedupes_across_instances_like_a_restart_or_a_second_replica(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'unknot.db'}"
    first, second = SqlUpdateLog(url, bot_id=1), SqlUpdateLog(url, bot_id=1)
    assert first.first_time(100)
    assert not second.first_time(100)
    assert SqlUpdateLog(url, bot_id=2).first_time(100)  # another bot's update 100 is another update


def test_sql_log_lets_exactly_one_of_many_concurrent_deliveries_through(tmp_path):
    url = f"sqlite:///{tmp_path / 'unknot.db'}"
    logs = [SqlUpdateLog(url, bot_id=1) for _ in range(4)]
    results, start = [], threading.Barrier(len(logs))

    def deliver(log):
        start.wait()
        results.append(log.first_time(555))

    threads = [threading.Thread(target=deliver, args=(log,)) for log in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_sql_log_prunes_old_rows(tmp_path):
    from datetime import datetime, timedelta

    log = SqlUpdateLog(f"sqlite:///{tmp_path / 'unknot.db'}", bot_id=1)
    log.first_time(1)
    assert log.prune(datetime.utcnow() + timedelta(seconds=1)) == 1
    assert log.first_time(1)


def test_group_notice_at_most_once_per_interval_per_chat():
    notices = RecentNotices(interval=600, capacity=2)
    assert notices.due(-1, now=0) and not notices.due(-1, now=10) and notices.due(-1, now=601)
    assert notices.due(-2, now=0) and notices.due(-3, now=0) and len(notices._last) == 2


def test_without_a_token_the_channel_is_off_and_make_run_says_so():
    from bot.channels.telegram.input import TelegramInput
    from bot.channels.telegram.status import telegram_status_line
    from bot.settings import load_settings

    assert not TelegramInput.from_credentials({"access_token": "", "secret_token": ""}).enabled
    assert not TelegramInput.from_credentials(None).enabled
    assert telegram_status_line(load_settings({})) == "Telegram: off (TELEGRAM_BOT_TOKEN not set)"


def test_a_token_without_a_real_secret_is_refused():
    from bot.channels.telegram.input import TelegramInput

    with pytest.raises(ValueError):
        TelegramInput.from_credentials({"access_token": "1:abc", "secret_token": "short"})
