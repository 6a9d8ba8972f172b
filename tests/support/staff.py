"""Helpers for the staff review tests: the scripted conversations, copying the
bot's rows into fresh databases, a signed-in test client. The fixtures that use
them are in tests/staff/conftest.py."""
from __future__ import annotations

import json
import re
import time
from typing import Dict, List

from starlette.testclient import TestClient

from bot.storage import staff_tables as db
from bot.storage.window_table import tracker_windows
from bot.web.staff import auth
from tests.support.stack import test_settings

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


def shifted(rows, sender, seconds=0.0, channel=None):
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
            rows += shifted(c["rows"], c["sender"], seconds=OLD_DAYS * 86400)
        else:
            rows += c["rows"]
    senders["telegram"] = conversations["plain"]["sender"] + "-tg"
    rows += shifted(conversations["plain"]["rows"], senders["telegram"], channel="telegram")
    windows = [{**w, "updated": w["updated"] - (OLD_DAYS * 86400 if name == "old" else 0)}
               for name, c in conversations.items() for w in c["windows"]]
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(db.events.insert(), rows)
        conn.execute(tracker_windows.insert(), windows)
    for username, password in PASSWORDS.items():
        auth.create_user(engine, username, password, "admin" if username == "adam" else "reviewer")
    return senders


def database_url(kind: str, tmp_path_factory, request, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('staff') / (name + '.db')}"
    return f"{request.getfixturevalue('postgres_base')}/{name}?login_db=postgres"


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
