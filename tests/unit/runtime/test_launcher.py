import os
import signal
import sys
import time

import pytest

from bot.runtime.launcher import Process, child_env, http_ok, rasa_server_cmd
from bot.runtime.supervisor import RUNNING, Supervisor, WatchdogPolicy
from bot.settings import ROOT, load_settings
from tests.support.ports import free_port


def test_children_never_phone_home_and_get_every_setting():
    env = child_env(load_settings({"RASA_PORT": "5105", "ACTION_PORT": "5155"}))
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["RASA_PORT"] == "5105" and env["ACTION_SERVER_URL"] == "http://127.0.0.1:5155/webhook"


def test_http_api_is_off_without_a_jwt_secret_and_on_with_one(tmp_path):
    model = tmp_path / "m.tar.gz"
    assert "--enable-api" not in rasa_server_cmd(load_settings({}), model)
    cmd = rasa_server_cmd(load_settings({"RASA_JWT_SECRET": "a-long-random-secret"}), model)
    assert cmd[cmd.index("--jwt-secret") + 1] == "a-long-random-secret" and "--enable-api" in cmd
    assert cmd[cmd.index("--interface") + 1] == "127.0.0.1"


def test_every_child_gets_the_same_signing_key():
    settings = load_settings({"UNKNOT_ENV": "test"})
    first, second = child_env(settings), child_env(settings)
    assert first["SECRET_KEY"] and first["SECRET_KEY"] == second["SECRET_KEY"] == settings.signing_key()
    assert child_env(load_settings({"SECRET_KEY": "k" * 40}))["SECRET_KEY"] == "k" * 40


def test_the_stack_runs_the_web_app_on_its_port(tmp_path):
    from bot.runtime.launcher import Stack

    stack = Stack(load_settings({"WEB_PORT": "8123"}), tmp_path / "m.tar.gz")
    assert [p.name for p in stack.processes] == ["action server", "Rasa server", "web app"]
    assert stack.web.health_url == "http://127.0.0.1:8123/healthz"
    assert stack.web.cmd[-2:] == ["bot", "web"]
    assert [p.name for p in Stack(load_settings({}), tmp_path / "m", with_web=False).processes] == [
        "action server", "Rasa server"]


# ---------------------------------------------------------------- the supervisor
# Tiny real child processes (tests/fakes/health_child.py); short intervals, and
# generous timeouts only as a failure guard (no wall-clock assertions).

FAKE_CHILD = ROOT / "tests" / "fakes" / "health_child.py"
QUICK = WatchdogPolicy(interval=0.1, timeout=0.5, failures=3, start_timeout=30.0, backoff_first=0.2,
                       backoff_max=0.8, stable_after=3600.0)


def fake_child(tmp_path, name: str, answer_after: float = 0.0) -> Process:
    port = free_port()
    return Process(name, [sys.executable, str(FAKE_CHILD), str(port), "--answer-after", str(answer_after)],
                   f"http://127.0.0.1:{port}/health", tmp_path / f"{name.replace(' ', '-')}.log", cwd=tmp_path)


@pytest.fixture
def supervised(tmp_path):
    """Build a Supervisor over fake children; every child is SIGKILLed afterwards."""
    made = []

    def build(*processes: Process, policy: WatchdogPolicy = QUICK):
        lines = []
        supervisor = Supervisor(processes, dict(os.environ), policy, say=lines.append)
        supervisor.lines = lines
        supervisor.start_all()
        made.append(supervisor)
        return supervisor

    yield build
    for supervisor in made:
        for child in supervisor.children:
            if child.process.popen is not None and child.process.popen.poll() is None:
                os.kill(child.process.popen.pid, signal.SIGCONT)  # a stopped child too
            child.process.kill()


def drive(supervisor: Supervisor, until, timeout: float = 60.0) -> None:
    """step() until `until()` holds (the timeout only guards against a hang)."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "\n".join(supervisor.lines) or "no supervisor output"
        supervisor.step()
        time.sleep(0.02)


def running_and_answering(supervisor: Supervisor, process: Process) -> bool:
    return supervisor.child(process).phase == RUNNING and http_ok(process.health_url, 0.5)


def test_backoff_doubles_and_is_capped():
    policy = WatchdogPolicy(backoff_first=1.0, backoff_max=30.0)
    assert [policy.backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_the_watchdog_settings_have_defaults_and_can_be_shortened():
    policy = WatchdogPolicy.from_settings(load_settings({}))
    assert (policy.interval, policy.timeout, policy.failures, policy.backoff_max) == (5, 5, 3, 30)
    assert policy == WatchdogPolicy()  # the settings' defaults are the policy's
    short = WatchdogPolicy.from_settings(load_settings({
        "WATCHDOG_INTERVAL_SECONDS": "1", "WATCHDOG_TIMEOUT_SECONDS": "1", "WATCHDOG_FAILURES": "2",
        "START_TIMEOUT_SECONDS": "60", "RESTART_BACKOFF_MAX_SECONDS": "4"}))
    assert (short.interval, short.timeout, short.failures, short.start_timeout, short.backoff_max) == (1, 1, 2, 60, 4)
    env_example = (ROOT / ".env.example").read_text()
    for name in ("WATCHDOG_INTERVAL_SECONDS", "WATCHDOG_TIMEOUT_SECONDS", "WATCHDOG_FAILURES",
                 "START_TIMEOUT_SECONDS", "RESTART_BACKOFF_MAX_SECONDS"):
        assert f"\n{name}=" in env_example


def test_a_dead_child_is_restarted_with_backoff_and_the_others_keep_running(supervised, tmp_path):
    actions, rasa = fake_child(tmp_path, "action server"), fake_child(tmp_path, "Rasa server")
    supervisor = supervised(actions, rasa)
    drive(supervisor, lambda: running_and_answering(supervisor, actions) and running_and_answering(supervisor, rasa))
    rasa_pid = rasa.popen.pid
    for attempt, delay in ((1, "0.2"), (2, "0.4"), (3, "0.8"), (4, "0.8")):
        old_pid = actions.popen.pid
        http_ok(actions.health_url.replace("/health", "/exit?code=3"), 0.5)  # the child exits with code 3
        drive(supervisor, lambda old=old_pid: actions.popen.pid != old and running_and_answering(supervisor, actions))
        assert f"The action server exited with code 3. Restarting it in {delay} s (attempt {attempt}); " \
               f"log: {actions.log_path}" in supervisor.lines
        assert f"The action server is answering again (attempt {attempt})." in supervisor.lines
    assert rasa.popen.pid == rasa_pid and supervisor.child(rasa).restarts == 0
    assert not any("Rasa server" in line for line in supervisor.lines)
    assert "supervisor: restarting the action server (attempt 4): it exited with code 3" in actions.log_path.read_text()


def test_the_backoff_starts_again_after_a_healthy_while(supervised, tmp_path):
    actions = fake_child(tmp_path, "action server")
    supervisor = supervised(actions, policy=WatchdogPolicy(interval=0.1, timeout=0.5, backoff_first=0.2,
                                                           stable_after=0.5))
    for _ in range(2):
        drive(supervisor, lambda: running_and_answering(supervisor, actions))
        os.killpg(actions.popen.pid, signal.SIGKILL)
        drive(supervisor, lambda: supervisor.child(actions).phase != RUNNING)
        # healthy for longer than stable_after before each kill: every restart is attempt 1
        drive(supervisor, lambda: running_and_answering(supervisor, actions)
              and supervisor.child(actions).attempts == 0)
    restarts = [line for line in supervisor.lines if "Restarting" in line]
    assert restarts == [(f"The action server was killed by SIGKILL. Restarting it in 0.2 s (attempt 1); "
                         f"log: {actions.log_path}")] * 2


def test_a_child_that_stops_answering_is_killed_and_restarted(supervised, tmp_path):
    rasa, web = fake_child(tmp_path, "Rasa server"), fake_child(tmp_path, "web app")
    supervisor = supervised(rasa, web)
    drive(supervisor, lambda: running_and_answering(supervisor, rasa) and running_and_answering(supervisor, web))
    hung = rasa.popen
    os.kill(hung.pid, signal.SIGSTOP)  # alive, port open, never answers; SIGTERM would wait forever
    drive(supervisor, lambda: rasa.popen is not hung and running_and_answering(supervisor, rasa))
    assert hung.returncode == -signal.SIGKILL
    assert any(line.startswith("The Rasa server stopped answering (3 health checks of ")
               and "in a row failed, 0.5 s each, no answer for " in line
               and "s); killed it with SIGKILL. Restarting it in 0.2 s (attempt 1)" in line
               for line in supervisor.lines), supervisor.lines
    assert supervisor.child(web).restarts == 0


def test_a_child_that_pauses_for_less_than_the_watchdogs_patience_is_not_killed(supervised, tmp_path):
    busy = fake_child(tmp_path, "Rasa server")
    supervisor = supervised(busy)  # patience: 3 failed checks of 0.5 s, 0.1 s apart
    drive(supervisor, lambda: running_and_answering(supervisor, busy))
    pid = busy.popen.pid
    os.kill(pid, signal.SIGSTOP)  # a busy event loop: no answers for a while (the first message once took 9 s)
    pause_ends = time.monotonic() + 0.7
    drive(supervisor, lambda: time.monotonic() > pause_ends)
    assert supervisor.child(busy).failed_checks >= 1  # it did miss checks ...
    os.kill(pid, signal.SIGCONT)
    drive(supervisor, lambda: supervisor.child(busy).failed_checks == 0)
    assert busy.popen.pid == pid and supervisor.lines == []  # ... and was left alone


def test_a_healthy_child_and_a_slow_starter_are_never_restarted(supervised, tmp_path):
    steady, slow = fake_child(tmp_path, "web app"), fake_child(tmp_path, "Rasa server", answer_after=2.0)
    supervisor = supervised(steady, slow)
    pids = (steady.popen.pid, slow.popen.pid)
    # The slow one fails many more checks than `failures` while it starts: that is its grace.
    drive(supervisor, lambda: running_and_answering(supervisor, slow))
    deadline = time.monotonic() + 1.5
    drive(supervisor, lambda: time.monotonic() > deadline)  # and a while of checks after
    assert (steady.popen.pid, slow.popen.pid) == pids
    assert supervisor.lines == [] and all(c.restarts == 0 for c in supervisor.children)


def test_a_child_that_cannot_be_started_is_tried_again_and_the_others_are_fine(supervised, tmp_path):
    broken, steady = fake_child(tmp_path, "action server"), fake_child(tmp_path, "web app")
    supervisor = supervised(broken, steady)
    drive(supervisor, lambda: running_and_answering(supervisor, broken))
    broken.cmd = [str(tmp_path / "no-such-program")]  # e.g. the venv was removed under it
    os.killpg(broken.popen.pid, signal.SIGKILL)
    drive(supervisor, lambda: sum("could not be started" in line for line in supervisor.lines) >= 2)
    assert "(attempt 3)" in supervisor.lines[-1] and "FileNotFoundError" in supervisor.lines[-1]
    assert running_and_answering(supervisor, steady) and supervisor.child(steady).restarts == 0


def test_a_child_that_never_answers_is_restarted_after_the_start_timeout(supervised, tmp_path):
    stuck = fake_child(tmp_path, "Rasa server", answer_after=3600)
    supervisor = supervised(stuck, policy=WatchdogPolicy(interval=0.1, timeout=0.5, start_timeout=1.0,
                                                         backoff_first=0.2))
    first = stuck.popen
    drive(supervisor, lambda: stuck.popen is not first)
    assert first.returncode == -signal.SIGKILL
    assert supervisor.lines[0].startswith(f"The Rasa server did not answer {stuck.health_url} within 1 s of "
                                          "starting; killed it with SIGKILL. Restarting it in 0.2 s (attempt 1)")
