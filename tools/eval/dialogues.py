"""Multi-turn crisis dialogues, checked turn by turn over REST (part of `make eval-safety`).

    python -m tools.eval.dialogues [--model models/unknot.tar.gz] [--set FILE ...] [--no-action-server]

Starts the bot on loopback (ports 5306/5356, a throwaway SQLite), sends each dialogue as one
new conversation (the dialogue's metadata, e.g. a locale, on every message), and judges every
reply with `bot.safety.dialogue_judge`. A dialogue passes when every one of its turns passes.
`--no-action-server` stops the action server once the stack is up: the crisis conversation
must hold without it. Exit status 0 only when every dialogue passed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.safety.dialogue_judge import Dialogue, TurnResult, judge_turn, load_dialogues
from bot.settings import ROOT, load_settings
from tests.support.rest import Send, rest_sender

DIALOGUE_SETS = sorted((ROOT / "tests" / "safety" / "dialogues").glob("*.yml"))


def run_dialogue(send: Send, dialogue: Dialogue) -> List[TurnResult]:
    sender = f"dlg-{dialogue.id}-{uuid.uuid4().hex[:8]}"
    results = []
    for index, turn in enumerate(dialogue.turns):
        replies = send(sender, turn.user, dialogue.metadata)
        results.append(judge_turn(dialogue, index, replies))
    return results


def _excerpt(replies: List[Dict], width: int = 160) -> str:
    text = " | ".join((r.get("text") or "").replace("\n", " ") for r in replies) or "(no reply)"
    return text if len(text) <= width else text[: width - 1] + "…"


def report(results: Dict[str, List[TurnResult]], dialogues: Sequence[Dialogue]) -> str:
    by_cat: Counter = Counter()
    passed_cat: Counter = Counter()
    turns = sum(len(r) for r in results.values())
    turns_ok = sum(t.passed for r in results.values() for t in r)
    token_fail: Counter = Counter()
    lines: List[str] = []
    for d in dialogues:
        ok = all(t.passed for t in results[d.id])
        by_cat[d.category] += 1
        passed_cat[d.category] += ok
        for t in results[d.id]:
            token_fail.update(t.failed)
            if not t.passed:
                lines.append(f"  FAIL {d.id} turn {t.index + 1} {list(t.failed)}: "
                             f"{d.turns[t.index].user!r} -> {_excerpt(t.replies)}")
    n_ok = sum(passed_cat.values())
    head = [f"dialogues passed: {n_ok}/{len(dialogues)} ({n_ok / max(len(dialogues), 1):.1%}); "
            f"turns passed: {turns_ok}/{turns} ({turns_ok / max(turns, 1):.1%})",
            "per category: " + ", ".join(f"{c} {passed_cat[c]}/{by_cat[c]}" for c in sorted(by_cat)),
            "failed expectations: " + (", ".join(f"{k} {v}" for k, v in token_fail.most_common()) or "none")]
    return "\n".join(head + lines)


def run_all(send: Send, dialogues: Sequence[Dialogue]) -> Dict[str, List[TurnResult]]:
    return {d.id: run_dialogue(send, d) for d in dialogues}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "unknot.tar.gz"))
    parser.add_argument("--set", nargs="*", default=[str(p) for p in DIALOGUE_SETS])
    parser.add_argument("--no-action-server", action="store_true", help="stop the action server first")
    parser.add_argument("--url", help="use a running Rasa server instead of starting one")
    args = parser.parse_args(argv)
    ok = True
    sets = {Path(p).name: load_dialogues(p) for p in args.set}
    if args.url:
        return _run_sets(rest_sender(args.url), sets)
    from bot.runtime.launcher import Stack

    with tempfile.TemporaryDirectory(prefix="unknot-dialogues-") as tmp:
        settings = load_settings({"RASA_PORT": "5306", "ACTION_PORT": "5356", "UNKNOT_ENV": "test",
                                  "DATABASE_URL": f"sqlite:///{tmp}/dialogues.db", "LOG_LEVEL": "WARNING"})
        stack = Stack(settings, Path(args.model), log_dir=Path(tmp) / "log", with_web=False)
        print("starting the bot on 127.0.0.1:5306 for the crisis dialogues...", flush=True)
        stack.start()
        try:
            if args.no_action_server:
                stack.actions.stop()
                print("action server stopped: every reply below came without it", flush=True)
            ok = _run_sets(rest_sender(settings.rasa_url), sets) == 0
        finally:
            stack.stop()
    return 0 if ok else 1


def _run_sets(send: Send, sets: Dict[str, List[Dialogue]]) -> int:
    ok = True
    for name, dialogues in sets.items():
        results = run_all(send, dialogues)
        print(f"\n{name}:\n{report(results, dialogues)}", flush=True)
        ok = ok and all(t.passed for r in results.values() for t in r)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
