"""`make bench`: Unknot against the stock Rasa starter assistant, side by side.

    python -m tools.perf.bench [--quick] [--train] [--bots unknot,starter]

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
import json
import math
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bot.settings import ROOT
from tests.support.conversations import conversation, long_messages
from tools.perf.load import long_conversation, run_conversations
from tools.perf.processes import (
    BENCH_DIR,
    UNKNOT_MODEL,
    BotUnderTest,
    _run,
    ensure_starter,
    load_average,
    rss_mb,
    starter_bot,
    unknot_bot,
)
from tools.perf.profile import Profiler, profile_summary
from tools.perf.report import compare, flat_figures, format_table
from tools.perf.stats import Batch, median, summarize_repetitions

DEFAULT_JSON = BENCH_DIR / "bench.json"


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
            from bot.storage.tracker_store import remove_sqlite_files

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
    saved: Dict[str, Any] = {k: tuple(v) if k == "levels" else v for k, v in report.get("plan", {}).items()}
    plan = Plan(**saved)
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
