"""Issue 15 on a real Rasa server: one request or one failing database must not
stop it. The server here is a throwaway one (action server + Rasa server, own
ports and SQLite file, short request timeout), SIGKILLed at the end: before the
fix, one `Content-Length: -1` left it spinning at 100% CPU, deaf to SIGTERM."""
from __future__ import annotations

import json
import socket
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot.runtime.launcher import Stack, http_ok
from bot.safety.resources import shows_crisis_lines
from bot.storage.tracker_store import remove_sqlite_files
from tests.support.ports import free_ports
from tests.support.stack import TEST_DIR, Chat, test_settings

pytestmark = pytest.mark.slow

BODY_TIMEOUT = 3  # RASA_REQUEST_TIMEOUT of this server: a late body gets 408 soon
ANSWER_WAIT = 120.0  # generous: the machine may be busy; never a limit on how fast
DB = TEST_DIR / "hardening" / "unknot-hardening.db"
HEAD = (b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n")


@pytest.fixture(scope="module")
def server(test_model: Path) -> Iterator[Stack]:
    rasa_port, action_port, web_port = free_ports(3)
    remove_sqlite_files(DB)
    settings = test_settings(RASA_PORT=str(rasa_port), ACTION_PORT=str(action_port), WEB_PORT=str(web_port),
                             DATABASE_URL=f"sqlite:///{DB}", RASA_REQUEST_TIMEOUT=str(BODY_TIMEOUT),
                             TELEGRAM_BOT_TOKEN="")
    stack = Stack(settings, test_model, log_dir=TEST_DIR / "hardening" / "log", with_web=False)
    stack.rasa.log_path.unlink(missing_ok=True)
    stack.start()
    try:
        yield stack
    finally:
        for process in (stack.rasa, stack.actions):
            process.kill()  # SIGKILL: a spinning server ignores SIGTERM


@pytest.fixture(scope="module")
def chat(server: Stack) -> Chat:
    return Chat(server)


def raw_request(server: Stack, data: bytes) -> Tuple[str, bool]:
    """(status line, whether the server closed the connection) for raw bytes."""
    with socket.create_connection((server.settings.host, server.settings.rasa_port), timeout=ANSWER_WAIT) as conn:
        conn.sendall(data)
        received = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                return received.split(b"\r\n", 1)[0].decode(errors="replace") or "(no answer)", False
            except ConnectionResetError:
                return received.split(b"\r\n", 1)[0].decode(errors="replace") or "(reset)", True
            if not chunk:
                return received.split(b"\r\n", 1)[0].decode(errors="replace"), True
            received += chunk


def assert_still_answering(server: Stack, chat: Chat) -> None:
    assert http_ok(f"{server.settings.rasa_url}/", timeout=ANSWER_WAIT), "the Rasa server stopped answering /"
    assert chat.send(chat.new_sender(), "hi"), "the Rasa server stopped answering REST messages"


@pytest.mark.parametrize("name, request_bytes, status", [
    ("negative length", HEAD + b"Content-Length: -1\r\n\r\n{}", 400),
    ("garbage length", HEAD + b"Content-Length: abc\r\n\r\n{}", 400),
    ("signed length", HEAD + b"Content-Length: +2\r\n\r\n{}", 400),
    ("huge length", HEAD + b"Content-Length: 99999999999999999999999\r\n\r\n{}", 413),
    ("two lengths", HEAD + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
    ("length and chunked", HEAD + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400),
    ("other transfer-encoding", HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400),
    ("declared body over the limit", HEAD + b"Content-Length: 1048576\r\n\r\n", 413),
    ("chunk over the limit", HEAD + b"Transfer-Encoding: chunked\r\n\r\n100000\r\n" + b"x" * 1000, 413),
    ("unterminated chunked body", HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", 408),
    ("body shorter than its length", HEAD + b"Content-Length: 10\r\n\r\n{}", 408),
])
def test_bad_framing_gets_a_4xx_and_a_close_and_the_server_keeps_answering(server, chat, name, request_bytes,
                                                                           status):
    status_line, closed = raw_request(server, request_bytes)
    assert status_line.startswith(f"HTTP/1.1 {status} "), f"{name}: {status_line}"
    assert closed, f"{name}: the connection was left open"
    assert_still_answering(server, chat)


def test_a_message_over_the_size_limit_gets_413(server, chat):
    body = json.dumps({"sender": chat.new_sender(), "message": "x" * (1024 * 1024)}).encode()
    request = urllib.request.Request(f"{server.settings.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_WAIT):  # noqa: S310 (loopback)
            status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    except (ConnectionResetError, BrokenPipeError, urllib.error.URLError):
        status = 413  # refused after the head, while the client was still sending: the close is the answer
    assert status == 413
    assert_still_answering(server, chat)


def _user_texts(sender: str) -> List[str]:
    with sqlite3.connect(DB) as db:
        return [row[0] for row in db.execute("SELECT json_extract(data, '$.text') FROM events "
                                             "WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,))]


def test_a_storage_failure_during_a_risk_message_still_gets_the_crisis_lines(server, chat):
    sender = chat.new_sender()
    chat.send(sender, "hi")
    marker = "zebra7741"  # must not reach the log
    db = sqlite3.connect(DB, isolation_level=None)
    db.execute("ALTER TABLE events RENAME TO events_away")  # every read and write of the store fails now
    try:
        replies = chat.send(sender, f"i want to end my life {marker}")
    finally:
        db.execute("ALTER TABLE events_away RENAME TO events")
        db.close()
    assert replies and shows_crisis_lines(replies[0])
    assert_still_answering(server, chat)
    # what was stored before is intact, and the conversation goes on
    assert chat.send(sender, "thanks")
    assert _user_texts(sender)[0] == "hi" and _user_texts(sender)[-1] == "thanks"
    log = server.rasa.log_path.read_text(errors="replace")
    assert "Tracker store: could not store conversation" in log
    assert marker not in log


def test_a_sender_the_store_cannot_encode_does_not_stop_the_server(server, chat):
    body = b'{"sender": "\\ud800", "message": "i want to end my life"}'
    request = urllib.request.Request(f"{server.settings.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_WAIT) as response:  # noqa: S310 (loopback)
            replies = json.loads(response.read())
        assert replies and shows_crisis_lines(replies[0])
    except urllib.error.HTTPError as error:
        assert 400 <= error.code < 500  # the channel may refuse such a sender outright
    assert server.rasa.alive() and server.actions.alive()
    assert_still_answering(server, chat)


@pytest.mark.parametrize("text", ["/greet@1.0 i want to end my life", "/affirm i want to kill myself",
                                  "/greet i want to kill myself"])
def test_a_typed_payload_does_not_skip_the_risk_check(chat, text):
    replies = chat.send(chat.new_sender(), text)
    assert replies and shows_crisis_lines(replies[0]), chat.text(replies)


def test_a_button_the_bot_offered_still_works(chat):
    sender = chat.new_sender()
    first = chat.send(sender, "can stress cause back pain?")
    assert "/request_next_step" in chat.payloads(first)
    assert "Posture" in chat.text(chat.send(sender, "/request_next_step"))


def test_the_model_was_warmed_up_before_the_server_answered_and_nothing_was_stored(server):
    log = server.rasa.log_path.read_text(errors="replace")
    assert "Model warmed up in" in log, "bot/runtime/warm_up.py did not run"
    assert log.index("Model warmed up in") < log.index("Rasa server is up and running")
    with sqlite3.connect(DB) as db:
        stored = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'unknot-warm-up'").fetchone()[0]
    assert stored == 0
