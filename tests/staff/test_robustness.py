"""The staff app never blocks and never leaks (issue 15): long messages, large
exports, NUL characters, searches, huge ids and login throttling.

No bot is needed: conversations are written straight into a real SQLite
`events` table made by Rasa's own schema (SQLTrackerStore.SQLEvent). The
ordering checks run against the real web app process (`python -m bot web`);
the rest use the app in-process, as the other staff tests do. No wall-clock
limits: timeouts below only stop a test that would otherwise hang.
"""
from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from bot.settings import ROOT
from bot.storage import staff_tables as db
from bot.web.staff import auth, queries, summary
from bot.web.staff.masking import mask
from tests.support.ports import free_port
from tests.support.staff import PASSWORDS, app_settings, login, wait_for

LONG_WORD = "a" * 100_000
LONG_TEXT = f"can stress cause back pain {LONG_WORD} end"
EMAIL = "jo.bloggs@example.com"
BULK = 250  # conversations in the large export
HANG_GUARD = 120  # seconds: only so a broken server cannot hang the test run


def _event(sender, eid, kind, ts, **data):
    base = {"event": kind, "timestamp": ts}
    base.update(data)
    return {"id": eid, "sender_id": sender, "type_name": kind, "timestamp": ts,
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": data.get("name") if kind == "action" else None, "data": json.dumps(base)}


def _conversation(sender, start_id, texts, ts, metadata=None, slot=None):
    rows, eid = [], start_id
    for text in texts:
        rows.append(_event(sender, eid, "user", ts, text=text, input_channel="rest", metadata=metadata or {},
                           parse_data={"intent": {"name": "ask_stress_back_pain", "confidence": 0.93}}))
        eid += 1
        rows.append(_event(sender, eid, "bot", ts + 0.5, text="Stress can tighten the muscles of your back.", data={}))
        eid += 1
    if slot is not None:
        rows.append(_event(sender, eid, "slot", ts + 1, name="pain_note", value=slot))
        eid += 1
    return rows, eid


def seed(url: str) -> dict:
    """A database with: a 100,000-character word, a NUL, an e-mail, a conversation
    with 10 MB of metadata and a large slot value, and BULK ordinary ones."""
    from rasa.core.tracker_store import SQLTrackerStore

    engine = db.get_engine(url)
    SQLTrackerStore.SQLEvent.__table__.create(engine, checkfirst=True)
    now, eid, rows = time.time(), 1, []
    senders = {name: f"robust-{name}-{uuid.uuid4().hex[:6]}" for name in ("long", "nul", "pii", "meta")}
    for name, texts, extra in (
            ("long", [LONG_TEXT], {}),
            ("nul", ["my back\x00 hurts =SUM(A1) NULMARKER"], {}),
            ("pii", [f"my email is {EMAIL} and my back hurts PIIMARKER"], {}),
            ("meta", ["metadata heavy METAMARKER"], {"metadata": {"blob": "a." * 5_000_000},
                                                      "slot": "x." * 500_000})):
        part, eid = _conversation(senders[name], eid, texts, now - 60, **extra)
        rows += part
    words = "my lower back aches when work gets stressful and I sleep badly "
    for i in range(BULK):
        part, eid = _conversation(f"robust-bulk-{i:04d}", eid, [f"BULK{i:04d} " + words * 30] * 3, now - 3600 - i)
        rows += part
    with engine.begin() as conn:
        for start in range(0, len(rows), 500):
            conn.execute(db.events.insert(), rows[start:start + 500])
    for username, password in PASSWORDS.items():
        auth.create_user(engine, username, password, "admin" if username == "adam" else "reviewer")
    summary.refresh(engine)
    return senders


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('robust') / 'staff.db'}"
    return url, seed(url)


def cid_of(url, sender) -> int:
    with db.get_engine(url).connect() as conn:
        return conn.execute(sa.select(db.conversations.c.id).where(db.conversations.c.sender_id == sender)).scalar()


@pytest.fixture(scope="module")
def server(seeded, tmp_path_factory):
    """The real web app process on loopback over the seeded database."""
    url, _ = seeded
    port = free_port()
    env = {**os.environ, "UNKNOT_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "t" * 48, "WEB_PORT": str(port),
           "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "UNKNOT_HOST": "127.0.0.1"}
    log = open(tmp_path_factory.mktemp("robust-log") / "web.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return get(base, "/healthz", timeout=2)[0] == 200
        except OSError:
            return False
    try:
        assert wait_for(up, timeout=HANG_GUARD), "the web app did not start"
        yield base
    finally:
        proc.kill()
        proc.wait()
        log.close()


def get(base: str, path: str, cookie: str = "", timeout: float = HANG_GUARD):
    """(status, body text, headers) of a GET on a fresh connection (stdlib only)."""
    host, port = base.rsplit("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), response.headers
    finally:
        conn.close()


def session_cookie(base: str, username: str) -> str:
    """Log in through the real login form; the session cookie header value."""
    _, page, headers = get(base, "/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    pre = re.search(r"unknot_staff_login=([^;]+)", headers["set-cookie"]).group(1)
    host, port = base.rsplit("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=HANG_GUARD)
    try:
        conn.request("POST", "/staff/login", body=urlencode(
            {"username": username, "password": PASSWORDS[username], "csrf_token": token, "next": "/staff/"}),
            headers={"Cookie": f"unknot_staff_login={pre}", "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        assert response.status == 303, response.status
        return "unknot_staff=" + re.search(r"unknot_staff=([^;]+)", response.headers["set-cookie"]).group(1)
    finally:
        conn.close()


def raw_request(base: str, path: str, cookie: str, rcvbuf: int = 0) -> socket.socket:
    """Send a GET on its own socket (optionally with a tiny receive buffer, so a
    reader that does not read holds the server's writes back) and return the socket."""
    host, port = base.rsplit("//", 1)[1].split(":")
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(HANG_GUARD)
    sock.connect((host, int(port)))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n".encode())
    return sock


def response_of(sock: socket.socket) -> http.client.HTTPResponse:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response


# --- the app keeps answering -------------------------------------------------

@pytest.mark.slow
def test_health_answers_while_a_large_export_is_held_open_by_a_slow_reader(server, seeded):
    cookie = session_cookie(server, "rita")
    sock = raw_request(server, "/staff/export.csv", cookie, rcvbuf=4096)
    export = response_of(sock)  # the export streams: its headers come before its rows are all made
    assert export.status == 200
    first = export.read(4096)
    assert first.startswith(b"conversation,channel")
    # The export is open: this reader has taken 4 KB of megabytes. The health check answers meanwhile.
    health = get(server, "/healthz")
    assert health[0] == 200 and not export.isclosed()
    rest = export.read()
    sock.close()
    rows = list(csv.DictReader(io.StringIO((first + rest).decode("utf-8"))))
    texts = [r["text"] for r in rows if r["speaker"] == "user"]
    assert sum(t.startswith("BULK") for t in texts) == BULK * 3
    assert any("METAMARKER" in t for t in texts)
    assert len(first + rest) > 1_000_000  # far more than the socket buffers hold


@pytest.mark.slow
def test_health_answers_before_the_render_of_a_100k_character_message(server, seeded):
    url, senders = seeded
    cookie = session_cookie(server, "adam")
    cid = cid_of(url, senders["long"])
    render = raw_request(server, f"/staff/conversations/{cid}", cookie)  # sent first
    health = get(server, "/healthz")  # requested during the render
    readable, _, _ = select.select([render], [], [], 0)
    assert health[0] == 200
    assert not readable, "the render answered before the health check requested after it"
    page = response_of(render)
    html = page.read().decode()
    render.close()
    assert page.status == 200
    assert f"{len(LONG_TEXT)} characters" in html and "show more" in html  # cut, with the whole of it for admins
    assert LONG_WORD not in html
    more = re.search(r'href="(/staff/conversations/\d+/messages/\d+)"', html).group(1)
    status, full, _ = get(server, more, cookie)
    assert status == 200 and LONG_WORD in full
    assert get(server, more, session_cookie(server, "rita"))[0] == 403  # "show more" is for admins


def test_masking_a_200k_character_text_is_bounded_work():
    """Runs that made the old patterns rescan from every position (quadratic: a
    60,000-character word took seconds and held the GIL throughout). On the old
    code this never returns: the regex holds the GIL, so not even the join's
    timeout can fire (which is how it stopped the whole web app)."""
    results = {}

    def work():
        for name, text in (("word", "a" * 200_000), ("dots", "a." * 100_000), ("digits", "1" * 200_000),
                           ("urls", "=http://" * 25_000 + "?q"), ("mixed", "a1-" * 66_000)):
            results[name] = mask(text)
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert not worker.is_alive(), "masking did not finish"
    assert set(results) == {"word", "dots", "digits", "urls", "mixed"}
    assert mask("x" * 200_000 + f" {EMAIL}").endswith(" [email]")


# --- exports, search, ids ----------------------------------------------------

def in_process(url, **extra) -> TestClient:
    from bot.web.app import create_app

    return TestClient(create_app(app_settings(url, **extra)), base_url="http://127.0.0.1",
                      client=("127.0.0.1", 50000))


def test_a_nul_character_does_not_break_the_csv_export(seeded):
    url, senders = seeded
    client = login(in_process(url), "rita")
    response = client.get("/staff/export.csv", params={"q": "nulmarker"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    user = [r for r in rows if r["speaker"] == "user"]
    assert len(user) == 1 and "\x00" not in response.text
    assert user[0]["text"] == "my back hurts =SUM(A1) NULMARKER"
    exported = client.get("/staff/export.json", params={"q": "nulmarker"}).json()
    assert exported["conversations"][0]["events"][0]["text"] == "my back hurts =SUM(A1) NULMARKER"
    # formula escaping still holds for a cell that starts with one once cleaned
    assert queries._cell("\x00=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_search_looks_at_masked_text_only(seeded):
    url, senders = seeded
    client = login(in_process(url), "rita")

    def found(q):
        response = client.get("/staff/api/conversations", params={"q": q})
        assert response.status_code == 200
        return {c["conversation"] for c in response.json()["data"]}
    pii = queries.pseudonym("t" * 48, senders["pii"])
    assert found(EMAIL) == set() and found("bloggs") == set()
    assert found("piimarker") == {pii} and found("my email is [email]") == {pii}


def test_the_search_text_of_an_older_summary_is_recomputed_masked(seeded):
    url, senders = seeded
    engine = db.get_engine(url)
    c = db.conversations
    with engine.begin() as conn:  # what the previous version stored, and its version row gone
        conn.execute(c.update().where(c.c.sender_id == senders["pii"]).values(search_text=f"my email is {EMAIL}"))
        conn.execute(db.sync_state.delete().where(db.sync_state.c.id == 2))
    summary.refresh(engine)
    with engine.connect() as conn:
        text = conn.execute(sa.select(c.c.search_text).where(c.c.sender_id == senders["pii"])).scalar()
    assert EMAIL not in text and "[email]" in text


@pytest.mark.parametrize("path", [
    "/staff/conversations/99999999999999999999999",
    "/staff/conversations/9223372036854775808",
    "/staff/conversations/" + "9" * 5000,
    "/staff/api/conversations/99999999999999999999999",
    "/staff/api/conversations/" + "9" * 5000,
    "/staff/conversations/1/messages/99999999999999999999999",
])
def test_huge_ids_are_a_clean_404(seeded, path):
    client = login(in_process(seeded[0]), "adam")
    response = client.get(path)
    assert response.status_code == 404, (path[:60], response.status_code)
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", [
    "/staff/conversations?page=99999999999999999999999",
    "/staff/conversations?page=" + "9" * 5000,
    "/staff/api/conversations?page=99999999999999999999999",
    "/staff/api/conversations?per_page=99999999999999999999999",
    "/staff/admin/audit?page=99999999999999999999999",
    "/staff/export.csv?page=99999999999999999999999",
])
def test_huge_page_numbers_are_a_clean_400(seeded, path):
    client = login(in_process(seeded[0]), "adam")
    response = client.get(path)
    assert response.status_code == 400, (path[:60], response.status_code)
    assert "Traceback" not in response.text


# --- login throttling ----------------------------------------------------------

@pytest.fixture()
def login_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'login.db'}"
    engine = db.get_engine(url)
    for username, password in PASSWORDS.items():
        auth.create_user(engine, username, password, "admin" if username == "adam" else "reviewer")
    return url


def attempt(client: TestClient, username: str, password: str, forwarded: str = "") -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/login").text).group(1)
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    return client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers, follow_redirects=False).status_code


def test_wrong_passwords_from_one_client_do_not_lock_out_the_right_person(login_db):
    # Both clients come through a trusted proxy on loopback, which names them in X-Forwarded-For.
    client = in_process(login_db, TRUSTED_PROXIES="127.0.0.1", STAFF_LOGIN_DELAY_SECONDS="1")
    statuses = []
    for _ in range(5):  # from the 4th on, each is checked only after the account's delay
        assert wait_for(lambda: statuses.append(attempt(client, "adam", "guess-guess-guess", "203.0.113.7"))
                        or statuses[-1] == 401, timeout=HANG_GUARD)
    assert statuses[:3] == [401] * 3 and 429 in statuses  # the first three are free, then the wait
    # the account's delay is running: checked no sooner, and not made longer by trying
    assert attempt(client, "adam", PASSWORDS["adam"], "198.51.100.2") == 429
    tries = []
    assert wait_for(lambda: tries.append(attempt(client, "adam", PASSWORDS["adam"], "198.51.100.2"))
                    or tries[-1] == 303, timeout=HANG_GUARD)
    waited = len(tries) - 1
    engine = db.get_engine(login_db)
    with engine.connect() as conn:
        failures = conn.execute(sa.select(db.login_attempts.c.ip).where(db.login_attempts.c.success == sa.false())
                                ).scalars().all()
        audited = conn.execute(sa.select(db.audit.c.detail).where(db.audit.c.action == "login_failed")).scalars().all()
    assert failures == ["203.0.113.7"] * 5  # the proxy's header named the client
    assert sum(d.startswith("invalid") for d in audited) == 5
    assert sum(d.startswith("wait") for d in audited) == statuses.count(429) + 1 + waited


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(login_db):
    client = in_process(login_db)  # TRUSTED_PROXIES empty: the peer address is the client
    for i in range(auth.MAX_FAILURES_PER_IP):
        assert attempt(client, f"nobody{i:02d}", "guess-guess-guess", f"192.0.2.{i + 1}") == 401
    # a fresh made-up address does not get this peer a new allowance
    assert attempt(client, "rita", PASSWORDS["rita"], "192.0.2.200") == 429
    with db.get_engine(login_db).connect() as conn:
        assert set(conn.execute(sa.select(db.login_attempts.c.ip)).scalars()) == {"127.0.0.1"}


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    ("10.0.0.1", "198.51.100.9, 10.0.0.2", ("10.0.0.0/24",), "198.51.100.9"),  # skips trusted hops
    ("10.0.0.1", "6.6.6.6, 198.51.100.9", ("10.0.0.0/24",), "198.51.100.9"),  # the left part is the client's to forge
    ("10.0.0.1", "not-an-address", ("10.0.0.0/24",), "10.0.0.1"),
    ("10.0.0.1", "", ("10.0.0.0/24",), "10.0.0.1"),
    ("192.0.2.5", "198.51.100.9", ("10.0.0.0/24",), "192.0.2.5"),  # an untrusted peer's header is ignored
    ("192.0.2.5", "198.51.100.9", (), "192.0.2.5"),
])
def test_which_address_counts_for_the_login_limit(peer, forwarded, trusted, expected):
    from starlette.requests import Request

    from bot.web.staff.clientip import client_ip

    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    request = Request({"type": "http", "method": "POST", "path": "/staff/login", "headers": headers,
                       "client": (peer, 40000), "query_string": b""})
    assert client_ip(request, trusted) == expected


def test_login_throttling_settings():
    from bot.settings import SettingsError, load_settings

    settings = load_settings({"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/24", "STAFF_LOGIN_DELAY_SECONDS": "0.5"})
    assert settings.trusted_proxies == ("127.0.0.1/32", "10.0.0.0/24") and settings.staff_login_delay_seconds == 0.5
    assert load_settings({}).trusted_proxies == () and load_settings({}).staff_login_delay_seconds == 1.0
    for bad in ({"TRUSTED_PROXIES": "nginx"}, {"STAFF_LOGIN_DELAY_SECONDS": "soon"},
                {"STAFF_LOGIN_DELAY_SECONDS": "0"}):
        with pytest.raises(SettingsError):
            load_settings(bad)
