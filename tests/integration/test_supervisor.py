"""`make run`'s supervisor around one throwaway stack (issue 15): the action server
killed with SIGKILL never takes the Rasa server down, a risk message still gets the
crisis lines meanwhile, and the action server comes back; a hung Rasa server
(SIGSTOP: alive, port open, never answers, ignores SIGTERM) is SIGKILLed by the
health watchdog and restarted.

Own ports, own SQLite file and own logs (tmp), so it runs beside the session stack.
The watchdog's intervals are shortened through the same settings `make run` reads;
the waits are generous failure guards, not limits (the documented target, a hung
Rasa server back within about a minute, depends on the machine).
"""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest

from bot.runtime.launcher import Stack, http_ok
from bot.runtime.supervisor import RUNNING, Supervisor, WatchdogPolicy
from bot.safety.resources import shows_crisis_lines
from tests.support.ports import free_port
from tests.support.rest import rest_sender
from tests.support.stack import test_settings as stack_settings

pytestmark = pytest.mark.slow

# Quicker than make run's 25-30 s of patience, but not so quick that a busy Rasa server
# counts as hung: the first message after a (re)start blocked it for 9 s on a loaded machine,
# and a 1 s / 2 s / 3 checks watchdog killed it mid-reply. About 19 s here.
WATCHDOG_ENV = {"WATCHDOG_INTERVAL_SECONDS": "2", "WATCHDOG_TIMEOUT_SECONDS": "5", "WATCHDOG_FAILURES": "3",
                "RESTART_BACKOFF_MAX_SECONDS": "4", "START_TIMEOUT_SECONDS": "300"}
WARM_UP = "can stress cause back pain?"


class Supervised:
    def __init__(self, stack: Stack, supervisor: Supervisor, lines: list) -> None:
        self.stack, self.supervisor, self.lines = stack, supervisor, lines
        self.send = rest_sender(stack.settings.rasa_url)

    def reply_text(self, message: str) -> str:
        return "\n".join(r.get("text") or "" for r in self.send(f"sup-{uuid.uuid4().hex[:12]}", message))

    def restarts(self, name: str) -> list:
        return [line for line in self.lines if line.startswith(f"The {name} ") and "Restarting" in line]


def wait_until(condition, timeout: float, what: str, lines: list) -> float:
    """Seconds it took; fails (with the supervisor's output) only after a generous timeout."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what} not within {timeout:.0f} s; supervisor said: {lines}"
        time.sleep(0.5)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def supervised(test_model, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("supervisor")
    settings = stack_settings(RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), WEB_PORT=str(free_port()),
                             DATABASE_URL=f"sqlite:///{tmp / 'unknot.db'}", **WATCHDOG_ENV)
    stack = Stack(settings, test_model, log_dir=tmp / "log", with_web=False)
    stack.start()
    rest_sender(settings.rasa_url)(f"sup-{uuid.uuid4().hex[:12]}", WARM_UP)  # the slow first message, unwatched
    lines: list = []

    def say(message: str) -> None:
        lines.append(message)
        print(message, flush=True)

    supervisor = Supervisor(stack.processes, stack.env, WatchdogPolicy.from_settings(settings), say=say)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop.is_set, 0.2), daemon=True)
    thread.start()
    try:
        yield Supervised(stack, supervisor, lines)
    finally:
        stop.set()
        thread.join(30)
        for process in stack.processes:  # a child left stopped would sit out SIGTERM's whole timeout
            if process.alive():
                os.killpg(process.popen.pid, signal.SIGCONT)
            process.kill()


def test_the_action_server_killed_leaves_the_rasa_server_up_with_crisis_lines_and_comes_back(supervised):
    stack = supervised.stack
    wait_until(lambda: all(c.phase == RUNNING for c in supervised.supervisor.children), 120,
               "both children answering", supervised.lines)
    assert "Muscle tension" in supervised.reply_text(WARM_UP)  # a step action_guide sends
    rasa_before, actions_before = stack.rasa.popen, stack.actions.popen

    os.killpg(actions_before.pid, signal.SIGKILL)
    wait_until(lambda: not http_ok(stack.actions.health_url, 1), 30, "the action server gone", supervised.lines)
    replies = supervised.send(f"sup-{uuid.uuid4().hex[:12]}", "i want to end my life")
    assert replies and shows_crisis_lines(replies[0])

    took = wait_until(lambda: stack.actions.popen is not actions_before and http_ok(stack.actions.health_url, 2),
                      180, "the action server back", supervised.lines)
    print(f"action server answering again {took:.1f} s after the kill")
    assert "Muscle tension" in supervised.reply_text(WARM_UP)
    assert stack.rasa.popen is rasa_before and stack.rasa.alive() and not supervised.restarts("Rasa server")
    restart = supervised.restarts("action server")
    assert restart and restart[0].startswith("The action server was killed by SIGKILL. Restarting it in 1 s "
                                             "(attempt 1); log: ")
    assert len(restart) == 1
    assert restart[0].endswith("actions.log")


def test_a_hung_rasa_server_is_killed_by_the_watchdog_and_answers_again(supervised):
    stack = supervised.stack
    wait_until(lambda: all(c.phase == RUNNING for c in supervised.supervisor.children), 120,
               "both children answering", supervised.lines)
    hung, actions_before = stack.rasa.popen, stack.actions.popen
    os.kill(hung.pid, signal.SIGSTOP)  # alive, port open, never answers: what the Content-Length: -1 spin looks like

    took = wait_until(lambda: stack.rasa.popen is not hung and http_ok(f"{stack.settings.rasa_url}/", 2), 300,
                      "the Rasa server killed, restarted and answering", supervised.lines)
    print(f"hung Rasa server answering again {took:.1f} s after SIGSTOP (watchdog: {WATCHDOG_ENV})")
    assert hung.poll() == -signal.SIGKILL
    watchdog = [line for line in supervised.restarts("Rasa server") if "stopped answering" in line]
    assert watchdog and watchdog[0].startswith("The Rasa server stopped answering (3 health checks of ")
    assert "killed it with SIGKILL. Restarting it in 1 s (attempt 1); log: " in watchdog[0]
    replies = supervised.send(f"sup-{uuid.uuid4().hex[:12]}", "i want to kill myself")
    assert replies and shows_crisis_lines(replies[0])
    assert stack.actions.popen is actions_before  # the action server was left alone
