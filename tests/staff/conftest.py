"""Fixtures for the staff review tests.

Conversations come from the real bot: scripted messages are sent through the
running test stack (the one shared session stack of tests/conftest.py: REST
channel, real action server). The rows the bot wrote are then copied into fresh
databases whose `events` table is made by Rasa's own SQLTrackerStore schema
code: a SQLite file and a real PostgreSQL server (tests/integration/postgres.py).
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from typing import Dict, List

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from bot.storage.window_table import tracker_windows
from bot.web.staff import auth, db
from tests.integration.conftest import test_settings
from tests.integration.postgres import postgres_server
from tests.support.rest import rest_sender

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
PII_EMAIL = "jo.bloggs@example.com"
PII_PHONE = "07700 900123"
SCRIPTS: Dict[str, List[str]] = {
    "risk_high": ["hi", "i want to kill myself"],
    "risk_possible": ["sometimes i wish i wasn't here"],
    "fallback": ["asdf qwer", "hmm"],
    "pii": [f"my email is {PII_EMAIL} and my number is {PII_PHONE}. can stress cause back pain?"],
    "xss": [f"{XSS} can stress cause back pain?"],
    "exercise": ['/request_relaxation_exercise{"exercise": "breathing"}', "/request_next_step", "/request_next_step",
                 "/request_next_step", "/request_next_step", "/report_partial_help"],
    "plain": ["can stress cause back pain?"],
    "old": ["can stress cause back pain? OLDCONVERSATIONMARKER"],
}
OLD_DAYS = 400
PASSWORDS = {"rita": "reviewer-password-1", "adam": "admin-password-12"}


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


def _shifted(rows, sender, seconds=0.0, channel=None):
    out = []
    for r in rows:
        data = json.loads(r["data"])
        if "timestamp" in data:
            data["timestamp"] -= seconds
        if channel and r["type_name"] == "user":
            data["input_channel"] = channel
        out.append({**r, "sender_id": sender, "timestamp": r["timestamp"] - seconds, "data": json.dumps(data)})
    return out


def fill_database(url: str, conversations: Dict[str, Dict]) -> Dict[str, str]:
    """Create `events` with Rasa's schema code and copy the bot's rows in, and
    the tracker store's windows. Two derived conversations: `old` is moved 400
    days back (for retention), and `telegram` is a copy of `plain` relabelled
    as the telegram channel (the test stack only speaks REST). Returns
    {name: sender_id}."""
    from bot.storage.tracker_store import UrlSQLTrackerStore

    UrlSQLTrackerStore(db_url=url)  # creates the database (PostgreSQL: via login_db) and `events`
    senders = {name: c["sender"] for name, c in conversations.items()}
    rows = []
    for name, c in conversations.items():
        if name == "old":
            rows += _shifted(c["rows"], c["sender"], seconds=OLD_DAYS * 86400)
        else:
            rows += c["rows"]
    senders["telegram"] = conversations["plain"]["sender"] + "-tg"
    rows += _shifted(conversations["plain"]["rows"], senders["telegram"], channel="telegram")
    windows = [{**w, "updated": w["updated"] - (OLD_DAYS * 86400 if name == "old" else 0)}
               for name, c in conversations.items() for w in c["windows"]]
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(db.events.insert(), rows)
        conn.execute(tracker_windows.insert(), windows)
    for username, password in PASSWORDS.items():
        auth.create_user(engine, username, password, "admin" if username == "adam" else "reviewer")
    return senders


@pytest.fixture(scope="session")
def postgres_base():
    for url in postgres_server():
        yield url.rsplit("/", 1)[0]


def database_url(kind: str, tmp_path_factory, request, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('staff') / (name + '.db')}"
    return f"{request.getfixturevalue('postgres_base')}/{name}?login_db=postgres"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def staff_db(request, bot_conversations, tmp_path_factory):
    """(database URL, {name: sender_id}) with the bot's conversations, per backend."""
    url = database_url(request.param, tmp_path_factory, request, f"staff_{request.module.__name__.split('.')[-1]}")
    return url, fill_database(url, bot_conversations)


def app_settings(url: str, **extra: str):
    return test_settings(DATABASE_URL=url, SECRET_KEY="t" * 48, **extra)


def make_client(url: str, **extra: str) -> TestClient:
    from bot.web.app import create_app

    return TestClient(create_app(app_settings(url, **extra)), base_url="http://127.0.0.1")


def login(client: TestClient, username: str, password: str = "") -> TestClient:
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/staff/login", data={"username": username, "password": password or PASSWORDS[username],
                                                 "csrf_token": token, "next": "/staff/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient) -> str:
    return client.get("/staff/api/me").json()["csrf_token"]


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
