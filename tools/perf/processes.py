"""The bots under test: Unknot and the stock Rasa starter, started the same way;
their processes' memory and the machine's load."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from bot.settings import ROOT, load_settings
from tests.support.conversations import nlu_examples, story_messages
from tools.perf.load import reply_text, send_once

BENCH_DIR = ROOT / "var" / "bench"
STARTER_DIR = BENCH_DIR / "starter"
STARTER_PROJECT = STARTER_DIR / "project"
UNKNOT_MODEL = ROOT / "models" / "unknot.tar.gz"

# Ports (the 57xx/58xx range is free on the shared development machine).
UNKNOT_PORTS = (5705, 5755)
STARTER_PORTS = (5805, 5855)

# Environment variables through which Unknot's launcher tunes its children.
# The starter runs with none of them: it is served the way `rasa run` comes.
TUNING_VARS = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS",
               "MALLOC_ARENA_MAX", "UNKNOT_SPEEDUPS", "MAX_CONCURRENT_MESSAGES", "TRACKER_WINDOW_TURNS")


def rss_mb(pid: int) -> float:
    """Resident size of a process and all its descendants, in MB (from /proc)."""
    total_kb = 0
    for p in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def descendants(pid: int) -> List[int]:
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def load_average() -> Dict[str, Any]:
    one, five, fifteen = os.getloadavg()
    return {"1min": one, "5min": five, "15min": fifteen, "cpus": os.cpu_count(),
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


@dataclass
class BotUnderTest:
    """One bot as the bench drives it: how to start it, what to ask, what to expect."""
    name: str
    url: str
    env: Dict[str, str]
    actions: Any  # bot.runtime.launcher.Process
    rasa: Any
    hello: str
    expect: str
    messages: List[str]
    train: Callable[[Path], List[str]]  # out dir -> `rasa train --force` command
    train_cwd: Path = ROOT

    def start(self) -> None:
        for process in (self.actions, self.rasa):
            if _port_answers(process.health_url):
                raise RuntimeError(f"something already answers on {process.health_url}; stop it first")
        self.actions.start(self.env)
        self.rasa.start(self.env)

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def wait_first_answer(self, timeout: float = 900.0) -> float:
        """Seconds until the greeting gets its expected answer; polled every 0.25 s."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            for process in (self.actions, self.rasa):
                if not process.alive():
                    from bot.runtime.launcher import tail
                    raise RuntimeError(f"{self.name}: {process.name} exited; see {process.log_path}:\n"
                                       f"{tail(process.log_path)}")
            replies = send_once(self.url, f"bench-cold-{uuid.uuid4().hex[:8]}", self.hello)
            if replies is not None and self.expect.lower() in reply_text(replies).lower():
                return time.monotonic() - start
            time.sleep(0.25)
        raise RuntimeError(f"{self.name}: no correct answer to {self.hello!r} within {timeout:.0f}s")


def _port_answers(url: str) -> bool:
    from bot.runtime.launcher import http_ok
    return http_ok(url, timeout=1.0)


def stock_env() -> Dict[str, str]:
    """The environment `rasa run` gets when nobody tunes it (telemetry still off)."""
    env = {k: v for k, v in os.environ.items() if k not in TUNING_VARS}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    return env


def unknot_bot(model: Path, ports: Tuple[int, int] = UNKNOT_PORTS) -> BotUnderTest:
    from bot.runtime.launcher import (
        Process,
        action_server_cmd,
        child_env,
        rasa_server_cmd,
    )

    db = BENCH_DIR / "unknot-bench.db"
    settings = load_settings({"RASA_PORT": str(ports[0]), "ACTION_PORT": str(ports[1]), "UNKNOT_ENV": "test",
                              "DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "WARNING"})
    log_dir = BENCH_DIR / "log"
    messages = nlu_examples(ROOT / "tests" / "nlu" / "heldout.yml")

    def train(out: Path) -> List[str]:
        return [sys.executable, "-m", "rasa", "train", "--force", "--out", str(out),
                "--fixed-model-name", "unknot-from-scratch"]

    return BotUnderTest(
        name="unknot", url=settings.rasa_url, env=child_env(settings),
        actions=Process("Unknot action server", action_server_cmd(settings),
                        f"http://{settings.host}:{settings.action_port}/health", log_dir / "unknot-actions.log"),
        rasa=Process("Unknot Rasa server", rasa_server_cmd(settings, model), f"{settings.rasa_url}/",
                     log_dir / "unknot-rasa.log"),
        hello="hello", expect="I'm Unknot", messages=messages, train=train)


def starter_hash(project: Path) -> str:
    """Hash of the starter project's training inputs (the model cache key)."""
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*.yml")):
        rel = path.relative_to(project)
        if rel.parts[0] in {"models", "results", ".rasa"}:
            continue
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_starter(log: Callable[[str], None] = print) -> Path:
    """`rasa init --no-prompt` once into var/bench/starter/project, trained with its own
    default config; the model is cached under var/bench/starter/ by the hash of its files."""
    env = stock_env()
    if not (STARTER_PROJECT / "domain.yml").exists():
        log(f"rasa init --no-prompt --init-dir {STARTER_PROJECT} (creates and trains the starter bot)")
        STARTER_PROJECT.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(STARTER_PROJECT)],
             STARTER_PROJECT, env, BENCH_DIR / "log" / "starter-init.log")
    cached = STARTER_DIR / f"starter-{starter_hash(STARTER_PROJECT)}.tar.gz"
    if cached.exists():
        return cached
    trained = sorted((STARTER_PROJECT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not trained:
        log("training the starter bot (its own default config)")
        _run([sys.executable, "-m", "rasa", "train"], STARTER_PROJECT, env, BENCH_DIR / "log" / "starter-train.log")
        trained = sorted((STARTER_PROJECT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    shutil.copy2(trained[-1], cached)
    return cached


def _run(cmd: List[str], cwd: Path, env: Dict[str, str], log_path: Path) -> float:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log_path, "ab") as log:
        code = subprocess.call(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    if code != 0:
        from bot.runtime.launcher import tail
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}); see {log_path}:\n{tail(log_path)}")
    return time.monotonic() - start


def starter_bot(model: Path, ports: Tuple[int, int] = STARTER_PORTS) -> BotUnderTest:
    from bot.runtime.launcher import Process

    rasa_port, action_port = ports
    endpoints = STARTER_DIR / "endpoints-bench.yml"
    # The starter's own endpoints.yml with its action endpoint switched on (it ships commented out).
    endpoints.write_text(f"action_endpoint:\n  url: \"http://127.0.0.1:{action_port}/webhook\"\n")
    log_dir = BENCH_DIR / "log"
    messages = nlu_examples(STARTER_PROJECT / "data" / "nlu.yml")
    for path in sorted((STARTER_PROJECT / "tests").glob("*.yml")):
        messages += story_messages(path)
    python = sys.executable

    def train(out: Path) -> List[str]:
        return [python, "-m", "rasa", "train", "--force", "--out", str(out), "--fixed-model-name", "starter-from-scratch"]

    return BotUnderTest(
        name="starter", url=f"http://127.0.0.1:{rasa_port}", env=stock_env(),
        actions=Process("starter action server", [python, "-m", "rasa", "run", "actions", "--port", str(action_port)],
                        f"http://127.0.0.1:{action_port}/health", log_dir / "starter-actions.log", cwd=STARTER_PROJECT),
        rasa=Process("starter Rasa server",
                     [python, "-m", "rasa", "run", "--model", str(model), "--endpoints", str(endpoints),
                      "--credentials", str(STARTER_PROJECT / "credentials.yml"),
                      "--interface", "127.0.0.1", "--port", str(rasa_port)],
                     f"http://127.0.0.1:{rasa_port}/", log_dir / "starter-rasa.log", cwd=STARTER_PROJECT),
        hello="hello", expect="Hey! How are you?", messages=messages, train=train, train_cwd=STARTER_PROJECT)


