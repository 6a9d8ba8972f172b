"""Fuzz suite: hostile and unlucky inputs on every channel of the running stack (issue 15).

The cases come from tests/integration/fuzz_corpus.py: a fixed seed and fixed counts (REST 260,
socket.io 150, Telegram 150). For every case the suite asserts what a person relies on:
- the server answers 2xx or 4xx (socket.io: an acknowledgement), never a 5xx, a hang or a reset;
- no answer leaks a stack trace or a file path;
- the server is still up (checked every few cases: an abort names the case that stopped it);
- a case that carries a risk sentence intact (`Case.risk`) is accepted and its reply shows the
  crisis lines: over-long, with invisible or control characters, or behind a typed payload;
- afterwards a conversation stored before the fuzzing is intact, every stored row of the fuzzed
  conversations parses, and an ordinary message still gets an ordinary answer.
Loopback only. Time is only a failure guard (per-request timeouts), never an assertion.
"""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest
import socketio

from bot.safety.resources import shows_crisis_lines
from tests.fakes.telegram_api import parse_html
from tests.integration.fuzz_corpus import (
    REST_CASES,
    SOCKETIO_CASES,
    TELEGRAM_CASES,
    Case,
    all_cases,
)
from tests.support.stack import TEST_DIR

pytestmark = pytest.mark.slow

REQUEST_TIMEOUT = 90
HEALTH_EVERY = 20
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"/|\.py\", line \d+|\bsqlalchemy\.|\bsanic\.exceptions")


@pytest.fixture(scope="module")
def cases() -> Dict[str, List[Case]]:
    return all_cases()


def test_the_corpus_is_fixed_and_big_enough(cases):
    assert [len(cases[c]) for c in ("rest", "socketio", "telegram")] == [REST_CASES, SOCKETIO_CASES, TELEGRAM_CASES]
    assert sum(len(v) for v in cases.values()) >= 500
    again = all_cases()
    assert [c.body for c in again["rest"]] == [c.body for c in cases["rest"]]  # the seed fixes every case
    assert sum(c.risk for c in cases["rest"]) >= 40 and sum(c.risk for c in cases["socketio"]) >= 25


def _post(url: str, body: bytes, content_type: Optional[str], headers: Optional[Dict[str, str]] = None
          ) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers or {}))
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    else:
        request.add_unredirected_header("Content-Type", "")  # urllib would add a form content type
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _up(stack) -> bool:
    try:
        with urllib.request.urlopen(f"{stack.settings.rasa_url}/", timeout=30) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stored_rows(sender: str) -> List[str]:
    with sqlite3.connect(TEST_DIR / "unknot-test.db") as db:
        return [row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def _user_texts(sender: str) -> List[str]:
    return [e.get("text") for e in map(json.loads, _stored_rows(sender)) if e["event"] == "user"]


@pytest.fixture(scope="module")
def canary(chat) -> Tuple[str, List[str]]:
    """A conversation stored before any fuzzing; it must come out of it unchanged."""
    sender = f"canary-{uuid.uuid4().hex[:10]}"
    for text in ("hi", "can stress cause back pain?"):
        assert chat.send(sender, text)
    return sender, _stored_rows(sender)


def _check_answer(case: Case, status: int, body: str, failures: List[str]) -> Optional[Any]:
    if not (200 <= status < 500):
        failures.append(f"{case.name}: HTTP {status}")
    if TRACE.search(body):
        failures.append(f"{case.name}: the answer leaks a stack trace: {body[:200]!r}")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _run_http(stack, cases: List[Case], url: str, headers: Dict[str, str], failures: List[str],
              after_each=None) -> int:
    accepted = 0
    for i, case in enumerate(cases):
        try:
            status, body = _post(url, case.body, case.content_type, headers)
        except (urllib.error.URLError, OSError) as error:  # a reset or a timeout: the server choked
            failures.append(f"{case.name}: no answer ({error})")
            status, body = 0, ""
        answer = _check_answer(case, status, body, failures)
        accepted += 200 <= status < 300
        if after_each is not None:
            after_each(case, status, answer)
        if (i + 1) % HEALTH_EVERY == 0 or status == 0 or status >= 500:
            if not _up(stack):
                pytest.fail(f"the server stopped answering after case {i} ({case.name}); "
                            f"earlier failures: {failures[:20]}")
    return accepted


def test_rest_fuzz(stack, chat, cases, canary):
    failures: List[str] = []

    def after_each(case: Case, status: int, answer: Any) -> None:
        if not case.risk:
            return
        if not (200 <= status < 300) or not isinstance(answer, list):
            failures.append(f"{case.name}: a risk message was not answered ({status})")
        elif not any(shows_crisis_lines(reply) for reply in answer):
            failures.append(f"{case.name}: a risk message got no crisis lines")

    accepted = _run_http(stack, cases["rest"], f"{stack.settings.rasa_url}/webhooks/rest/webhook", {},
                         failures, after_each)
    assert not failures, f"{len(failures)} of {len(cases['rest'])} REST cases failed:\n" + "\n".join(failures[:40])
    assert accepted >= REST_CASES // 2  # most cases are well-formed messages that must be answered
    sender, rows = canary
    assert _stored_rows(sender) == rows, "a conversation stored before the fuzzing changed"
    for case in cases["rest"]:
        if case.sender and any(_stored_rows(case.sender)):
            [json.loads(row) for row in _stored_rows(case.sender)]  # every stored row still parses
    reply = chat.text(chat.send(sender, "can stress cause back pain?"))
    assert reply and not shows_crisis_lines({"text": reply})


class _Socket:
    def __init__(self, url: str, origin: str) -> None:
        self.url, self.origin = url, origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.bot: List[Dict[str, Any]] = []
        self.sio.on("bot_uttered", self.bot.append)

    async def call_until_dropped(self, event: str, data: Any, timeout: float = 30) -> Any:
        """sio.call, but a transport the server dropped (a packet over its body limit gets
        a 413 on the polling POST) ends the wait at once instead of after the timeout."""
        call = asyncio.ensure_future(self.sio.call(event, data, timeout=timeout))
        while not call.done():
            if not self.sio.connected:
                call.cancel()
                raise socketio.exceptions.TimeoutError()
            await asyncio.wait({call}, timeout=0.1)
        return call.result()

    async def wait_for_lines(self, since: int, timeout: float = 90) -> bool:
        for _ in range(int(timeout * 10)):
            if any(shows_crisis_lines(m) for m in self.bot[since:]):
                return True
            await asyncio.sleep(0.1)
        return False


def test_socketio_fuzz(stack, cases):
    url, origin = stack.settings.rasa_url, stack.settings.allowed_origins[0]
    failures: List[str] = []

    oversize_drops: List[str] = []

    def oversize(case: Case) -> bool:
        """A packet over the Rasa server's body limit (64 KB by default, 413 on its polling POST)."""
        return len(json.dumps(case.data, default=str)) > 60_000

    async def scenario() -> None:
        client = _Socket(url, origin)
        await client.sio.connect(url, headers={"Origin": origin}, transports=["polling"], socketio_path="/socket.io")
        await client.sio.emit("session_request", {})
        await asyncio.sleep(1)
        for i, case in enumerate(cases["socketio"]):
            since = len(client.bot)
            known = case.event in ("user_uttered", "session_request", "history_request")
            args = () if not case.has_data else (case.data,)
            try:
                if known:
                    # engine.io cannot decode it, so no acknowledgement is expected: listen a while
                    patience = 5 if case.extra.get("undecodable") else 30
                    answer = await client.call_until_dropped(case.event, args if args else None, patience)
                    if TRACE.search(json.dumps(answer, default=str)):
                        failures.append(f"{case.name}: the acknowledgement leaks a stack trace")
                else:
                    await client.sio.emit(case.event, args if args else None)
                    answer = None
            except socketio.exceptions.TimeoutError:
                if not (oversize(case) or case.extra.get("undecodable")):
                    failures.append(f"{case.name}: no acknowledgement")
                answer = None
            except socketio.exceptions.BadNamespaceError:
                pytest.fail(f"the socket was dropped after case {i} ({case.name}); earlier: {failures[:20]}")
            if oversize(case) and not client.sio.connected:
                # The server refused the packet with a 413 (RASA_REQUEST_MAX_BYTES) and the client
                # dropped its transport: the widget reconnects, and so does this client.
                await client.sio.eio.disconnect(abort=True)
                client = _Socket(url, origin)
                await client.sio.connect(url, headers={"Origin": origin}, transports=["polling"],
                                         socketio_path="/socket.io")
                await client.sio.emit("session_request", {})
                await asyncio.sleep(1)
                oversize_drops.append(case.name)
                continue
            if case.event == "session_request":
                await asyncio.sleep(0.5)  # a new session may be bound; the next cases use it
            if case.risk:
                if not (isinstance(answer, dict) and answer.get("ok")):
                    failures.append(f"{case.name}: a risk message was refused: {str(answer)[:120]}")
                elif not await client.wait_for_lines(since):
                    failures.append(f"{case.name}: a risk message got no crisis lines")
            if (i + 1) % HEALTH_EVERY == 0 and not client.sio.connected:
                pytest.fail(f"the socket was dropped after case {i} ({case.name}); earlier: {failures[:20]}")
        # still usable: an ordinary message is acknowledged and answered
        since = len(client.bot)
        answer = await client.sio.call("user_uttered", {"message": "can stress cause back pain?",
                                                        "client_id": uuid.uuid4().hex}, timeout=30)
        assert answer and answer.get("ok"), answer
        for _ in range(900):
            if len(client.bot) > since:
                break
            await asyncio.sleep(0.1)
        assert len(client.bot) > since, "no answer to an ordinary message after the fuzzing"
        await client.sio.eio.disconnect(abort=True)

    asyncio.new_event_loop().run_until_complete(scenario())
    assert _up(stack)
    assert not failures, f"{len(failures)} of {len(cases['socketio'])} socket.io cases failed:\n" + "\n".join(failures[:40])


def test_telegram_fuzz(stack, telegram_api, cases):
    telegram_api.wait_for(lambda: telegram_api.recorded("setWebhook", ok=True), what="setWebhook")
    url = f"{stack.settings.rasa_url}/webhooks/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": telegram_api.secret_token}
    failures: List[str] = []
    pending: List[Case] = []

    def after_each(case: Case, status: int, answer: Any) -> None:
        if case.risk:
            if not (200 <= status < 300):
                failures.append(f"{case.name}: a risk message was refused ({status})")
            else:
                pending.append(case)

    _run_http(stack, cases["telegram"], url, headers, failures, after_each)
    for case in pending:  # the webhook answers first and the bot replies after; check the lines
        def lines_sent(chat_id: Any = case.sender) -> bool:
            return any(shows_crisis_lines({"text": parse_html(str(call.params.get("text", "")))})
                       for call in telegram_api.sent(chat_id))
        try:
            telegram_api.wait_for(lines_sent, timeout=120, what=f"crisis lines for {case.name}")
        except AssertionError:
            failures.append(f"{case.name}: a risk message got no crisis lines on Telegram")
    assert _up(stack)
    assert not failures, f"{len(failures)} of {len(cases['telegram'])} Telegram cases failed:\n" + "\n".join(failures[:40])
