"""The input boundary every channel passes a message through (bot/channels/input_boundary.py)."""
from __future__ import annotations

import json

import pytest

from bot.channels.input_boundary import (
    HARD_MESSAGE_LENGTH,
    LONG_MESSAGE_KEY,
    MAX_ID,
    MAX_MESSAGE_LENGTH,
    MAX_METADATA_BYTES,
    SCAN_LENGTH,
    TRUNCATED_KEY,
    Rejected,
    accept_message,
    check_sender,
    checked_int,
    clean_metadata,
    clean_text,
    is_long_message,
    risky_passages,
)
from bot.channels.telegram.updates import parse_update

RISK = "i want to end my life"


def words_risk(text: str) -> bool:
    """A stand-in for the detector where only the passage logic is under test."""
    return RISK in text


# ----------------------------------------------------------------- text
def test_lone_surrogates_become_the_replacement_character_and_pairs_their_character():
    assert clean_text("i want to end my life\ud800") == "i want to end my life\ufffd"
    assert clean_text("\udfffhi\ud83d") == "\ufffdhi\ufffd"
    assert clean_text("smile \ud83d\ude00") == "smile \U0001F600"  # a pair left unjoined by a decoder
    assert clean_text("i want to end my life\ud800").encode("utf-8")  # storable


def test_nul_and_control_characters_go_newlines_and_tabs_stay():
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean_text("line one\nline\ttwo") == "line one\nline\ttwo"
    assert clean_text("windows\r\nline\rend") == "windows\nline\nend"
    assert clean_text("emoji \U0001F469\u200d\U0001F4BB stays") == "emoji \U0001F469\u200d\U0001F4BB stays"


# ----------------------------------------------------------------- length
def test_an_ordinary_message_goes_on_as_it_is():
    accepted = accept_message("my back hurts", {"locale": "en-GB"})
    assert accepted.text == "my back hurts" and accepted.metadata == {"locale": "en-GB"} and not accepted.long


def test_over_the_limit_the_whole_text_goes_on_flagged():
    text = "x" * (MAX_MESSAGE_LENGTH + 1)
    accepted = accept_message(text, {}, is_risk=lambda _: pytest.fail("only over the hard limit"))
    assert accepted.text == text and accepted.long and is_long_message(accepted.metadata)
    assert not accept_message("x" * MAX_MESSAGE_LENGTH).long
    assert accept_message("y" * HARD_MESSAGE_LENGTH).long


def test_a_client_cannot_set_the_long_message_flags():
    assert accept_message("hi", {LONG_MESSAGE_KEY: True, TRUNCATED_KEY: 5}).metadata == {}
    assert LONG_MESSAGE_KEY not in clean_metadata({LONG_MESSAGE_KEY: True})


def test_over_the_hard_limit_without_risk_is_refused():
    with pytest.raises(Rejected) as rejected:
        accept_message("back pain " * (HARD_MESSAGE_LENGTH // 10 + 1), is_risk=words_risk)
    assert rejected.value.status == 413 and rejected.value.code == "message_too_long"
    assert "few parts" in rejected.value.message


def test_over_the_hard_limit_with_risk_the_risky_passage_goes_on():
    filler = "back pain " * 3000
    text = filler + RISK + " " + filler  # 60k characters, the risk in the middle
    accepted = accept_message(text, is_risk=words_risk)
    assert RISK in accepted.text and len(accepted.text) <= HARD_MESSAGE_LENGTH
    assert accepted.long and accepted.metadata[TRUNCATED_KEY] == len(text)


def test_a_risk_sentence_across_two_windows_is_seen_whole_in_one():
    for offset in range(1790, 1810):  # around the first window's end (2000) minus the overlap (200)
        text = "a" * offset + " " + RISK + " " + "b" * 30_000
        assert risky_passages(text, words_risk), offset


def test_only_the_first_scan_length_characters_are_read():
    seen = []
    risky_passages("z" * (SCAN_LENGTH * 3), lambda window: seen.append(len(window)) or False)
    assert sum(seen) < SCAN_LENGTH * 1.2


def test_the_real_detector_finds_the_risk_in_a_refused_message():
    text = "my back has been sore after long days at the desk. " * 600
    accepted = accept_message(text[: len(text) // 2] + "\ud800 i want to end my life. " + text[len(text) // 2:])
    assert "end my life" in accepted.text and "\ud800" not in accepted.text


def test_a_message_must_be_a_string():
    for bad in (None, 5, ["x"], {"text": "x"}):
        with pytest.raises(Rejected):
            accept_message(bad)


# ----------------------------------------------------------------- metadata
def test_unknown_metadata_keys_and_unplain_values_are_dropped():
    raw = {"locale": "en-GB", "evil": "y", "session_id": "w-1", "language": "<script>", "language_code": 5}
    assert clean_metadata(raw) == {"locale": "en-GB"}
    assert clean_metadata(None) == {} and clean_metadata({}) == {}
    assert clean_metadata({"locale": "x" * 36}) == {}


def test_metadata_that_is_not_an_object_or_too_large_is_refused():
    with pytest.raises(Rejected) as rejected:
        clean_metadata([1, 2])
    assert rejected.value.code == "invalid_metadata"
    for big in ({"blob": "x" * MAX_METADATA_BYTES}, {"nested": [{"k": "v" * 100}] * 30},
                {str(i): i for i in range(400)}):
        assert len(json.dumps(big)) > MAX_METADATA_BYTES
        with pytest.raises(Rejected) as rejected:
            clean_metadata(big)
        assert rejected.value.code == "metadata_too_large" and rejected.value.status == 400
    assert clean_metadata({"locale": "en-GB", "note": "x" * 1000}) == {"locale": "en-GB"}


def test_a_huge_metadata_object_is_refused_without_serialising_it_all():
    huge = {"k": ["x" * 1000] * 40_000}  # 40 MB as JSON
    with pytest.raises(Rejected):
        clean_metadata(huge)


# ----------------------------------------------------------------- senders and integers
@pytest.mark.parametrize("sender", ["test-1", "w-" + "0" * 32, "user@example.org", "a" * 255, "Zoë 1"])
def test_good_senders_pass(sender):
    assert check_sender(sender) == sender


@pytest.mark.parametrize("sender", [None, 5, "", "   ", "a" * 256, "\ud800", "ok\udfffok", "a\x00b", "tab\there",
                                    "new\nline", ["x"]])
def test_bad_senders_are_refused(sender):
    with pytest.raises(Rejected) as rejected:
        check_sender(sender)
    assert rejected.value.status == 400 and rejected.value.code == "invalid_sender"


def test_integers_are_range_checked():
    assert checked_int(5) == 5 and checked_int(-MAX_ID) == -MAX_ID and checked_int(MAX_ID) == MAX_ID
    for bad in (MAX_ID + 1, 10 ** 30, -(10 ** 30), True, 1.0, "5", None):
        assert checked_int(bad) is None
    assert checked_int(-1, 0) is None


# ----------------------------------------------------------------- Telegram through the boundary
def _update(chat_id, text="hi"):
    return {"update_id": 1, "message": {"message_id": 10 ** 30, "chat": {"id": chat_id, "type": "private"},
                                        "from": {"id": 10 ** 40, "language_code": "en"}, "text": text}}


def test_telegram_huge_chat_ids_are_ignored_and_huge_other_ids_do_no_harm():
    assert parse_update(_update(10 ** 30)).kind == "ignore"
    assert parse_update(_update(-(10 ** 30))).kind == "ignore"
    incoming = parse_update(_update(12345))  # message_id and from.id are huge: not used
    assert incoming.kind == "text" and incoming.chat_id == 12345
    query = {"update_id": 2, "callback_query": {"id": "q1", "data": "/affirm", "from": {"id": 10 ** 40},
                                                "message": {"chat": {"id": 10 ** 40, "type": "private"}}}}
    ignored = parse_update(query)
    assert ignored.kind == "ignore" and ignored.callback_query_id == "q1"  # the spinner is still stopped


def test_telegram_text_goes_through_the_same_boundary():
    incoming = parse_update(_update(12345, "i want to end my life\ud800\x00"))
    assert incoming.text == "i want to end my life\ufffd"
    long = parse_update(_update(12345, "my back " * 400))
    assert long.kind == "text" and is_long_message(long.metadata)
    assert not is_long_message(parse_update(_update(12345, "my back hurts")).metadata)
