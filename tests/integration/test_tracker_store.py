"""The tracker store keeps conversations in real SQLite and real PostgreSQL."""
from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import ROOT
from bot.tracker_store import UrlSQLTrackerStore
from tests.integration.postgres import postgres_server


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def postgres_url():
    for url in postgres_server():
        yield url + "?login_db=postgres"  # lets Rasa create the `unknot` database itself


def conversation(domain, sender):
    tracker = DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered("can stress cause back pain?", {"name": "ask_stress_back_pain", "confidence": 0.98}),
        ActionExecuted("utter_stress_back_pain_intro"),
        BotUttered("Yes, stress and anxiety can play a real part in back pain."),
        SlotSet("guide", "explain"),
        ActionExecuted("action_listen"),
    ], slots=domain.slots)
    return tracker


def round_trip(url, domain):
    import asyncio

    store = UrlSQLTrackerStore(domain=domain, db_url=url)
    asyncio.run(store.save(conversation(domain, "pg-or-sqlite-1")))
    again = UrlSQLTrackerStore(domain=domain, db_url=url)  # a new process would do this after a restart
    loaded = asyncio.run(again.retrieve("pg-or-sqlite-1"))
    assert loaded is not None
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == ["can stress cause back pain?"]
    assert loaded.get_slot("guide") == "explain"
    assert "pg-or-sqlite-1" in asyncio.run(again.keys())


def test_sqlite_keeps_a_conversation_across_store_instances(tmp_path, domain):
    round_trip(f"sqlite:///{tmp_path / 'sub' / 'unknot.db'}", domain)


@pytest.mark.slow
def test_postgresql_keeps_a_conversation_across_store_instances(postgres_url, domain):
    round_trip(postgres_url, domain)


@pytest.mark.slow
def test_postgresql_keeps_telegram_update_ids_for_every_replica(postgres_url, domain):
    from bot.channels.telegram_updates import SqlUpdateLog

    UrlSQLTrackerStore(domain=domain, db_url=postgres_url)  # creates the database, as Rasa does on start
    one, two = SqlUpdateLog(postgres_url, bot_id=7), SqlUpdateLog(postgres_url, bot_id=7)
    assert one.first_time(9001)
    assert not two.first_time(9001)  # a second replica (or a restart) sees Telegram's retry as a duplicate
