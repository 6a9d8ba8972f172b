"""How long the bot takes to recover, with `make run`'s supervisor and its
default settings (`make bench-recovery`, docs/deployment.md "make run keeps the bot up").

On a throwaway stack (own ports, SQLite file and logs under var/recovery, the
trained model, loopback only):
1. the stack started, and its first message answered (the model warm-up,
   bot/runtime/warm_up.py, moves TensorFlow's first-call cost before the first answer);
2. the action server SIGKILLed: does a risk message still get the crisis lines
   meanwhile, and when does the action server answer again;
3. the Rasa server SIGSTOPped (alive, port open, never answers: what the
   `Content-Length: -1` spin looked like): when does the watchdog kill it, when
   does `/` answer again, and when does a risk message get the crisis lines.
The watchdog settings are read from the environment like `make run` does;
nothing here is asserted, it prints what it measured (tests/integration/
test_supervisor.py checks the behaviour with shortened intervals).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, List, Optional

from bot.runtime.launcher import ROOT, Stack, http_ok
from bot.runtime.supervisor import RUNNING, Supervisor, WatchdogPolicy
from bot.safety.resources import shows_crisis_lines
from bot.settings import load_settings
from tests.support.ports import free_port
from tests.support.rest import rest_sender

WORK_DIR = ROOT / "var" / "recovery"
GIVE_UP = 600.0  # seconds; only so a broken run ends


def _wait(condition: Callable[[], bool], timeout: float = GIVE_UP) -> Optional[float]:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            return None
        time.sleep(0.2)
    return time.monotonic() - start


def _crisis_reply(send: Callable, text: str) -> bool:
    try:
        replies = send(f"recovery-{uuid.uuid4().hex[:12]}", text)
    except Exception:  # noqa: BLE001 - not answering yet is what is being timed
        return False
    return bool(replies) and shows_crisis_lines(replies[0])


def _fmt(seconds: Optional[float]) -> str:
    return "not within the give-up time" if seconds is None else f"{seconds:.1f} s"


def measure(model: Path) -> List[str]:
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    WORK_DIR.mkdir(parents=True)
    settings = load_settings({**os.environ, "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()),
                              "WEB_PORT": str(free_port()), "DATABASE_URL": f"sqlite:///{WORK_DIR / 'unknot.db'}",
                              "TELEGRAM_BOT_TOKEN": ""})
    policy = WatchdogPolicy.from_settings(settings)
    stack = Stack(settings, model, log_dir=WORK_DIR / "log", with_web=False)
    send = rest_sender(settings.rasa_url)
    lines = [f"watchdog: every {policy.interval:g} s, {policy.timeout:g} s timeout, {policy.failures} failures; "
             f"model {model.name}; load average {os.getloadavg()[0]:.1f}"]
    started = time.monotonic()
    stack.start()
    lines.append(f"stack started (action server + Rasa server answering): {time.monotonic() - started:.1f} s")
    first = time.monotonic()
    send(f"recovery-{uuid.uuid4().hex[:12]}", "hello")
    lines.append(f"first message's reply: {time.monotonic() - first:.2f} s (RASA_WARM_UP="
                 f"{os.environ.get('RASA_WARM_UP', '') or 'on'})")
    supervisor = Supervisor(stack.processes, stack.env, policy,
                            say=lambda message: lines.append(f"  supervisor: {message}"))
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop.is_set, 0.2), daemon=True)
    thread.start()
    try:
        _wait(lambda: all(c.phase == RUNNING for c in supervisor.children))
        actions_before = stack.actions.popen
        assert actions_before is not None  # running: the supervisor said so
        os.killpg(actions_before.pid, signal.SIGKILL)
        killed = time.monotonic()
        lines.append("action server SIGKILLed; a risk message meanwhile got the crisis lines: "
                     f"{_crisis_reply(send, 'i want to end my life')}")
        back = _wait(lambda: stack.actions.popen is not actions_before and http_ok(stack.actions.health_url, 2))
        lines.append(f"action server answering again: {_fmt(back and time.monotonic() - killed)} after the kill")

        _wait(lambda: all(c.phase == RUNNING for c in supervisor.children))
        hung = stack.rasa.popen
        assert hung is not None
        os.kill(hung.pid, signal.SIGSTOP)
        stopped = time.monotonic()
        lines.append(f"Rasa server SIGSTOPped (load average {os.getloadavg()[0]:.1f})")
        gone = _wait(lambda: hung.poll() is not None)
        lines.append(f"  killed by the watchdog: {_fmt(gone and time.monotonic() - stopped)} after SIGSTOP")
        up = _wait(lambda: stack.rasa.popen is not hung and http_ok(f"{settings.rasa_url}/", 2))
        lines.append(f"  answering / again: {_fmt(up and time.monotonic() - stopped)} after SIGSTOP")
        crisis = _wait(lambda: _crisis_reply(send, "i want to kill myself"))
        lines.append(f"  a risk message got the crisis lines: {_fmt(crisis and time.monotonic() - stopped)} "
                     "after SIGSTOP")
    finally:
        stop.set()
        thread.join(30)
        for process in stack.processes:
            if process.alive() and process.popen is not None:
                os.killpg(process.popen.pid, signal.SIGCONT)
            process.kill()
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "unknot.tar.gz")
    args = parser.parse_args(argv)
    for line in measure(args.model):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
