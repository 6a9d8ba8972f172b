"""Fixtures for the staff review tests.

Conversations come from the real bot: scripted messages are sent through the
running test stack (the one shared session stack of tests/conftest.py: REST
channel, real action server). The rows the bot wrote are then copied into fresh
databases whose `events` table is made by Rasa's own SQLTrackerStore schema
code: a SQLite file and a real PostgreSQL server (tests/support/postgres.py). The helpers
are in tests/support/staff.py.
"""
from __future__ import annotations

import sqlite3
import uuid
from typing import Dict

import pytest
import sqlalchemy as sa

from tests.support.postgres import postgres_server
from tests.support.rest import rest_sender
from tests.support.staff import SCRIPTS, database_url, fill_database


@pytest.fixture(scope="session")
def bot_conversations(stack) -> Dict[str, Dict]:
    """{name: {"sender": id, "rows": [events rows]}}, produced by the real bot
    (the one shared test stack, see tests/conftest.py)."""
    settings = stack.settings
    send = rest_sender(settings.rasa_url)
    senders = {}
    for name, messages in SCRIPTS.items():
        senders[name] = f"staff-{name}-{uuid.uuid4().hex[:8]}"
        for message in messages:
            send(senders[name], message)
    path = sa.engine.url.make_url(settings.database_url).database
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        out = {}
        for name, sender in senders.items():
            rows = [dict(r) for r in conn.execute(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
                "WHERE sender_id = ? ORDER BY id", (sender,))]
            assert rows, f"the bot stored nothing for {name}"
            # the tracker store's window of the conversation (bot/storage/window_table.py)
            windows = [dict(r) for r in conn.execute(
                "SELECT sender_id, last_event_id, last_event_time, events_json, updated "
                "FROM unknot_tracker_windows WHERE sender_id = ?", (sender,))]
            out[name] = {"sender": sender, "rows": rows, "windows": windows}
    return out


@pytest.fixture(scope="session")
def postgres_base():
    for url in postgres_server():
        yield url.rsplit("/", 1)[0]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def staff_db(request, bot_conversations, tmp_path_factory):
    """(database URL, {name: sender_id}) with the bot's conversations, per backend."""
    url = database_url(request.param, tmp_path_factory, request, f"staff_{request.module.__name__.split('.')[-1]}")
    return url, fill_database(url, bot_conversations)
