"""Staff alerts (bot/web/alerts) and the queue that buries no one (issue 16).

The conversations are the real bot's (sent through the shared test stack, then
copied into a fresh database per test under new sender ids); alerts go to real
local receivers: an aiohttp webhook and an aiosmtpd SMTP server on 127.0.0.1.
Intervals are shortened through the settings; waits are generous.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from typing import Dict, List

import pytest
import sqlalchemy as sa

from bot.settings import ROOT
from bot.storage import staff_tables as db
from bot.web.alerts import store
from bot.web.alerts.worker import AlertWorker
from bot.web.staff import queries, summary
from tests.fakes.alert_receiver import SmtpReceiver, WebhookReceiver
from tests.support.ports import free_port
from tests.support.rest import rest_sender
from tests.support.staff import (
    PASSWORDS,
    app_settings,
    csrf,
    login,
    make_client,
    shifted,
    wait_for,
)

KEY = "t" * 48
# The case: a "possible" first message, then the person confirms and
# says the means are at hand. The first message alone rates "possible".
SCRIPTS: Dict[str, List[str]] = {
    "confirmed": ["sometimes i wish i wasn't here", "yes", "i have a bottle of pills right next to me"],
    "possible": ["sometimes i wish i wasn't here"],
    "high": ["i want to kill myself"],
    "acted": ["i took 30 of my sleeping pills an hour ago"],
    "fallback": ["asdf qwer"],
    "pii": ["i want to kill myself, call me on 07700 900123"],
}
USER_TEXT_WORDS = ("wish", "pills", "kill", "bottle", "sleeping", "07700")


@pytest.fixture(scope="module")
def alert_conversations(stack) -> Dict[str, List[dict]]:
    """{name: the events rows the real bot stored for that script}."""
    send = rest_sender(stack.settings.rasa_url)
    senders = {}
    for name, messages in SCRIPTS.items():
        senders[name] = f"alerts-{name}-{uuid.uuid4().hex[:8]}"
        for message in messages:
            send(senders[name], message)
    path = sa.engine.url.make_url(stack.settings.database_url).database
    out = {}
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        for name, sender in senders.items():
            out[name] = [dict(r) for r in conn.execute(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
                "WHERE sender_id = ? ORDER BY id", (sender,))]
            assert out[name], name
    return out


def seed(url: str, conversations: Dict[str, List[dict]], plan: Dict[str, int], age: float = 0.0) -> Dict[str, List[str]]:
    """Copy each named conversation `plan[name]` times under new sender ids into
    the database at `url` (Rasa's own `events` schema). Copy i is moved i
    seconds further back (plus `age`), so waiting times differ. Returns the new
    sender ids per name."""
    from bot.storage.tracker_store import UrlSQLTrackerStore

    UrlSQLTrackerStore(db_url=url)
    engine = db.get_engine(url)
    made: Dict[str, List[str]] = {}
    rows = []
    for name, times in plan.items():
        for i in range(times):
            sender = f"{name}-{i}-{uuid.uuid4().hex[:6]}"
            made.setdefault(name, []).append(sender)
            rows += shifted(conversations[name], sender, seconds=age + i)
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(db.events.insert(), rows[start:start + 2000])
    return made


@pytest.fixture()
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'alerts.db'}"


@pytest.fixture()
def receiver():
    r = WebhookReceiver().start()
    yield r
    r.stop()


def worker_for(url: str, **extra: str) -> AlertWorker:
    env = {"ALERT_POLL_SECONDS": "0.05", "ALERT_RETRY_MAX_SECONDS": "0.2", **extra}
    return AlertWorker(app_settings(url, **env), name=f"test-{uuid.uuid4().hex[:6]}")


def rounds(worker: AlertWorker, n: int = 3, pause: float = 0.0) -> int:
    sent = 0
    for _ in range(n):
        sent += asyncio.run(worker.run_once())
        time.sleep(pause)
    return sent


def pseudo(sender: str) -> str:
    return queries.pseudonym(KEY, sender)


def test_a_confirmation_after_a_possible_message_raises_one_alert_sent_once_without_text(
        alert_conversations, sqlite_url, receiver):
    made = seed(sqlite_url, alert_conversations, {"confirmed": 1, "possible": 1, "fallback": 1})
    worker = worker_for(sqlite_url, ALERT_WEBHOOK_URL=receiver.url, ALERT_WEBHOOK_SECRET="s" * 20)
    assert rounds(worker, 3) == 1
    assert len(receiver.received) == 1
    alert = receiver.received[0]
    engine = db.get_engine(sqlite_url)
    with engine.connect() as conn:
        cid = conn.execute(sa.select(db.conversations.c.id)
                           .where(db.conversations.c.sender_id == made["confirmed"][0])).scalar()
        levels = [r.level for r in conn.execute(sa.select(db.flags.c.level)
                                                .where(db.flags.c.sender_id == made["confirmed"][0])
                                                .order_by(db.flags.c.ts))]
    # the first turn alone was "possible"; the confirmation made the conversation high
    assert levels[0] == "possible" and "high" in levels
    assert alert["kind"] == "alert" and alert["level"] == "high"
    assert alert["conversation"] == pseudo(made["confirmed"][0])
    assert alert["link"] == f"{worker.settings.staff_base_url}/conversations/{cid}"
    assert alert["flagged_at"] and alert["reasons"]
    raw = receiver.raw[0].decode().lower()
    assert not any(word in raw for word in USER_TEXT_WORDS), raw
    headers = {k.lower(): v for k, v in receiver.headers[0].items()}
    assert headers["x-unknot-alert-id"] == alert["alert_id"]
    expected = "sha256=" + hmac.new(b"s" * 20, receiver.raw[0], hashlib.sha256).hexdigest()
    assert headers["x-unknot-signature"] == expected
    # nothing more: the possible-only and not-understood conversations raise no alert
    assert rounds(worker, 2) == 0 and len(receiver.received) == 1


def test_acted_gets_its_own_alert_and_a_later_confirmation_is_not_a_second_high(alert_conversations, sqlite_url,
                                                                                receiver):
    made = seed(sqlite_url, alert_conversations, {"acted": 1, "high": 1})
    worker = worker_for(sqlite_url, ALERT_WEBHOOK_URL=receiver.url)
    rounds(worker, 3)
    got = {r["conversation"]: r["level"] for r in receiver.received}
    assert got == {pseudo(made["acted"][0]): "acted", pseudo(made["high"][0]): "high"}
    # the high conversation then says it has acted: one more alert, at the new level
    engine = db.get_engine(sqlite_url)
    later = shifted(alert_conversations["acted"], made["high"][0], seconds=-5)
    with engine.begin() as conn:
        conn.execute(db.events.insert(), later)
    rounds(worker, 3)
    levels = sorted(r["level"] for r in receiver.received if r["conversation"] == pseudo(made["high"][0]))
    assert levels == ["acted", "high"]
    assert len(set(receiver.ids())) == len(receiver.ids()) == 3
    # once a human has acknowledged them, a new risk turn in the same conversation pages again, once
    with engine.begin() as conn:
        for alert_id in [r.id for r in conn.execute(sa.select(db.alerts.c.id))]:
            store.acknowledge(conn, alert_id, "rita")
    rounds(worker, 2)
    assert len(receiver.received) == 3  # what was acknowledged does not page again
    with engine.begin() as conn:
        # the person writes again now, after the acknowledgement
        shift = alert_conversations["high"][0]["timestamp"] - time.time() - 1
        conn.execute(db.events.insert(), shifted(alert_conversations["high"], made["acted"][0], seconds=shift))
    rounds(worker, 3)
    assert len(receiver.received) == 4
    assert receiver.received[-1]["conversation"] == pseudo(made["acted"][0])
    assert receiver.received[-1]["level"] == "high"


def test_e_mail_alert_through_a_real_smtp_server(alert_conversations, sqlite_url):
    smtp = SmtpReceiver().start()
    try:
        made = seed(sqlite_url, alert_conversations, {"confirmed": 1})
        worker = worker_for(sqlite_url, ALERT_SMTP_HOST="127.0.0.1", ALERT_SMTP_PORT=str(smtp.port),
                            ALERT_SMTP_STARTTLS="off", ALERT_EMAIL_FROM="unknot@clinic.example",
                            ALERT_EMAIL_TO="duty@clinic.example, lead@clinic.example",
                            STAFF_PUBLIC_URL="https://bot.clinic.example")
        assert rounds(worker, 3) == 1
        assert wait_for(lambda: len(smtp.messages) == 1)
        message = smtp.messages[0]
        assert smtp.envelopes[0]["to"] == ["duty@clinic.example", "lead@clinic.example"]
        assert "high risk" in message["Subject"] and pseudo(made["confirmed"][0]) in message["Subject"]
        body = message.get_content()
        assert "https://bot.clinic.example/staff/conversations/" in body
        alert_id = message["X-Unknot-Alert-Id"]
        assert alert_id and alert_id in body
        assert not any(word in body.lower() for word in USER_TEXT_WORDS)
    finally:
        smtp.stop()


def test_a_receiver_that_is_down_is_retried_and_staff_see_the_failure(alert_conversations, sqlite_url):
    port = free_port()  # nothing listens here yet
    made = seed(sqlite_url, alert_conversations, {"high": 1})
    worker = worker_for(sqlite_url, ALERT_WEBHOOK_URL=f"http://127.0.0.1:{port}/alerts")
    assert rounds(worker, 1) == 0
    from bot.web.staff import auth

    auth.create_user(db.get_engine(sqlite_url), "rita", PASSWORDS["rita"], "reviewer")
    client = login(make_client(sqlite_url, ALERT_WEBHOOK_URL=f"http://127.0.0.1:{port}/alerts"), "rita")
    listed = client.get("/staff/api/alerts").json()["data"]
    assert [a["conversation"] for a in listed] == [pseudo(made["high"][0])]
    assert listed[0]["delivery"] == "failing" and "unreachable" in listed[0]["errors"][0]
    page = client.get("/staff/alerts").text
    assert 'id="alerts-failing"' in page and "failing, retrying" in page
    assert 'id="alerts-failing"' in client.get("/staff/").text  # on every page

    receiver = WebhookReceiver(port)
    receiver.status = 503
    receiver.start()
    try:
        # the retry waits (backoff), then fails again with the receiver's answer
        assert wait_for(lambda: rounds(worker, 1) == 0 and any(
            "503" in e for e in client.get("/staff/api/alerts").json()["data"][0]["errors"]), timeout=20)
        receiver.status = 200
        assert wait_for(lambda: rounds(worker, 1) == 1, timeout=20)
        assert len(receiver.received) == 1
        listed = client.get("/staff/api/alerts").json()["data"]
        assert listed[0]["delivery"] == "sent"
        webhook = [d for d in listed[0]["deliveries"] if d["channel"] == "webhook"][0]
        assert webhook["attempts"] >= 3 and webhook["state"] == "sent"
        assert 'id="alerts-failing"' not in client.get("/staff/alerts").text
    finally:
        receiver.stop()


def test_unacknowledged_alert_is_sent_once_more_and_an_acknowledged_one_is_not(alert_conversations, sqlite_url,
                                                                                 receiver):
    from bot.web.staff import auth

    made = seed(sqlite_url, alert_conversations, {"high": 2})
    engine = db.get_engine(sqlite_url)
    auth.create_user(engine, "rita", PASSWORDS["rita"], "reviewer")
    env = {"ALERT_WEBHOOK_URL": receiver.url, "ALERT_REMIND_MINUTES": "1"}
    worker = worker_for(sqlite_url, **env)
    rounds(worker, 2)
    assert len(set(receiver.ids())) == len(receiver.ids()) == 2
    client = login(make_client(sqlite_url, **env), "rita")
    alerts = {a["conversation"]: a for a in client.get("/staff/api/alerts").json()["data"]}
    first = alerts[pseudo(made["high"][0])]
    # acknowledging needs the CSRF token; then it is recorded with who and when, and audited
    assert client.post(f"/staff/api/alerts/{first['id']}/ack").status_code == 403
    acked = client.post(f"/staff/api/alerts/{first['id']}/ack", headers={"X-CSRF-Token": csrf(client)}).json()
    assert acked["acknowledged_by"] == "rita" and acked["acknowledged_at"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.audit).where(
            db.audit.c.action == "alert_ack", db.audit.c.username == "rita",
            db.audit.c.sender_id == made["high"][0])).scalar() == 1
    assert client.post("/staff/api/alerts/999999/ack", headers={"X-CSRF-Token": csrf(client)}).status_code == 404
    # ALERT_REMIND_MINUTES later (the alerts are made two minutes old) only the unacknowledged one is re-sent
    with engine.begin() as conn:
        conn.execute(db.alerts.update().values(created_at=db.alerts.c.created_at - 120))
    rounds(worker, 3)
    assert receiver.ids("reminder") == [alerts[pseudo(made["high"][1])]["alert_id"]]
    assert len(receiver.received) == 3
    rounds(worker, 2)
    assert len(receiver.received) == 3  # once more, not again and again


def _web_replica(url: str, receiver_url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALERT_", "DATABASE_URL", "WEB_PORT"))}
    env.update(UNKNOT_ENV="test", DATABASE_URL=url, WEB_PORT=str(free_port()), SECRET_KEY=KEY,
               ALERT_WEBHOOK_URL=receiver_url, ALERT_POLL_SECONDS="0.2", ALERT_RETRY_MAX_SECONDS="1",
               RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_web_app_replicas_send_every_alert_exactly_once(alert_conversations, backend, request, tmp_path,
                                                            receiver):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'replicas.db'}"
    else:
        url = f"{request.getfixturevalue('postgres_base')}/alerts_{uuid.uuid4().hex[:8]}?login_db=postgres"
    made = seed(url, alert_conversations, {"high": 25, "acted": 5, "possible": 10})
    # A slow receiver: one replica's round of sends spans several of the other's
    # rounds, so the second one meets deliveries the first has claimed and not sent.
    receiver.delay = 0.1
    replicas = [_web_replica(url, receiver.url) for _ in range(2)]
    try:
        assert wait_for(lambda: len(receiver.received) >= 30, timeout=120), \
            (len(receiver.received), [p.poll() for p in replicas])
        time.sleep(3)  # more rounds of both replicas: nothing is sent twice
        assert all(p.poll() is None for p in replicas)
    finally:
        for p in replicas:
            os.killpg(p.pid, signal.SIGTERM)
        for p in replicas:
            p.wait(30)
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == 30
    assert {r["conversation"] for r in receiver.received} == {pseudo(s) for s in made["high"] + made["acted"]}
    with db.get_engine(url).connect() as conn:
        states = [r.state for r in conn.execute(sa.select(db.deliveries.c.state))]
    assert states == ["sent"] * 30


def test_a_replica_without_the_channel_leaves_its_deliveries_to_one_that_has_it(
        alert_conversations, sqlite_url, receiver):
    """Every web app process runs the worker; one without ALERT_WEBHOOK_URL (a
    replica configured differently, or the plain `make run` stack beside a
    configured one) must not claim the webhook's deliveries and fail them."""
    made = seed(sqlite_url, alert_conversations, {"high": 3})
    with_webhook = worker_for(sqlite_url, ALERT_WEBHOOK_URL=receiver.url)
    without = worker_for(sqlite_url)
    summary.refresh(db.get_engine(sqlite_url), summary.fallback_threshold())  # the flags the alerts come from
    with db.get_engine(sqlite_url).begin() as conn:
        assert store.raise_alerts(conn, pseudo) == 3
        assert store.plan_deliveries(conn, with_webhook.settings.alert_channels, 3600) == 3
    for _ in range(3):
        assert rounds(without, 1) == 0
    with db.get_engine(sqlite_url).connect() as conn:
        rows = conn.execute(sa.select(db.deliveries.c.state, db.deliveries.c.attempts,
                                      db.deliveries.c.claimed_by)).all()
    assert [(r.state, r.attempts, r.claimed_by) for r in rows] == [("pending", 0, None)] * 3
    assert rounds(with_webhook, 1) == 3
    assert {r["conversation"] for r in receiver.received} == {pseudo(s) for s in made["high"]}


def test_a_burst_bigger_than_one_claim_is_all_sent_in_one_round(alert_conversations, sqlite_url, receiver):
    """Alerts switched on over a busy day, or a burst: the last conversation is
    told in the same round as the first, not one batch per poll interval."""
    made = seed(sqlite_url, alert_conversations, {"high": store.CLAIM_BATCH * 2 + 5})
    worker = worker_for(sqlite_url, ALERT_WEBHOOK_URL=receiver.url)
    assert rounds(worker, 1) == store.CLAIM_BATCH * 2 + 5
    assert {r["conversation"] for r in receiver.received} == {pseudo(s) for s in made["high"]}


def test_a_round_too_slow_for_its_claim_hands_the_rest_back_and_nothing_is_sent_twice(
        alert_conversations, sqlite_url, receiver, monkeypatch):
    """A receiver so slow that a batch would outlast the claim's lease: the
    worker stops before the lease runs out and gives the rest back, so another
    replica can send them at once and none goes out twice."""
    monkeypatch.setattr(store, "CLAIM_SECONDS", store.SEND_TIMEOUT_SECONDS + 5 + 1.0)  # stop after ~1 s of sends
    made = seed(sqlite_url, alert_conversations, {"high": 8})
    receiver.delay = 0.4
    first, second = (worker_for(sqlite_url, ALERT_WEBHOOK_URL=receiver.url) for _ in range(2))
    sent_first = rounds(first, 1)
    assert 1 <= sent_first < 8
    with db.get_engine(sqlite_url).connect() as conn:
        rest = conn.execute(sa.select(db.deliveries.c.claimed_until).where(db.deliveries.c.state == "pending")).all()
    assert len(rest) == 8 - sent_first and all(r.claimed_until is None for r in rest)
    for _ in range(10):
        if len(receiver.received) == 8:
            break
        rounds(second, 1)
    ids = receiver.ids()
    assert len(ids) == len(set(ids)) == 8
    assert {r["conversation"] for r in receiver.received} == {pseudo(s) for s in made["high"]}


def test_the_queue_puts_alerts_first_then_levels_and_pages_through_hundreds(alert_conversations, sqlite_url):
    from bot.web.staff import auth

    made = seed(sqlite_url, alert_conversations,
                {"possible": 300, "high": 20, "acted": 3, "fallback": 10, "confirmed": 1, "pii": 1})
    engine = db.get_engine(sqlite_url)
    auth.create_user(engine, "rita", PASSWORDS["rita"], "reviewer")
    client = login(make_client(sqlite_url), "rita")
    # the worker has not run: no alerts yet; then one round raises them (no channel: recorded only)
    before = client.get("/staff/api/queue?per_page=100").json()
    assert before["groups"] == {"alert": 0, "acted": 3, "high": 22, "possible": 300, "not_understood": 10}
    rounds(worker_for(sqlite_url), 1)
    # a reviewer marked one high conversation reviewed; its alert still waits for acknowledgement
    reviewed = made["high"][7]
    with engine.begin() as conn:
        queries.set_reviewed(conn, reviewed, True, "rita")
    q = client.get("/staff/api/queue?per_page=100").json()
    assert q["groups"] == {"alert": 25, "acted": 0, "high": 0, "possible": 300, "not_understood": 10}
    assert q["count"] == 335 and q["pages"] == 4
    seen, order = [], []
    for page in range(1, q["pages"] + 1):
        got = client.get(f"/staff/api/queue?per_page=100&page={page}").json()
        seen += [r["conversation"] for r in got["rows"]]
        order += [(got_row["group"], got_row["waiting_since"]) for got_row in got["rows"]]
    assert len(seen) == len(set(seen)) == 335  # every conversation on exactly one page
    assert pseudo(made["confirmed"][0]) in seen[:25] and pseudo(reviewed) in seen[:25]
    assert all(pseudo(s) in seen for s in made["possible"])  # volume hides no "possible" one
    group_rank = [queries.QUEUE_GROUPS.index(g) for g, _ in order]
    assert group_rank == sorted(group_rank)
    possible_rows = client.get("/staff/api/queue?per_page=100&page=1").json()["rows"][25:]
    assert possible_rows[0]["group"] == "possible" and possible_rows[0]["excerpt"]
    assert possible_rows[0]["waiting"]
    # the excerpt of the turn that raised the flag is masked
    pii_row = next(r for r in q["rows"] if r["conversation"] == pseudo(made["pii"][0]))
    assert "kill myself" in pii_row["excerpt"] and "07700" not in pii_row["excerpt"]
    html = client.get("/staff/?page=2").text
    assert 'rel="prev"' in html and 'rel="next"' in html and "Page 2 of" in html
    assert client.get("/staff/api/queue?page=abc").status_code == 400
    # acknowledged: the reviewed conversation leaves the queue, the others stay as high until reviewed
    alert_id = next(a["id"] for a in client.get("/staff/api/alerts?page=1").json()["data"]
                    if a["conversation"] == pseudo(reviewed))
    client.post(f"/staff/api/alerts/{alert_id}/ack", headers={"X-CSRF-Token": csrf(client)})
    q = client.get("/staff/api/queue?per_page=100").json()
    assert q["groups"]["alert"] == 24 and pseudo(reviewed) not in [r["conversation"] for r in q["rows"]]


def test_take_a_conversation_hand_it_back_and_filter_by_owner_tag_and_note(alert_conversations, sqlite_url):
    from bot.web.staff import auth

    made = seed(sqlite_url, alert_conversations, {"possible": 5})
    engine = db.get_engine(sqlite_url)
    auth.create_user(engine, "rita", PASSWORDS["rita"], "reviewer")
    client = login(make_client(sqlite_url), "rita")
    rows = client.get("/staff/api/queue").json()["rows"]
    target = next(r for r in rows if r["conversation"] == pseudo(made["possible"][2]))
    token = csrf(client)
    client.post(f"/staff/conversations/{target['id']}/owner", data={"csrf_token": token})
    client.post(f"/staff/conversations/{target['id']}/tags", data={"csrf_token": token, "tags": "follow up"})
    client.post(f"/staff/conversations/{target['id']}/notes", data={"csrf_token": token, "body": "Rang the GP"})
    mine = client.get("/staff/api/queue?owner=mine").json()["rows"]
    assert [r["conversation"] for r in mine] == [target["conversation"]] and mine[0]["owner"] == "rita"
    assert len(client.get("/staff/api/queue?owner=nobody").json()["rows"]) == 4
    assert [r["conversation"] for r in client.get("/staff/api/queue?tag=follow up").json()["rows"]] == \
        [target["conversation"]]
    assert [r["conversation"] for r in client.get("/staff/api/queue?note=rang the").json()["rows"]] == \
        [target["conversation"]]
    assert 'id="hand-back"' in client.get(f"/staff/conversations/{target['id']}").text
    client.post(f"/staff/conversations/{target['id']}/owner", data={"csrf_token": token, "give_back": "yes"})
    assert client.get("/staff/api/queue?owner=mine").json()["rows"] == []
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(db.audit.c.action)
                                                  .where(db.audit.c.sender_id == made["possible"][2]))]
    assert "take" in actions and "hand_back" in actions


def test_retention_keeps_an_unacknowledged_alert_and_says_so(alert_conversations, sqlite_url):
    from bot.web.staff import auth
    from bot.web.staff.retention import purge

    made = seed(sqlite_url, alert_conversations, {"high": 2})
    engine = db.get_engine(sqlite_url)
    rounds(worker_for(sqlite_url), 1)
    with engine.begin() as conn:
        first = conn.execute(sa.select(db.alerts.c.id).where(db.alerts.c.sender_id == made["high"][0])).scalar()
        store.acknowledge(conn, first, "rita")
    result = purge(engine, days=1, now=time.time() + 3 * 86400)
    assert result["conversations"] == 2
    with engine.connect() as conn:
        kept = [dict(r) for r in conn.execute(sa.select(db.alerts)).mappings()]
    assert len(kept) == 1 and kept[0]["sender_id"] is None and kept[0]["erased_at"]
    assert kept[0]["conversation"] == pseudo(made["high"][1])
    auth.create_user(engine, "rita", PASSWORDS["rita"], "reviewer")
    client = login(make_client(sqlite_url), "rita")
    page = client.get("/staff/alerts").text
    assert "conversation erased by retention before anyone acknowledged this alert" in page
    assert client.get("/staff/api/alerts").json()["data"][0]["erased"] is True


def test_with_no_alert_channel_the_staff_app_says_nobody_is_told(alert_conversations, sqlite_url, receiver):
    from bot.web.staff import auth

    seed(sqlite_url, alert_conversations, {"high": 1})
    engine = db.get_engine(sqlite_url)
    auth.create_user(engine, "rita", PASSWORDS["rita"], "reviewer")
    rounds(worker_for(sqlite_url), 1)
    client = login(make_client(sqlite_url), "rita")
    assert 'id="alerts-not-configured"' in client.get("/staff/").text
    assert "not sent: no alert channel" in client.get("/staff/alerts").text
    assert client.get("/staff/api/alerts").json()["data"][0]["delivery"] == "not_configured"
    configured = login(make_client(sqlite_url, ALERT_WEBHOOK_URL=receiver.url), "rita")
    assert 'id="alerts-not-configured"' not in configured.get("/staff/").text


def test_time_to_acknowledge_per_week_median_and_90th_percentile(sqlite_url):
    from bot.web.staff.summary import week_of

    engine = db.get_engine(sqlite_url)
    now = time.time()
    minutes = [1, 2, 3, 4, 100]
    with engine.begin() as conn:
        for i, m in enumerate(minutes):
            conn.execute(db.alerts.insert().values(uid=f"u{i}", sender_id=f"s{i}", conversation=f"c-{i}", level="high",
                                                   reasons="[]", flagged_at=now - 7200, created_at=now - 7200,
                                                   acknowledged_at=now - 7200 + m * 60, acknowledged_by="rita"))
        conn.execute(db.alerts.insert().values(uid="w", sender_id="sw", conversation="c-w", level="acted",
                                               reasons="[]", flagged_at=now - 7200, created_at=now - 7200))
        week = week_of(now - 7200)
        figures = store.ack_times_per_week(conn, [week])[week]
    assert figures["n"] == 5 and figures["waiting"] == 1
    assert figures["median"] == pytest.approx(3.0)
    assert figures["p90"] == pytest.approx(4 + 0.6 * 96)  # numpy's linear interpolation: 61.6


def test_alert_settings_are_checked():
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError):
        load_settings({"ALERT_WEBHOOK_URL": "ftp://x"})
    with pytest.raises(SettingsError):
        load_settings({"ALERT_SMTP_HOST": "127.0.0.1"})  # no sender or recipients
    with pytest.raises(SettingsError):
        load_settings({"ALERT_EMAIL_TO": "not an address"})
    s = load_settings({"ALERT_SMTP_HOST": "127.0.0.1", "ALERT_EMAIL_FROM": "a@b.example",
                       "ALERT_EMAIL_TO": "c@d.example"})
    assert s.alert_channels == ("email",)
    assert load_settings({}).alert_channels == ()
    assert json.loads(json.dumps(store.safe_reasons(["explicit_ideation", "encoder:0.93", "i want to die"]))) == \
        ["explicit_ideation", "encoder:0.93"]


def test_make_run_says_whether_anyone_is_told_and_env_example_documents_every_alert_setting():
    from bot.settings import load_settings
    from bot.web.alerts import alert_status_line

    off = alert_status_line(load_settings({}))
    assert off.startswith("Staff alerts: NOT CONFIGURED") and "nobody is told" in off
    on = alert_status_line(load_settings({"ALERT_WEBHOOK_URL": "http://127.0.0.1:9/a", "ALERT_REMIND_MINUTES": "15"}))
    assert on.startswith("Staff alerts: on, by a webhook") and "15 min" in on
    example = (ROOT / ".env.example").read_text()
    for name in load_settings({}).as_env():
        if name.startswith("ALERT_") or name == "STAFF_PUBLIC_URL":
            assert f"\n{name}=" in example, name


def test_a_crisis_answered_with_the_action_server_down_still_raises_the_alert(chat, stack, receiver):
    """The alert reads only what the Rasa server stores (the risk record and
    SafetyPolicy's slots), so a crisis answered while the action server is down
    pages the clinic all the same."""
    sender = chat.new_sender()
    stack.actions.kill()
    try:
        for message in ("sometimes i wish i wasn't here", "yes", "i have the pills right here"):
            assert chat.send(sender, message, {"locale": "en-GB"})
    finally:
        stack.actions.start(stack.env)
        stack.actions.wait_healthy(120)
    worker = AlertWorker(app_settings(stack.settings.database_url, ALERT_WEBHOOK_URL=receiver.url,
                                      ALERT_POLL_SECONDS="0.05"), name="test-actions-down")
    # The shared stack's database holds every risk conversation the suite has
    # had so far (hundreds, all alerted now): rounds until the outbox is drained.
    for _ in range(20):
        if not rounds(worker, 1):
            break
    # The stack's own web app runs a worker too (no channel, so it only records), and
    # may raise this alert first, naming the conversation with its own key: find the
    # alert by its sender, then the message by the alert's id.
    with db.get_engine(stack.settings.database_url).connect() as conn:
        raised = conn.execute(sa.select(db.alerts.c.uid, db.alerts.c.level, db.alerts.c.conversation)
                              .where(db.alerts.c.sender_id == sender)).all()
    assert [r.level for r in raised] == ["high"]
    mine = [r for r in receiver.received if r["alert_id"] == raised[0].uid]
    assert [(r["level"], r["conversation"]) for r in mine] == [("high", raised[0].conversation)]
