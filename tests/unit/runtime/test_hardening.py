"""Issue 15, without a server: the tracker store survives database errors (real
SQLite), the HTTP framing rules, the version guard, and when typed `/intent`
text is honoured (with Rasa's own RegexMessageHandler)."""
from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    UserUttered,
)
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from sanic.compat import Header

from bot.nlu import typed_payloads
from bot.runtime.rasa_patches import http_framing, risk_on_payloads
from bot.runtime.rasa_patches.registry import RASA, SANIC, version_problem
from bot.settings import ROOT
from bot.storage.tracker_store import STORED_ATTR, UrlSQLTrackerStore

SECRET_WORDS = "my-private-words-9931"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain"))


@pytest.fixture
def store(tmp_path, domain):
    store = UrlSQLTrackerStore(domain=domain, db_url=f"sqlite:///{tmp_path / 'unknot.db'}")
    yield store
    store.engine.dispose()


def _turn(tracker, text: str) -> None:
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(text, {"name": "express_risk", "confidence": 1.0}))
    tracker.update(BotUttered("crisis lines ..."))


# --------------------------------------------------------------------------- storage


def test_a_sender_the_database_cannot_encode_neither_exits_nor_raises(store, caplog):
    """A lone surrogate made Rasa's session scope call sys.exit (SystemExit) in the server."""
    caplog.set_level(logging.INFO)
    tracker = asyncio.run(store.retrieve("\ud800"))
    assert tracker is not None and list(tracker.events) == [] and getattr(tracker, STORED_ATTR) == 0
    _turn(tracker, f"i want to end my life {SECRET_WORDS}")
    asyncio.run(store.save(tracker))  # logged, not raised
    assert "could not read conversation '\\ud800' (1 chars)" in caplog.text
    assert "could not store conversation '\\ud800'" in caplog.text
    assert SECRET_WORDS not in caplog.text


def test_a_failed_read_then_a_good_write_keeps_every_stored_event(store, tmp_path, caplog):
    tracker = asyncio.run(store.retrieve("s1")) or store.init_tracker("s1")
    _turn(tracker, "first message")
    asyncio.run(store.save(tracker))
    db = sqlite3.connect(tmp_path / "unknot.db", isolation_level=None)
    db.execute("ALTER TABLE events RENAME TO events_away")
    try:
        failed = asyncio.run(store.retrieve("s1"))
    finally:
        db.execute("ALTER TABLE events_away RENAME TO events")
    assert failed is not None and list(failed.events) == []
    assert "no such table: events" in caplog.text
    _turn(failed, "second message")
    asyncio.run(store.save(failed))
    texts = [row[0] for row in db.execute("SELECT json_extract(data, '$.text') FROM events "
                                          "WHERE sender_id = 's1' AND type_name = 'user' ORDER BY id")]
    assert texts == ["first message", "second message"]


def test_a_locked_database_fails_the_write_quietly_and_nothing_stored_is_lost(store, tmp_path, caplog):
    tracker = store.init_tracker("s2")
    _turn(tracker, "stored before")
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("s2"))
    _turn(tracker, f"during the lock {SECRET_WORDS}")
    lock = sqlite3.connect(tmp_path / "unknot.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # holds the write lock: the store's commit waits, then fails
    try:
        asyncio.run(store.save(tracker))
    finally:
        lock.execute("ROLLBACK")
    assert "database is locked" in caplog.text and SECRET_WORDS not in caplog.text
    again = asyncio.run(store.retrieve("s2"))
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["stored before"]


# --------------------------------------------------------------------------- HTTP framing

@pytest.mark.parametrize("headers, expected", [
    ([("content-length", "2")], None),
    ([("transfer-encoding", "chunked")], None),
    ([], None),
    ([("content-length", "-1")], 400),
    ([("content-length", "abc")], 400),
    ([("content-length", "+2")], 400),
    ([("content-length", "0x10")], 400),
    ([("content-length", "")], 400),
    ([("content-length", "99999999999999999999999")], 413),  # a number, just over any limit
    ([("content-length", "9" * 5000)], 413),  # longer than int() parses by default
    ([("content-length", "0000000000000000000000002")], None),
    ([("content-length", "70000")], 413),
    ([("content-length", "2"), ("content-length", "2")], 400),
    ([("content-length", "2"), ("transfer-encoding", "chunked")], 400),
    ([("transfer-encoding", "gzip, chunked")], 400),
    ([("transfer-encoding", "chunked"), ("transfer-encoding", "chunked")], 400),
])
def test_framing_rules(headers, expected):
    problem = http_framing.framing_problem(Header(headers), 64 * 1024)
    assert (problem[0] if problem else None) == expected


def test_the_patches_refuse_other_versions():
    assert version_problem((RASA, SANIC)) is None  # the pinned versions are installed
    assert "3.6.20" in version_problem((RASA, SANIC), {"rasa": "3.6.20", "sanic": "21.12.2"})
    assert "missing" in version_problem((RASA, SANIC), {"rasa": "3.6.21"})


def test_limits_come_from_the_settings():
    from bot.settings import load_settings

    default = load_settings({})
    assert (default.rasa_request_max_bytes, default.rasa_request_timeout) == (65536, 20)
    tight = load_settings({"RASA_REQUEST_MAX_BYTES": "2048", "RASA_REQUEST_TIMEOUT": "5"})
    assert (tight.rasa_request_max_bytes, tight.rasa_request_timeout) == (2048, 5)


# --------------------------------------------------------------------------- typed payloads

OFFERED = [SessionStarted(), ActionExecuted("action_listen"), UserUttered("hi"),
           BotUttered("Hello!", {"buttons": [{"title": "Coping steps", "payload": "/ask_coping_tips"},
                                             {"title": "Yes", "payload": "/affirm"}]}),
           ActionExecuted("action_listen")]
# a newer turn without buttons: the older keyboard is still on its message (Telegram)
LATER = [UserUttered("my back hurts"), BotUttered("I'm sorry to hear that."), ActionExecuted("action_listen")]


@pytest.mark.parametrize("text, events, channel, metadata, expected", [
    ("i feel tense", OFFERED, "rest", None, True),  # not a payload: nothing to decide
    ("/ask_coping_tips", OFFERED, "rest", None, True),  # a button the bot offered
    (" /affirm ", OFFERED, "rest", None, True),
    ("/affirm i want to kill myself", OFFERED, "rest", None, False),  # not exactly the button
    ("/greet@1.0 i want to end my life", OFFERED, "rest", None, False),
    ('/inform{"pain_severity": 0}', OFFERED, "rest", None, False),
    ("/ask_coping_tips", OFFERED[:3], "rest", None, False),  # never offered
    ("/ask_coping_tips", OFFERED + LATER, "rest", None, True),  # offered earlier in this session
    ("/ask_coping_tips", OFFERED + [SessionStarted(), ActionExecuted("action_listen")], "rest", None, False),
    ("/greet", [], "socketio", None, True),  # the widget's opening payload
    ("/greet", [SessionStarted(), ActionExecuted("action_listen")], "socketio", None, True),
    ("/greet", OFFERED, "socketio", None, False),  # not at the start
    ("/request_crisis_resources", OFFERED, "telegram", {"command": "/crisis"}, True),  # mapped by the channel
    ("/show_menu", OFFERED, "telegram", {"command": "/help"}, True),
    ("/request_crisis_resources", OFFERED, "rest", {"command": "/crisis"}, False),  # REST cannot claim it
    ("/request_crisis_resources", OFFERED, "telegram", None, False),
])
def test_when_a_typed_payload_is_honoured(text, events, channel, metadata, expected):
    assert typed_payloads.honoured(text, events, channel, metadata) is expected


def _parsed(domain, text: str, intent: str, risk_level: str, honoured):
    risk_on_payloads.keep_risk_on_typed_payloads()
    message = Message({TEXT: text, INTENT: {"name": intent, "confidence": 1.0},
                       risk_on_payloads.RISK: {"level": risk_level, "reasons": []}})
    token = risk_on_payloads.PAYLOAD_HONOURED.set(honoured)
    try:
        return RegexMessageHandler().process([message], domain)[0]
    finally:
        risk_on_payloads.PAYLOAD_HONOURED.reset(token)


@pytest.mark.parametrize("text", ["/greet@1.0 i want to end my life", "/affirm i want to kill myself", "/greet"])
def test_risk_wins_over_any_payload(domain, text):
    for honoured in (True, False, None):
        parsed = _parsed(domain, text, "express_risk", "high", honoured)
        assert parsed.get(INTENT)["name"] == "express_risk"


def test_an_honoured_payload_is_unpacked_and_keeps_the_risk_record(domain):
    parsed = _parsed(domain, "/ask_coping_tips", "nlu_fallback", "none", True)
    assert parsed.get(INTENT)["name"] == "ask_coping_tips"
    assert parsed.get(risk_on_payloads.RISK) == {"level": "none", "reasons": []}


def test_a_payload_not_offered_is_ordinary_text(domain):
    parsed = _parsed(domain, '/inform{"pain_severity": 0}', "nlu_fallback", "none", False)
    assert parsed.get(INTENT)["name"] == "nlu_fallback" and not parsed.get("entities")
