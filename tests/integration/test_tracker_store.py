"""The tracker store keeps conversations in real SQLite and real PostgreSQL."""
from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import ROOT
from bot.storage.tracker_store import UrlSQLTrackerStore
from tests.support.postgres import postgres_server


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain"))


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
    from bot.storage.telegram_updates import SqlUpdateLog

    UrlSQLTrackerStore(domain=domain, db_url=postgres_url)  # creates the database, as Rasa does on start
    one, two = SqlUpdateLog(postgres_url, bot_id=7), SqlUpdateLog(postgres_url, bot_id=7)
    assert one.first_time(9001)
    assert not two.first_time(9001)  # a second replica (or a restart) sees Telegram's retry as a duplicate


# --------------------------------------------------------------------------- the conversation window


def _script():
    """60 turns: a form with a question in the middle, fallbacks that revert,
    /back, a walkthrough, a risk message, and a new session half way."""
    from tests.unit.storage.test_tracker_window import Script

    script = Script().faq().form_start().form_answer("lower back").form_question().form_answer("3 weeks")
    script.form_answer("6").form_answer("no")
    for _ in range(12):
        script.guide()
    script.unclear().clarified().unclear().unclear().unclear().back().region()
    for _ in range(8):
        script.faq()
    script.new_session().faq().risk()
    for _ in range(25):
        script.guide()
    return script.turns


async def _play(store, sender, turns, check=None):
    """What Rasa's processor does with a store: load, add a turn's events, save."""
    for turn in turns:
        tracker = await store.retrieve(sender)
        if tracker is None:
            tracker = store.init_tracker(sender)
        for event in turn:
            tracker.update(event)
        await store.save(tracker)
        if check:
            check(tracker)


def _rows(url, sender):
    import sqlalchemy as sa

    engine = sa.create_engine(url.split("?")[0])
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, timestamp, intent_name, action_name, data FROM events "
                                    "WHERE sender_id = :s ORDER BY id"), {"s": sender}).fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def url(request, tmp_path):
    """A fresh SQLite file, or this module's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'window.db'}"
    return request.getfixturevalue("postgres_url")


def test_window_store_keeps_every_event(url, domain):
    import asyncio

    turns = _script()
    every = [e for turn in turns for e in turn]
    windowed = UrlSQLTrackerStore(domain=domain, db_url=url)  # window_turns: the default, 10
    full = UrlSQLTrackerStore(domain=domain, db_url=url, window_turns="0")
    sizes = []
    asyncio.run(_play(windowed, "window-on", turns, check=lambda t: sizes.append(len(t.events))))
    asyncio.run(_play(full, "window-off", turns))
    # `events` holds every event once, in order, exactly as the store without a window writes them
    assert _rows(url, "window-on") == _rows(url, "window-off")
    assert len(_rows(url, "window-on")) == len(every)
    assert [e.as_dict() for e in asyncio.run(windowed.retrieve_full_tracker("window-on")).events] == \
        [e.as_dict() for e in every]
    # what Rasa gets is bounded, and was read from the window (never rebuilt: nothing was stale)
    loaded = asyncio.run(windowed.retrieve("window-on"))
    assert windowed.window_rebuilds == 0
    assert sum(isinstance(e, UserUttered) for e in loaded.events) == 10
    assert max(sizes) < 130 < len(every)
    reference = asyncio.run(full.retrieve("window-off"))
    assert loaded.current_slot_values() == reference.current_slot_values()
    assert loaded.past_states(domain)[-20:] == reference.past_states(domain)[-20:]


def test_stale_windows_are_rebuilt(url, domain):
    import asyncio

    import sqlalchemy as sa

    turns = _script()[:30]
    store = UrlSQLTrackerStore(domain=domain, db_url=url)
    asyncio.run(_play(store, "stale", turns))
    # another writer (a replica with the window off, Rasa's own store) appends a turn
    other = UrlSQLTrackerStore(domain=domain, db_url=url, window_turns="0")
    tracker = asyncio.run(other.retrieve("stale"))
    tracker.update(UserUttered("written elsewhere", {"name": "greet", "confidence": 1.0}))
    asyncio.run(other.save(tracker))
    loaded = asyncio.run(store.retrieve("stale"))
    assert store.window_rebuilds == 1
    assert loaded.latest_message.text == "written elsewhere"
    # the rebuilt window is stored with the next save and used from then on
    loaded.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(loaded))
    assert asyncio.run(store.retrieve("stale")).latest_action_name == "action_listen"
    assert store.window_rebuilds == 1
    # a window row nobody can read (another format, damage) is rebuilt, the conversation is not lost
    engine = sa.create_engine(url.split("?")[0])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE unknot_tracker_windows SET events_json = '{\"format\": 0}'"))
    assert asyncio.run(store.retrieve("stale")).latest_action_name == "action_listen"
    assert store.window_rebuilds == 2
    # the conversation is deleted behind the store's back: no tracker, and no window left with its text
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = 'stale'"))
    assert asyncio.run(store.retrieve("stale")) is None
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM unknot_tracker_windows WHERE sender_id = 'stale'")).scalar() == 0
    # and the same id starts afresh
    asyncio.run(_play(store, "stale", turns[:3]))
    assert len(asyncio.run(store.retrieve_full_tracker("stale")).events) == sum(len(t) for t in turns[:3])
    engine.dispose()


def test_window_off_is_rasas_store_and_a_bad_setting_stops_the_start(tmp_path, domain):
    import asyncio

    import sqlalchemy as sa

    from bot.settings import SettingsError

    url = f"sqlite:///{tmp_path / 'off.db'}"
    store = UrlSQLTrackerStore(domain=domain, db_url=url, window_turns="0")
    turns = _script()[:25]
    asyncio.run(_play(store, "off", turns))
    assert len(asyncio.run(store.retrieve("off")).events) == sum(len(t) for t in turns) - 1  # from SessionStarted
    engine = sa.create_engine(url)
    assert not sa.inspect(engine).has_table("unknot_tracker_windows")
    for bad in ("ten", "3", "-1"):
        with pytest.raises(SettingsError):
            UrlSQLTrackerStore(domain=domain, db_url=url, window_turns=bad)
