"""Each runtime speedup on and off, interleaved, in one process (issue 7).

    python -m tools.perf.ab graph,rules,states [--rounds 8]

Loads the shipped model as Rasa's Agent in this process (SQLite tracker store
and conversation window as configured in endpoints.yml, Unknot's action server
started on its usual port), then sends the same fresh conversations (10 turns,
drawn from tests/nlu/heldout.yml; new ones every round) twice: once with the
named speedups (bot/runtime/rasa_patches/) replaced by Rasa's own methods, once with
them; the order alternates. It prints the CPU milliseconds per message of
each side and their ratio. Interleaving matters on these shared machines: the
same code measured 24 and 34 ms per message ten minutes apart, so figures
from separate runs cannot be compared. Speedups not named stay on in both.

Names: graph (the graph_runner patch), rules (rule_index), states (state_replay). (tf, DIET's direct TensorFlow call, went
with DIET in issue 13.)
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
import uuid
from typing import Any, Dict, List, Optional, Sequence

SPEEDUPS = {"graph": "graph_runner", "rules": "rule_index", "states": "state_replay"}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("speedups", help=f"comma-separated: {', '.join(SPEEDUPS)}")
    parser.add_argument("--rounds", type=int, default=8, help="rounds of 10 conversations per side")
    args = parser.parse_args(argv)
    tested = [n.strip() for n in args.speedups.split(",") if n.strip()]
    unknown = [n for n in tested if n not in SPEEDUPS]
    if unknown:
        print(f"unknown speedups {unknown}; known: {', '.join(SPEEDUPS)}", file=sys.stderr)
        return 2

    # The speedups go in here, without the admission gate, so each can be told apart;
    # the tracker store then puts in the rest (hardening, warm-up) as the server would.
    os.environ["UNKNOT_SPEEDUPS"] = "off"
    from bot.runtime import rasa_patches
    from bot.settings import ROOT, load_settings
    from bot.storage.tracker_store import remove_sqlite_files
    from tests.support.conversations import conversation as draw_conversation
    from tools.perf.processes import BENCH_DIR, UNKNOT_MODEL, unknot_bot

    rasa_patches.install(load_settings(), groups=["speedups"])
    off = {name: _replaced(rasa_patches, patch) for name, patch in SPEEDUPS.items()}

    def side(on: bool) -> None:
        for name in tested:
            for owner, attr, original, new in off[name]:
                setattr(owner, attr, new if on else original)

    db = BENCH_DIR / "bench-ab.db"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    remove_sqlite_files(db)
    bot = unknot_bot(UNKNOT_MODEL)
    os.environ.update(bot.env)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.chdir(ROOT)
    bot.actions.start(bot.env)
    try:
        from rasa.core.agent import Agent
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
        from rasa.core.lock_store import LockStore
        from rasa.core.tracker_store import TrackerStore
        from rasa.core.utils import AvailableEndpoints
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.INFO)
        logging.getLogger().setLevel(logging.WARNING)
        endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
        agent = Agent.load(str(UNKNOT_MODEL), tracker_store=TrackerStore.create(endpoints.tracker_store),
                           lock_store=LockStore.create(endpoints.lock_store), action_endpoint=endpoints.action)
        loop = asyncio.new_event_loop()

        def conversation(seed: str, replies: List[int]) -> float:
            async def go() -> float:
                sender, spent = f"ab-{uuid.uuid4().hex[:10]}", 0.0
                for text in draw_conversation(bot.messages, 10, seed):
                    out = CollectingOutputChannel()
                    start = time.process_time()
                    await agent.handle_message(UserMessage(text, out, sender))
                    spent += time.process_time() - start
                    replies.append(len(out.messages))
                return spent

            return loop.run_until_complete(go())

        bot.actions.wait_healthy(120)
        for i in range(4):  # warm-up: TF traces, caches
            conversation(f"warm-{i}", [])
        cpu: Dict[bool, List[float]] = {False: [], True: []}
        replies: Dict[bool, List[int]] = {False: [], True: []}
        for r in range(args.rounds):
            for c in range(10):
                for on in ((True, False) if (r + c) % 2 else (False, True)):
                    side(on)
                    cpu[on].append(conversation(f"ab-{r}-{c}", replies[on]))
        side(True)
        per = {on: 1000 * sum(v) / len(v) / 10 for on, v in cpu.items()}
        paired = statistics.median(b / a for a, b in zip(cpu[False], cpu[True]) if a > 0)
        print(f"{','.join(tested)}: off {per[False]:.2f} ms/msg, on {per[True]:.2f} ms/msg, "
              f"ratio {per[True] / per[False]:.3f} (median of paired conversations {paired:.3f}); "
              f"{len(cpu[True])} conversations per side; same number of replies in "
              f"{sum(a == b for a, b in zip(replies[False], replies[True]))}/{len(replies[True])} messages")
        loop.close()
    finally:
        bot.actions.stop()
    return 0


def _replaced(rasa_patches: Any, patch: str) -> List[Any]:
    """(owner, attribute, Rasa's own, the replacement) of each attribute one patch replaced."""
    entries = [(r.owner, r.name, r.original, r.new) for r in rasa_patches.replacements(patch)]
    if not entries:
        raise RuntimeError(f"the {patch} patch replaced nothing")
    return entries


if __name__ == "__main__":
    sys.exit(main())
