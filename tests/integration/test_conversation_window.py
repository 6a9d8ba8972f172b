"""Issue 7: the conversation window (TRACKER_WINDOW_TURNS, on by default in the
test stack) changes nothing the bot says, and `events` still keeps everything.

One long scripted conversation goes through the running test stack (REST channel,
action server, SQLite, window of 10 turns). The reference is the same script
through Rasa's Agent in this process, with the same model and the same action
server, on a store with the window off: the whole session, as before issue 7.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.safety.resources import shows_crisis_lines
from bot.settings import ROOT
from bot.storage.tracker_store import UrlSQLTrackerStore
from tests.support.stack import TEST_DIR, Chat
from tests.unit.storage.test_tracker_window import run

pytestmark = pytest.mark.slow

GB = {"locale": "en-GB"}
# (message, metadata): 47 turns. A walkthrough, the coping form with a re-ask, a
# question and a region in the middle, the two-stage fallback three ways (did you
# mean -> no; did you mean -> yes, reverted and re-read; unclear twice -> menu), an
# exercise with its check-in, FAQs, the form started again and left, and late in
# the conversation a region and a risk message.
SCRIPT: List[Tuple[str, Optional[Dict[str, Any]]]] = [(m, None) for m in [
    "hi", "can stress cause back pain?", "/request_next_step", "/request_next_step", "/request_next_step",
    "/request_next_step", "/request_next_step",
    "/ask_coping_tips", "lower back", "bananas", "how does sleep affect back pain?", "about 3 weeks",
    "I'm in Australia", "6", "/deny",
    "medicine??", "/deny", "what pain relief can i take", "medicine??", "/greet", "asdf qwer", "hmm",
    '/request_relaxation_exercise{"exercise": "breathing"}', "/request_next_step", "/request_next_step",
    "/request_next_step", "/request_next_step", "/report_partial_help",
    "what about posture", "is massage helpful?", "should i see a doctor?", "what happens to my data?", "thanks",
    "can stress cause back pain?", "/request_next_step", "/request_stop",
    "/ask_coping_tips", "upper back", "how does sleep affect back pain?", "stop",
    "tell me about therapy", "i feel so stressed", "I'm in Canada",
]] + [("i want to end my life", GB), ("no", None), ("crisis", None), ("thanks", None)]


def _reference_replies(model, action_url: str, db_url: str, sender: str) -> List[List[Dict[str, Any]]]:
    """The script through Rasa's Agent, in this process, tracker store window off."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.utils.endpoints import EndpointConfig

    store = UrlSQLTrackerStore(db_url=db_url, window_turns="0")
    logging.getLogger("rasa").setLevel(logging.WARNING)  # its debug log of every state, per prediction

    async def play() -> List[List[Dict[str, Any]]]:
        agent = Agent.load(str(model), tracker_store=store, action_endpoint=EndpointConfig(action_url))
        out = []
        for text, metadata in SCRIPT:
            collector = CollectingOutputChannel()
            # as the REST channel builds it (bot/channels/rest.py)
            await agent.handle_message(UserMessage(text, collector, sender, input_channel="rest", metadata=metadata))
            out.append(collector.messages)
        return out

    return asyncio.run(play())


def _comparable(value: Any) -> Any:
    """An event as stored, without what differs between two runs of the same
    conversation: times, message ids, the process that handled it."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in {"timestamp", "time", "message_id"}}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _stored(path, sender: str) -> List[Tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, type_name, intent_name, action_name, data FROM events WHERE sender_id = ? "
                          "ORDER BY id", (sender,)).fetchall()
    return [(type_name, intent, action, _comparable(json.loads(data))) for _, type_name, intent, action, data in rows]


@pytest.fixture(scope="module")
def long_conversation(chat: Chat, stack, test_model, tmp_path_factory):
    sender = chat.new_sender()
    windowed = [chat.send(sender, text, metadata) for text, metadata in SCRIPT]
    full_db = tmp_path_factory.mktemp("window-off") / "full.db"
    reference = _reference_replies(test_model, stack.settings.action_endpoint_url, f"sqlite:///{full_db}", sender)
    return {"sender": sender, "windowed": windowed, "reference": reference, "full_db": full_db}


def test_every_reply_is_the_same_as_with_the_whole_session(long_conversation):
    windowed, reference = long_conversation["windowed"], long_conversation["reference"]
    assert len(SCRIPT) >= 40 and len(windowed) == len(reference) == len(SCRIPT)
    for turn, ((text, _), ours, theirs) in enumerate(zip(SCRIPT, windowed, reference), start=1):
        assert ours == theirs, f"turn {turn} ({text!r}) differs"
    # the script went where it was meant to go
    said = [Chat.text(replies) for replies in windowed]
    assert "Where does your back hurt" in said[7] and "Here are steps" in said[14]
    assert "Lines for Australia" in said[12] and "Did you mean" in said[15] and "Did you mean" in said[18]
    assert "another way" in said[20] and "still didn't get that" in said[21]
    assert "Did that help" in said[26]


def test_a_late_risk_message_still_gets_the_crisis_lines(long_conversation):
    replies = long_conversation["windowed"][-4]
    assert shows_crisis_lines(replies[0])


def test_events_keep_every_event_once_in_order(long_conversation):
    sender = long_conversation["sender"]
    stored = _stored(TEST_DIR / "unknot-test.db", sender)
    # the same events, in the same order, as the store without a window wrote
    assert stored == _stored(long_conversation["full_db"], sender)
    assert sum(1 for row in stored if row[0] == "user") >= len(SCRIPT)
    store = UrlSQLTrackerStore(domain=Domain.load(str(ROOT / "domain")),
                               db_url=f"sqlite:///{TEST_DIR / 'unknot-test.db'}")
    full = asyncio.run(store.retrieve_full_tracker(sender))
    assert [(e.type_name, _comparable(e.as_dict())) for e in full.events] == [(r[0], r[3]) for r in stored]


def test_rasa_worked_with_a_bounded_window_that_looks_like_the_whole_session(long_conversation):
    sender = long_conversation["sender"]
    domain = Domain.load(str(ROOT / "domain"))
    store = UrlSQLTrackerStore(domain=domain, db_url=f"sqlite:///{TEST_DIR / 'unknot-test.db'}")
    window = asyncio.run(store.retrieve(sender))
    assert store.window_rebuilds == 0  # the stored window was current
    full = asyncio.run(store.retrieve_full_tracker(sender))
    # 10 user turns as Rasa applies them (a form's answers fold into its turn)
    assert sum(isinstance(e, UserUttered) for e in window.applied_events()) == 10 < len(SCRIPT)
    assert window.events[0] == ActionExecuted("action_session_start") and len(window.events) < len(full.events) / 3
    # and, replayed turn by turn, the real conversation's window shows the policies
    # and actions what the whole session shows them (see tests/unit/storage/test_tracker_window.py)
    turns: List[List[Any]] = [[]]
    for event in full.events:
        turns[-1].append(event)
        if event == ActionExecuted("action_listen"):
            turns.append([])
    run(turns, 10, domain)
