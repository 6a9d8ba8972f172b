"""`make bench`: Unknot against the stock Rasa starter assistant, side by side.

    python -m bot.bench [--quick] [--train] [--bots unknot,starter]

For each bot, in one run on this machine, served the same way (REST channel,
`rasa run` + its action server, same flags, same HTTP client):

  cold start   seconds from launching both servers to the first correct answer
               to a fixed greeting (polled every 0.25 s)
  memory       resident size (RSS) of the Rasa server and of the action server
               after the load below
  load         latency p50/p95/p99 and throughput (messages/s) with 1, 10 and 50
               concurrent conversations, each a fresh conversation of 10 turns
               drawn from the bot's own test messages; errors counted
  growth       latency of turn 5 and of turn 100 of one long conversation, the
               same message at both turns (median of 5 conversations)
  training     seconds of a full `rasa train --force` from scratch (only with
               --train; otherwise the last measured figure is carried over, with
               the date it was measured)

The bots are measured interleaved, not one after the other: cold starts take
turns, then both servers run side by side and every load level, repetition
and long conversation goes to one bot and then the other, in alternating order,
so a change in the machine's speed during the run (these shared machines
drift by up to a third) falls on both bots alike.

Warm-up messages are excluded; every figure is the median of --repeat
repetitions. The table (both bots, ratio Unknot / starter, targets) is printed
and written as JSON to var/bench/bench.json, with the load average of the
machine before and after, since other jobs on the machine change the figures.

The starter bot is `rasa init --no-prompt` in var/bench/starter/project, with
its own default config. Its trained model is cached under var/bench/starter/
keyed by a hash of its files, so repeated runs do not retrain it.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from bot.settings import ROOT, load_settings

BENCH_DIR = ROOT / "var" / "bench"
STARTER_DIR = BENCH_DIR / "starter"
STARTER_PROJECT = STARTER_DIR / "project"
DEFAULT_JSON = BENCH_DIR / "bench.json"
UNKNOT_MODEL = ROOT / "models" / "unknot.tar.gz"

# Ports (the 57xx/58xx range is free on the shared development machine).
UNKNOT_PORTS = (5705, 5755)
STARTER_PORTS = (5805, 5855)

# Environment variables through which Unknot's launcher tunes its children.
# The starter runs with none of them: it is served the way `rasa run` comes.
TUNING_VARS = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS", "OMP_NUM_THREADS",
               "MALLOC_ARENA_MAX", "UNKNOT_SPEEDUPS", "MAX_CONCURRENT_MESSAGES", "TRACKER_WINDOW_TURNS")

# What each target asks of Unknot, as (figure, comparison, bound). Ratios are
# Unknot / starter in the same run, except "growth", which is Unknot's turn-100
# latency over its own turn-5 latency.
TARGETS: Tuple[Tuple[str, str, float], ...] = (
    ("throughput_c10", ">=", 2.0),
    ("throughput_c50", ">=", 2.0),
    ("p95_c1", "<=", 0.5),
    ("p95_c10", "<=", 0.5),
    ("p95_c50", "<=", 0.5),
    ("cold_start_s", "<=", 0.5),
    ("rasa_rss_mb", "<=", 0.8),
    ("growth", "<=", 1.3),
)


# ----------------------------------------------------------------- statistics
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between the closest
    ranks (numpy's default). NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    data = sorted(values)
    if not data:
        return math.nan
    if len(data) == 1:
        return float(data[0])
    position = (len(data) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (position - low))


def median(values: Iterable[float]) -> float:
    data = [v for v in values if v is not None and not math.isnan(v)]
    return float(statistics.median(data)) if data else math.nan


def ratio(numerator: Optional[float], denominator: Optional[float]) -> float:
    """numerator / denominator, NaN when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    if denominator == 0:
        return math.nan
    return numerator / denominator


@dataclass
class Batch:
    """One load run: every message's latency (seconds), errors, wall time."""
    latencies: List[float]
    errors: int
    wall_s: float
    empty_replies: int = 0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_s if self.wall_s > 0 else math.nan

    def summary(self) -> Dict[str, float]:
        return {"p50_ms": percentile(self.latencies, 50) * 1000, "p95_ms": percentile(self.latencies, 95) * 1000,
                "p99_ms": percentile(self.latencies, 99) * 1000, "throughput": self.throughput,
                "errors": self.errors, "empty_replies": self.empty_replies, "messages": len(self.latencies),
                "wall_s": self.wall_s}


def summarize_repetitions(batches: Sequence[Batch]) -> Dict[str, Any]:
    """Median of each figure over the repetitions; errors are summed."""
    summaries = [b.summary() for b in batches]
    out: Dict[str, Any] = {key: median(s[key] for s in summaries)
                           for key in ("p50_ms", "p95_ms", "p99_ms", "throughput")}
    out["errors"] = int(sum(s["errors"] for s in summaries))
    out["empty_replies"] = int(sum(s["empty_replies"] for s in summaries))
    out["messages"] = int(sum(s["messages"] for s in summaries))
    out["repetitions"] = [{k: round(v, 3) if isinstance(v, float) else v for k, v in s.items()} for s in summaries]
    return out


# ------------------------------------------------------------ figures + table
def flat_figures(result: Dict[str, Any]) -> Dict[str, float]:
    """One bot's results as a flat {figure: value} dict (the table's rows)."""
    figures: Dict[str, float] = {}
    figures["cold_start_s"] = result.get("cold_start_s", math.nan)
    figures["rasa_rss_mb"] = result.get("rasa_rss_mb", math.nan)
    figures["actions_rss_mb"] = result.get("actions_rss_mb", math.nan)
    for level, stats in sorted(result.get("load", {}).items(), key=lambda kv: int(kv[0])):
        for key in ("throughput", "p50_ms", "p95_ms", "p99_ms", "errors"):
            name = "throughput" if key == "throughput" else key.replace("_ms", "")
            figures[f"{name}_c{level}"] = stats.get(key, math.nan)
    growth = result.get("growth") or {}
    if growth:
        figures["turn_early_ms"] = growth.get("early_ms", math.nan)
        figures["turn_late_ms"] = growth.get("late_ms", math.nan)
        figures["growth"] = ratio(growth.get("late_ms"), growth.get("early_ms"))
    training = result.get("training") or {}
    figures["train_s"] = training.get("seconds", math.nan)
    return figures


FIGURE_LABELS = {
    "cold_start_s": "cold start (s)",
    "rasa_rss_mb": "Rasa server RSS (MB)",
    "actions_rss_mb": "action server RSS (MB)",
    "turn_early_ms": "turn {early} latency (ms)",
    "turn_late_ms": "turn {late} latency (ms)",
    "growth": "turn {late} / turn {early}",
    "train_s": "rasa train from scratch (s)",
}


def label(figure: str, early: int = 5, late: int = 100) -> str:
    if figure in FIGURE_LABELS:
        return FIGURE_LABELS[figure].format(early=early, late=late)
    match = re.fullmatch(r"(throughput|p50|p95|p99|errors)_c(\d+)", figure)
    if match:
        name, level = match.groups()
        unit = {"throughput": "msg/s", "errors": "count"}.get(name, "ms")
        return f"{name} @{level} conv ({unit})"
    return figure


def target_for(figure: str) -> Optional[Tuple[str, float]]:
    for name, op, bound in TARGETS:
        if name == figure:
            return op, bound
    return None


def check_target(figure: str, unknot: float, starter: float) -> Optional[bool]:
    """True/False when the figure has a target and both values exist; None otherwise.
    "growth" is checked on Unknot's own value; everything else on the ratio."""
    target = target_for(figure)
    if target is None:
        return None
    op, bound = target
    value = unknot if figure == "growth" else ratio(unknot, starter)
    if value is None or math.isnan(value):
        return None
    return value >= bound if op == ">=" else value <= bound


def _rank(figure: str) -> Tuple[int, int, int]:
    """Table order: start-up and memory, load by concurrency, growth, training."""
    fixed = ["cold_start_s", "rasa_rss_mb", "actions_rss_mb"]
    if figure in fixed:
        return (0, 0, fixed.index(figure))
    match = re.fullmatch(r"(throughput|p50|p95|p99|errors)_c(\d+)", figure)
    if match:
        return (1, int(match.group(2)), ["throughput", "p50", "p95", "p99", "errors"].index(match.group(1)))
    late = ["turn_early_ms", "turn_late_ms", "growth", "train_s"]
    return (2, 0, late.index(figure)) if figure in late else (3, 0, 0)


def compare(unknot: Dict[str, float], starter: Dict[str, float]) -> List[Dict[str, Any]]:
    """Rows of the table: figure, both values, the ratio, the target and whether it is met."""
    rows = []
    for figure in sorted(dict.fromkeys(list(unknot) + list(starter)), key=_rank):
        u, s = unknot.get(figure, math.nan), starter.get(figure, math.nan)
        target = target_for(figure)
        rows.append({"figure": figure, "unknot": u, "starter": s, "ratio": ratio(u, s),
                     "target": f"{target[0]} {target[1]:g}" + ("" if figure != "growth" else " (Unknot's own)")
                     if target else "", "met": check_target(figure, u, s)})
    return rows


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 100):
        return f"{int(value)}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_table(rows: Sequence[Dict[str, Any]], early: int = 5, late: int = 100) -> str:
    """A Markdown table: figure | Unknot | starter | Unknot/starter | target | met."""
    header = ["figure", "Unknot", "starter", "Unknot / starter", "target", "met"]
    lines = [header]
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        lines.append([label(row["figure"], early, late), _fmt(row["unknot"]), _fmt(row["starter"]),
                      _fmt(row["ratio"]) + ("x" if not math.isnan(row["ratio"]) else ""), row["target"], met])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) if i < 4 else cell.ljust(widths[i])
                 for i, cell in enumerate(line)]
        out.append("| " + " | ".join(cells) + " |")
        if index == 0:
            out.append("|" + "|".join("-" * (w + 2) if i == 0 or i >= 4 else "-" * (w + 1) + ":"
                                       for i, w in enumerate(widths)) + "|")
    return "\n".join(out)


# ----------------------------------------------------------------- messages
_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def strip_markup(text: str) -> str:
    """'[box breathing](exercise)' -> 'box breathing' (Rasa's entity annotations)."""
    return _MARKUP.sub(r"\1", text).strip()


def nlu_examples(path: Path) -> List[str]:
    """Every example text of a Rasa NLU yml file."""
    data = yaml.safe_load(path.read_text()) or {}
    texts = []
    for item in data.get("nlu") or []:
        block = item.get("examples") if isinstance(item, dict) else None
        if not block or "intent" not in item:
            continue
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = strip_markup(line[2:])
                if text:
                    texts.append(text)
    return texts


def story_messages(path: Path) -> List[str]:
    """The `user:` texts of a test stories file (button payloads starting with '/' skipped)."""
    data = yaml.safe_load(path.read_text()) or {}
    texts = []
    for story in data.get("stories") or []:
        for step in story.get("steps") or []:
            text = step.get("user") if isinstance(step, dict) else None
            if text and not text.strip().startswith("/"):
                texts.append(strip_markup(text.strip()))
    return texts


def conversation(pool: Sequence[str], turns: int, seed: str) -> List[str]:
    """A repeatable conversation of `turns` messages drawn from pool."""
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(turns)]


def long_messages(pool: Sequence[str], turns: int, early_turn: int, seed: str) -> List[str]:
    """The long conversation: drawn like the others, except that its last turn
    repeats the message of `early_turn`, so the two latencies compared differ in
    how long the conversation is, not in which message was sent (a crisis reply
    takes twice as long as a greeting)."""
    messages = conversation(pool, turns, seed)
    messages[-1] = messages[early_turn - 1]
    return messages


# ----------------------------------------------------------------- the client
@dataclass
class Reply:
    latency: float
    ok: bool
    replies: List[Dict[str, Any]] = field(default_factory=list)
    status: int = 0
    error: str = ""


async def post_message(session, url: str, sender: str, text: str, timeout: float = 180.0,
                       headers: Optional[Dict[str, str]] = None) -> Reply:
    """POST one message to a REST channel and time it; never raises."""
    import aiohttp

    start = time.perf_counter()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            body = await response.read()
            latency = time.perf_counter() - start
            if response.status != 200:
                return Reply(latency, False, status=response.status, error=body[:200].decode(errors="replace"))
            return Reply(latency, True, json.loads(body), status=200)
    except Exception as error:  # noqa: BLE001 (every failure is counted as an error)
        return Reply(time.perf_counter() - start, False, error=f"{type(error).__name__}: {error}")


async def run_conversations(url: str, conversations: Sequence[Tuple[str, Sequence[str]]],
                            timeout: float = 180.0) -> Batch:
    """Run the conversations concurrently (each one turn after the other)."""
    import aiohttp

    latencies: List[float] = []
    counts = {"errors": 0, "empty": 0}

    async def one(session, sender: str, messages: Sequence[str]) -> None:
        for text in messages:
            reply = await post_message(session, url, sender, text, timeout)
            if reply.ok:
                latencies.append(reply.latency)
                counts["empty"] += not reply.replies
            else:
                counts["errors"] += 1

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(one(session, sender, messages) for sender, messages in conversations))
        wall = time.perf_counter() - start
    return Batch(latencies, counts["errors"], wall, counts["empty"])


async def long_conversation(url: str, messages: Sequence[str], timeout: float = 180.0) -> List[Optional[float]]:
    """One conversation, turn after turn; each turn's latency (None for an error)."""
    import aiohttp

    sender = f"bench-long-{uuid.uuid4().hex[:10]}"
    out: List[Optional[float]] = []
    async with aiohttp.ClientSession() as session:
        for text in messages:
            reply = await post_message(session, url, sender, text, timeout)
            out.append(reply.latency if reply.ok else None)
    return out


def send_once(url: str, sender: str, text: str, timeout: float = 10.0) -> Optional[List[Dict[str, Any]]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
        return None


def reply_text(replies: Optional[List[Dict[str, Any]]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies or [])


# ------------------------------------------------------------------ processes
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
    actions: Any  # bot.launcher.Process
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
                    from bot.launcher import tail
                    raise RuntimeError(f"{self.name}: {process.name} exited; see {process.log_path}:\n"
                                       f"{tail(process.log_path)}")
            replies = send_once(self.url, f"bench-cold-{uuid.uuid4().hex[:8]}", self.hello)
            if replies is not None and self.expect.lower() in reply_text(replies).lower():
                return time.monotonic() - start
            time.sleep(0.25)
        raise RuntimeError(f"{self.name}: no correct answer to {self.hello!r} within {timeout:.0f}s")


def _port_answers(url: str) -> bool:
    from bot.launcher import http_ok
    return http_ok(url, timeout=1.0)


def stock_env() -> Dict[str, str]:
    """The environment `rasa run` gets when nobody tunes it (telemetry still off)."""
    env = {k: v for k, v in os.environ.items() if k not in TUNING_VARS}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    return env


def unknot_bot(model: Path, ports: Tuple[int, int] = UNKNOT_PORTS) -> BotUnderTest:
    from bot.launcher import Process, action_server_cmd, child_env, rasa_server_cmd

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
        from bot.launcher import tail
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}); see {log_path}:\n{tail(log_path)}")
    return time.monotonic() - start


def starter_bot(model: Path, ports: Tuple[int, int] = STARTER_PORTS) -> BotUnderTest:
    from bot.launcher import Process

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


# ------------------------------------------------------------------ the run
@dataclass
class Plan:
    levels: Tuple[int, ...] = (1, 10, 50)
    turns: int = 10
    repeat: int = 3
    cold_repeat: int = 3
    long_turns: int = 100
    early_turn: int = 5
    warmup: int = 10
    long_repeat: int = 5  # long conversations per bot; one turn each is a noisy figure

    @classmethod
    def quick(cls) -> "Plan":
        return cls(levels=(1, 3), turns=3, repeat=1, cold_repeat=1, long_turns=10, early_turn=5, warmup=3,
                   long_repeat=1)


class Profiler:
    """py-spy attached to a running server while the load runs (--profile)."""

    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        binary = Path(sys.executable).with_name("py-spy")
        self.popen = subprocess.Popen([str(binary if binary.exists() else "py-spy"), "record", "--pid", str(pid),
                                       "--rate", "50", "--format", "raw", "--nonblocking", "-o", str(out)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        import signal
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def profile_summary(path: Path, top: int = 30, match: str = "") -> str:
    """Inclusive and self share of samples per function, from py-spy's raw (collapsed) output.
    Idle event-loop time (select/epoll) is left out of the total."""
    inclusive: Dict[str, int] = {}
    own: Dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [re.sub(r" \(.*?site-packages/", " (", f) for f in stack.split(";")]
        if any(key in frames[-1] for key in ("select (selectors.py", "poll (selectors.py", "_run_once (", "wait (threading.py")):
            continue
        count = int(count_text)
        total += count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    if not total:
        return "no busy samples"
    rows = [f"{total} busy samples"]
    rows.append("inclusive:")
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        if match in frame and len(rows) < top + 2:
            rows.append(f"  {100 * count / total:5.1f}%  {frame}")
    rows.append("self:")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        rows.append(f"  {100 * count / total:5.1f}%  {frame}")
    return "\n".join(rows)


def measure_bots(bots: Sequence[BotUnderTest], plan: Plan, log: Callable[[str], None] = print,
                 profile: bool = False) -> Dict[str, Dict[str, Any]]:
    """Every figure of every bot, measured interleaved: cold starts take turns
    (one server starting at a time), then both bots run side by side and each
    load level, repetition and long conversation goes to one bot, then the
    other, in alternating order (A B, B A, ...). The speed of these shared
    machines drifts during a run (the same code measured 24 and 34 ms of CPU
    per message ten minutes apart), and measuring one bot after the other
    charged the drift to whichever came second."""
    results: Dict[str, Dict[str, Any]] = {
        bot.name: {"load_before": load_average(), "messages_in_pool": len(bot.messages), "load": {}} for bot in bots}
    colds: Dict[str, List[float]] = {bot.name: [] for bot in bots}

    def turns(rep: int) -> Sequence[BotUnderTest]:
        return list(bots) if rep % 2 == 0 else list(reversed(bots))

    running: List[BotUnderTest] = []
    try:
        for rep in range(plan.cold_repeat):
            last = rep == plan.cold_repeat - 1
            for bot in turns(rep):
                bot.start()
                running.append(bot)
                colds[bot.name].append(bot.wait_first_answer())
                log(f"  {bot.name}: cold start {colds[bot.name][-1]:.1f}s (repetition {rep + 1}/{plan.cold_repeat})")
                if not last:  # the last start stays up for the load; an idle server takes no CPU
                    bot.stop()
                    running.remove(bot)
        for bot in bots:
            results[bot.name]["cold_start_s"] = median(colds[bot.name])
            results[bot.name]["cold_start_repetitions"] = colds[bot.name]
            # Warm-up, excluded: the first messages after start trace TF graphs and fill caches.
            asyncio.run(run_conversations(bot.url, [(f"bench-warm-{uuid.uuid4().hex[:8]}",
                                                     conversation(bot.messages, plan.warmup, "warm"))]))
        profilers = {bot.name: Profiler(bot.rasa.popen.pid, BENCH_DIR / f"profile-{bot.name}.txt")
                     for bot in bots} if profile else {}
        for level in plan.levels:
            batches: Dict[str, List[Batch]] = {bot.name: [] for bot in bots}
            for rep in range(plan.repeat):
                for bot in turns(rep):
                    convs = [(f"bench-{bot.name}-c{level}-r{rep}-{i}-{uuid.uuid4().hex[:6]}",
                              conversation(bot.messages, plan.turns, f"{level}-{rep}-{i}")) for i in range(level)]
                    batches[bot.name].append(asyncio.run(run_conversations(bot.url, convs)))
                    s = batches[bot.name][-1].summary()
                    log(f"  {bot.name}: {level:>3} conversations: {s['throughput']:.1f} msg/s, "
                        f"p95 {s['p95_ms']:.0f} ms, {s['errors']} errors")
            for bot in bots:
                results[bot.name]["load"][str(level)] = summarize_repetitions(batches[bot.name])
        for name, profiler in profilers.items():
            profiler.stop()
            results[name]["profile"] = str(profiler.out)
        early: Dict[str, List[Optional[float]]] = {bot.name: [] for bot in bots}
        late: Dict[str, List[Optional[float]]] = {bot.name: [] for bot in bots}
        for rep in range(plan.long_repeat):
            for bot in turns(rep):
                messages = long_messages(bot.messages, plan.long_turns, plan.early_turn, f"long-{rep}")
                times = asyncio.run(long_conversation(bot.url, messages))
                early[bot.name].append(times[plan.early_turn - 1])
                late[bot.name].append(times[-1])
                log(f"  {bot.name}: long conversation: turn {plan.early_turn} "
                    f"{_ms(times[plan.early_turn - 1])}, turn {plan.long_turns} {_ms(times[-1])}")
        for bot in bots:
            e, l_ = early[bot.name], late[bot.name]
            results[bot.name]["growth"] = {"early_turn": plan.early_turn, "late_turn": plan.long_turns,
                                           "early_ms": median(x * 1000 for x in e if x is not None),
                                           "late_ms": median(x * 1000 for x in l_ if x is not None),
                                           "errors": sum(x is None for x in e + l_)}
            results[bot.name]["rasa_rss_mb"] = rss_mb(bot.rasa.popen.pid)
            results[bot.name]["actions_rss_mb"] = rss_mb(bot.actions.popen.pid)
    finally:
        for bot in running:
            bot.stop()
    for bot in bots:
        results[bot.name]["load_after"] = load_average()
    return results


def measure_bot(bot: BotUnderTest, plan: Plan, log: Callable[[str], None] = print,
                profile: bool = False) -> Dict[str, Any]:
    return measure_bots([bot], plan, log, profile)[bot.name]


def _ms(value: Optional[float]) -> str:
    return "error" if value is None else f"{value * 1000:.0f} ms"


def measure_training(bot: BotUnderTest, log: Callable[[str], None] = print) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"unknot-bench-train-{bot.name}-") as out:
        log(f"  {bot.name}: rasa train --force (from scratch)...")
        before = load_average()
        seconds = _run(bot.train(Path(out)), bot.train_cwd, bot.env, BENCH_DIR / "log" / f"{bot.name}-train.log")
    log(f"  {bot.name}: trained in {seconds:.0f}s")
    return {"seconds": seconds, "measured_at": before["at"], "load_before": before, "load_after": load_average(),
            "this_run": True}


def previous_training(path: Path, name: str) -> Dict[str, Any]:
    """The last from-scratch training figure of a bot from an earlier bench.json, marked as carried over."""
    try:
        old = json.loads(path.read_text())["bots"][name]["training"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not old or "seconds" not in old:
        return {}
    return {**old, "this_run": False}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def build_report(bots: Dict[str, Dict[str, Any]], plan: Plan, meta: Dict[str, Any]) -> Dict[str, Any]:
    unknot = flat_figures(bots.get("unknot", {}))
    starter = flat_figures(bots.get("starter", {}))
    rows = compare(unknot, starter)
    return {"meta": meta, "plan": plan.__dict__, "bots": bots, "figures": {"unknot": unknot, "starter": starter},
            "table": rows, "targets": {r["figure"]: r["met"] for r in rows if r["met"] is not None}}


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny settings, to check the tool itself")
    parser.add_argument("--train", action="store_true", help="also time a full `rasa train --force` of each bot")
    parser.add_argument("--bots", default="unknot,starter")
    parser.add_argument("--model", default=str(UNKNOT_MODEL))
    parser.add_argument("--repeat", type=int, help="repetitions of each load figure (default 3)")
    parser.add_argument("--cold-repeat", type=int, help="cold starts per bot (default 3)")
    parser.add_argument("--levels", help="concurrent conversations, comma-separated (default 1,10,50)")
    parser.add_argument("--long-turns", type=int, help="turns of the long conversation (default 100)")
    parser.add_argument("--out", default=str(DEFAULT_JSON))
    parser.add_argument("--profile", action="store_true",
                        help="record the Rasa servers with py-spy during the load (var/bench/profile-<bot>.txt); "
                             "profiling slows them down, so the figures of such a run are not comparable")
    parser.add_argument("--train-only", action="store_true",
                        help="only time `rasa train --force` of each bot and add it to the existing JSON")
    parser.add_argument("--summarize-profile", metavar="FILE", help="print where the time went in a py-spy profile")
    args = parser.parse_args(argv)
    if args.summarize_profile:
        print(profile_summary(Path(args.summarize_profile), top=40))
        return 0

    plan = Plan.quick() if args.quick else Plan()
    if args.repeat:
        plan.repeat = args.repeat
    if args.cold_repeat:
        plan.cold_repeat = args.cold_repeat
    if args.long_turns:
        plan.long_turns = args.long_turns
    if args.levels:
        plan.levels = tuple(int(x) for x in args.levels.split(","))
    out = Path(args.out)
    names = [n.strip() for n in args.bots.split(",") if n.strip()]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    model = Path(args.model)
    if "unknot" in names and not model.exists():
        print(f"No trained model at {model}: run `make train` first.", file=sys.stderr)
        return 1

    if args.train_only:
        return _train_only(names, model, out)

    meta = {"started": load_average(), "git_commit": git_commit(), "quick": args.quick, "host_cpus": os.cpu_count(),
            "uptime_before": _uptime()}
    under_test: List[BotUnderTest] = []
    for name in names:
        if name == "unknot":
            from bot.tracker_store import remove_sqlite_files

            remove_sqlite_files(BENCH_DIR / "unknot-bench.db")
            bot = unknot_bot(model)
        elif name == "starter":
            bot = starter_bot(ensure_starter())
        else:
            print(f"unknown bot {name!r} (unknot, starter)", file=sys.stderr)
            return 2
        under_test.append(bot)
    print(f"== {', '.join(names)} (interleaved)", flush=True)
    bots = measure_bots(under_test, plan, profile=args.profile)
    for bot in under_test:
        bots[bot.name]["training"] = measure_training(bot) if args.train else previous_training(out, bot.name)
    meta["finished"] = load_average()
    meta["uptime_after"] = _uptime()
    report = build_report(bots, plan, meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_json_safe(report), indent=2))
    print()
    print(format_table(report["table"], plan.early_turn, plan.long_turns))
    print(f"\nload average before {meta['uptime_before']} | after {meta['uptime_after']} ({os.cpu_count()} CPUs)")
    for name, result in bots.items():
        training = result.get("training") or {}
        if training and not training.get("this_run"):
            print(f"{name}: training time carried over from a run at {training.get('measured_at')} "
                  f"(pass --train to measure it again)")
    print(f"written to {out}")
    return 0


def _train_only(names: Sequence[str], model: Path, out: Path) -> int:
    """Time a from-scratch training of each bot and merge it into an earlier bench.json."""
    report = json.loads(out.read_text()) if out.exists() else {"bots": {}, "meta": {}, "plan": Plan().__dict__}
    for name in names:
        bot = unknot_bot(model) if name == "unknot" else starter_bot(ensure_starter())
        report["bots"].setdefault(name, {})["training"] = measure_training(bot)
    plan = Plan(**{k: tuple(v) if k == "levels" else v for k, v in report.get("plan", {}).items()})
    merged = build_report(report["bots"], plan, report.get("meta", {}))
    out.write_text(json.dumps(_json_safe(merged), indent=2))
    print(format_table(merged["table"], plan.early_turn, plan.long_turns))
    print(f"written to {out}")
    return 0


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        one, five, fifteen = os.getloadavg()
        return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


if __name__ == "__main__":
    sys.exit(main())
