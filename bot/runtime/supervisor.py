"""Keep `make run`'s children up: restart a child that exits, and kill and restart
one that stops answering its health URL.

A person in crisis can only be helped by a bot that is up, and the crisis lines
need only the Rasa server (SafetyPolicy answers with responses Rasa renders
itself): so one child's trouble never stops the others. Two failure kinds:
  - a child exits (a crash, an OOM kill): restarted after a backoff;
  - a child is alive but its HTTP layer hangs (seen: the Rasa server spinning at
    100% CPU after one hostile request, ignoring SIGTERM): after
    `failures` health checks in a row fail, its process group gets SIGKILL and
    it is restarted like a crashed one.
A (re)started child is left alone until it first answers, or until
`start_timeout` has passed (the Rasa server loads its model for 30-60 s).

The backoff doubles per restart in a row (1 s, 2 s, 4 s ... capped at
`backoff_max`) so a child that crashes on start does not spin; after the child
has been healthy for `stable_after` seconds the next restart is attempt 1 again.

`step()` does one round (no threads, no sleeping), so tests drive it with tiny
real child processes; `run()` is the loop `make run` uses.
"""
from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from bot.runtime.launcher import Process, http_ok
from bot.settings import ROOT, Settings

STARTING, RUNNING, WAITING = "starting", "running", "waiting to restart"


@dataclass(frozen=True)
class WatchdogPolicy:
    # Patience: a running child is killed only after about failures x (interval +
    # timeout) seconds without an answer, 25-30 s by default. Not less: the Rasa
    # server answers health checks on the event loop that also computes replies;
    # before the warm-up (bot/runtime/warm_up.py) a freshly started one blocked it for 9 s
    # on its first message (2 busy cores), and a loaded machine still makes
    # replies slow. A kill then would cut that reply (maybe crisis lines) and cost
    # a model load (14 s quiet, 30-90 s loaded).
    interval: float = 5.0  # seconds between two health checks of one child
    timeout: float = 5.0  # seconds one health check may take
    failures: int = 3  # health checks in a row a running child may fail before it is killed
    start_timeout: float = 600.0  # seconds a (re)started child has to answer for the first time
    backoff_first: float = 1.0
    backoff_max: float = 30.0
    stable_after: float = 60.0  # healthy this long: the restart count starts again at 1

    @classmethod
    def from_settings(cls, settings: Settings) -> "WatchdogPolicy":
        return cls(interval=settings.watchdog_interval_seconds, timeout=settings.watchdog_timeout_seconds,
                   failures=settings.watchdog_failures, start_timeout=settings.start_timeout_seconds,
                   backoff_max=settings.restart_backoff_max_seconds,
                   stable_after=max(60.0, 2.0 * settings.restart_backoff_max_seconds))

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before restart number `attempt` (1, 2, ...) in a row."""
        return min(self.backoff_first * 2 ** max(attempt - 1, 0), self.backoff_max)


@dataclass
class Child:
    process: Process
    phase: str = STARTING
    since: float = 0.0  # when the current phase began
    healthy_since: Optional[float] = None  # start of the current run of passed checks
    last_answer: Optional[float] = None  # the last passed check
    failed_checks: int = 0
    attempts: int = 0  # restarts in a row, without a stable period between them
    restarts: int = 0  # restarts in all
    next_check: float = 0.0
    restart_at: float = 0.0
    reason: str = ""  # why the child is waiting to restart


def exit_reason(returncode: Optional[int]) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def shown_path(path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def say_with_time(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Supervisor:
    def __init__(self, processes: Sequence[Process], env: Dict[str, str], policy: WatchdogPolicy = WatchdogPolicy(),
                 say: Callable[[str], None] = say_with_time, clock: Callable[[], float] = time.monotonic) -> None:
        self.env = env
        self.policy = policy
        self.say = say
        self.clock = clock
        now = clock()
        # Children handed over already started (Stack.start) are treated as just
        # started: the first answer ends their grace.
        self.children: List[Child] = [Child(p, since=now, next_check=now) for p in processes]

    def start_all(self) -> None:
        """Start the children that are not running (Stack.start does it for `make run`)."""
        now = self.clock()
        for child in self.children:
            if not child.process.alive():
                child.process.start(self.env)
                child.phase, child.since, child.next_check = STARTING, now, now

    def child(self, process: Process) -> Child:
        return next(c for c in self.children if c.process is process)

    def run(self, should_stop: Callable[[], bool], tick: float = 0.5) -> None:
        while not should_stop():
            self.step()
            time.sleep(tick)

    def step(self) -> None:
        for child in self.children:
            try:
                self._step(child)
            except Exception as error:  # noqa: BLE001 (the supervisor must outlive any one child's trouble)
                self.say(f"Supervising the {child.process.name} failed ({error.__class__.__name__}: {error}); "
                         "trying again.")

    def _step(self, child: Child) -> None:
        process, now = child.process, self.clock()
        if child.phase == WAITING:
            if now >= child.restart_at:
                self._restart(child, now)
            return
        if not process.alive():
            process.kill_leftovers()
            self._schedule_restart(child, now, exit_reason(process.popen.returncode if process.popen else None))
            return
        if now < child.next_check:
            return
        healthy = http_ok(process.health_url, timeout=self.policy.timeout)
        now = self.clock()  # a failed check may have taken the whole timeout
        child.next_check = now + self.policy.interval
        if healthy:
            self._passed(child, now)
        elif child.phase == STARTING:
            if now - child.since >= self.policy.start_timeout:
                self._kill_and_restart(child, now, f"did not answer {process.health_url} within "
                                                   f"{self.policy.start_timeout:g} s of starting")
        else:
            child.failed_checks += 1
            child.healthy_since = None
            if child.failed_checks >= self.policy.failures:
                silent = f", no answer for {now - child.last_answer:.0f} s" if child.last_answer is not None else ""
                self._kill_and_restart(child, now, f"stopped answering ({child.failed_checks} health checks of "
                                                   f"{process.health_url} in a row failed, {self.policy.timeout:g} s "
                                                   f"each{silent})")

    def _passed(self, child: Child, now: float) -> None:
        if child.phase == STARTING:
            child.phase, child.since = RUNNING, now
            if child.restarts:
                self.say(f"The {child.process.name} is answering again (attempt {child.attempts}).")
        child.failed_checks, child.last_answer = 0, now
        if child.healthy_since is None:
            child.healthy_since = now
        if child.attempts and now - child.healthy_since >= self.policy.stable_after:
            child.attempts = 0

    def _kill_and_restart(self, child: Child, now: float, reason: str) -> None:
        # SIGKILL, not SIGTERM: a hung process may ignore SIGTERM (the Rasa server did).
        child.process.kill()
        self._schedule_restart(child, now, reason + "; killed it with SIGKILL")

    def _schedule_restart(self, child: Child, now: float, reason: str) -> None:
        child.attempts += 1
        delay = self.policy.backoff(child.attempts)
        child.phase, child.since, child.restart_at, child.reason = WAITING, now, now + delay, reason
        child.healthy_since, child.failed_checks, child.last_answer = None, 0, None
        self.say(f"The {child.process.name} {reason}. Restarting it in {delay:g} s (attempt {child.attempts}); "
                 f"log: {shown_path(child.process.log_path)}")

    def _restart(self, child: Child, now: float) -> None:
        process = child.process
        try:
            process.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(process.log_path, "a") as log:  # where the old run ends and the new one starts
                log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} supervisor: restarting the {process.name} "
                          f"(attempt {child.attempts}): it {child.reason} ---\n")
            process.start(self.env)
        except OSError as error:  # e.g. the disk is full: try again later, never give up on the bot
            self._schedule_restart(child, now, f"could not be started ({error.__class__.__name__}: {error})")
            return
        child.restarts += 1
        child.phase, child.since, child.next_check = STARTING, now, now
