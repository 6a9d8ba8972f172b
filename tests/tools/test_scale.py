"""The scale test's verdict, the nginx config, and nginx's routing (against two
tiny stand-in replicas, so no Rasa model is needed)."""
import asyncio
import contextlib
import re
import threading

import pytest

from tests.support.services import ServiceUnavailable, fill_placeholders, render_nginx
from tools.perf import scale as scale_test
from tools.perf.scale import ConversationLog, check_conversations, passed

A, B = "127.0.0.1:5710", "127.0.0.1:5711"


def _log(sender, planned, replicas, acknowledged=None):
    log = ConversationLog(sender, planned)
    log.acknowledged = list(planned if acknowledged is None else acknowledged)
    log.replicas = replicas
    return log


def test_a_conversation_that_moved_replicas_with_everything_stored_passes():
    logs = [_log("s1", ["hi", "yes", "hi"], [B, B, A]), _log("s2", ["a", "b"], [A, A])]
    stored = {"s1": ["hi", "yes", "hi"], "s2": ["a", "b"]}
    verdict = check_conversations(logs, stored, killed=B)
    assert verdict["served_by_killed_replica"] == 1 and verdict["continued_on_other_replica"] == 1
    assert not verdict["lost"] and not verdict["duplicated"] and not verdict["incomplete"]
    assert passed(verdict, lock_errors=0)
    assert not passed(verdict, lock_errors=1)


def test_lost_duplicated_and_stuck_messages_are_caught():
    logs = [_log("lost", ["a", "b"], [B, A]), _log("dup", ["a", "b"], [B, A]),
            _log("stuck", ["a", "b"], [A, B]), _log("gave-up", ["a", "b"], [B], acknowledged=["a"])]
    logs[3].gave_up = ["b"]
    stored = {"lost": ["a"], "dup": ["a", "a", "b"], "stuck": ["a", "b"], "gave-up": ["a"]}
    verdict = check_conversations(logs, stored, killed=B)
    assert verdict["lost"] == [{"sender": "lost", "missing": ["b"]}]
    assert [(d["sender"], d["repeated"], d["stored"]) for d in verdict["duplicated"]] == [("dup", ["a"], ["a", "a", "b"])]
    assert verdict["stuck_on_killed_replica"] == ["gave-up"]
    assert verdict["finished_before_the_kill"] == 1  # "stuck" had its last answer from B: it was done
    assert verdict["incomplete"] == ["gave-up"]
    assert not passed(verdict, 0)


def test_out_of_order_is_not_a_pass():
    verdict = check_conversations([_log("s", ["a", "b"], [B, A])], {"s": ["b", "a"]}, killed=B)
    assert verdict["out_of_order_or_unexpected"] and not passed(verdict, 0)


def test_a_run_where_the_killed_replica_served_nobody_proves_nothing():
    verdict = check_conversations([_log("s", ["a"], [A])], {"s": ["a"]}, killed=B)
    assert not passed(verdict, 0)


def test_lock_errors_are_counted_from_the_logs(tmp_path):
    log = tmp_path / "rasa.log"
    log.write_text("INFO fine\nrasa.core.lock_store.LockError: Could not acquire lock\nINFO fine\n")
    assert scale_test.count_lock_errors([log, tmp_path / "missing.log"]) == 1


def test_nginx_config_routes_rest_by_conversation_and_socketio_by_client():
    text = render_nginx([A, B], "127.0.0.1:5780")
    assert not re.search(r"\{\{\w+\}\}", text)
    rest = text[text.index("upstream unknot_rest"):text.index("upstream unknot_socketio")]
    assert "hash $unknot_conversation consistent" in rest and A in rest and B in rest
    assert "$http_x_conversation_id" in text
    socketio = text[text.index("upstream unknot_socketio"):]
    assert "ip_hash" in socketio and "location /socket.io/" in text and "Upgrade $http_upgrade" in text
    assert "listen 127.0.0.1:5780;" in text and "pid /run/nginx.pid;" in text
    with pytest.raises(ValueError):
        render_nginx([])
    with pytest.raises(KeyError):
        fill_placeholders("{{nope}}", {})


def test_nginx_accepts_the_rendered_config():
    from tests.support.services import nginx_check

    try:
        result = nginx_check([A, B])
    except ServiceUnavailable as error:
        pytest.skip(str(error))
    assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def _fake_replica(port_holder, name):
    """A stand-in for a Rasa replica: answers the REST webhook with its own name."""
    from aiohttp import web

    from tests.fakes.local_http import start as serve_http

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state = {}

    async def webhook(request):
        body = await request.json()
        return web.json_response([{"recipient_id": body["sender"], "text": name}])

    async def start():
        port, state["runner"] = await serve_http({"/webhooks/rest/webhook": webhook})
        port_holder.append(port)
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield lambda: asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(10)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)


def test_nginx_keeps_a_conversation_on_one_replica_and_moves_it_when_that_one_dies():
    from tests.support.ports import free_port
    from tests.support.services import nginx_server

    ports_a, ports_b = [], []
    with _fake_replica(ports_a, "A"), _fake_replica(ports_b, "B") as stop_b:
        port = free_port()
        try:
            server = nginx_server([f"127.0.0.1:{ports_a[0]}", f"127.0.0.1:{ports_b[0]}"], port)
            server.__enter__()
        except ServiceUnavailable as error:
            pytest.skip(str(error))
        try:
            url = f"http://127.0.0.1:{port}"
            senders = [f"conv-{i}" for i in range(20)]
            convs = [(s, ["x", "y", "z"]) for s in senders]
            logs, _, _ = asyncio.run(scale_test.drive(url, convs, retries=0))
            by_sender = {log.sender: set(log.replicas) for log in logs}
            assert all(len(replicas) == 1 for replicas in by_sender.values())  # sticky
            assert len({r for rs in by_sender.values() for r in rs}) == 2      # both replicas used
            stop_b()
            logs, _, _ = asyncio.run(scale_test.drive(url, convs, retries=2, retry_wait=0.1))
            assert all(len(log.acknowledged) == 3 for log in logs)            # nothing lost
            assert {r for log in logs for r in log.replicas} == {f"127.0.0.1:{ports_a[0]}"}
        finally:
            server.__exit__(None, None, None)


def test_stored_messages_count_rasas_own_copies_once(tmp_path):
    """The two-stage fallback re-logs a confirmed message with the same message_id: one
    message. The same text under a new message_id was sent twice: a duplicate."""
    import json

    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'events.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, data TEXT)"))
        for sender, type_name, data in [("s", "user", {"text": "bak ache", "message_id": "m1"}),
                                        ("s", "action", {"name": "action_listen"}),
                                        ("s", "user", {"text": "bak ache", "message_id": "m1"}),  # clarification copy
                                        ("s", "user", {"text": "five", "message_id": "m2"}),
                                        ("s", "user", {"text": "five", "message_id": "m3"}),      # sent twice
                                        ("other", "user", {"text": "x", "message_id": "m9"})]:
            connection.execute(sa.text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, :t, :d)"),
                               {"s": sender, "t": type_name, "d": json.dumps(data)})
    engine.dispose()
    assert scale_test.stored_user_messages(url, ["s"]) == {"s": ["bak ache", "five", "five"]}
