"""`make eval`: how well Unknot understands people, as macro-F1 per intent.

1. Held-out: an NLU model trained on data/nlu with the shipped config.yml is
   tested on tests/nlu/heldout.yml, which is never used in training.
2. 5-fold cross-validation over data/nlu with the same config.
Both use Rasa's own `rasa test nlu`; this script runs it and prints one table.
Results land in var/eval/ (summary.json plus Rasa's reports).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from bot.launcher import child_env
from bot.settings import ROOT, load_settings

EVAL_DIR = ROOT / "var" / "eval"
SKIP_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def run_rasa(*args: str) -> None:
    cmd = [sys.executable, "-m", "rasa", *args]
    print("$", " ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=child_env(load_settings()), check=True)


def read_report(path: Path) -> Dict[str, Dict[str, float]]:
    return json.loads(path.read_text())


def per_intent(report: Dict[str, Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    return {k: v for k, v in report.items() if k not in SKIP_KEYS and isinstance(v, dict)}


def macro_f1(report: Dict[str, Dict[str, float]]) -> float:
    scores = [v["f1-score"] for v in per_intent(report).values()]
    return sum(scores) / len(scores) if scores else 0.0


def format_table(heldout: Optional[dict], cv: Optional[dict]) -> str:
    intents = sorted(set(per_intent(heldout or {})) | set(per_intent(cv or {})))
    rows: List[str] = [f"{'intent':32} {'held-out F1':>12} {'n':>4} {'5-fold CV F1':>13} {'n':>5}"]
    for name in intents:
        h = (heldout or {}).get(name) or {}
        c = (cv or {}).get(name) or {}
        hf = f"{h['f1-score']:.3f}" if h else "-"
        cf = f"{c['f1-score']:.3f}" if c else "-"
        rows.append(f"{name:32} {hf:>12} {int(h.get('support', 0)):>4} {cf:>13} {int(c.get('support', 0)):>5}")
    rows.append("")
    if heldout:
        rows.append(f"held-out macro-F1: {macro_f1(heldout):.3f}   accuracy: {heldout.get('accuracy', 0):.3f}")
    if cv:
        rows.append(f"5-fold CV macro-F1: {macro_f1(cv):.3f}   accuracy: {cv.get('accuracy', 0):.3f}")
    return "\n".join(rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-cv", action="store_true", help="only the held-out test")
    parser.add_argument("--out", default=str(EVAL_DIR))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    run_rasa("train", "nlu", "--config", args.config, "--nlu", "data/nlu", "--out", str(out / "models"),
             "--fixed-model-name", "nlu")
    run_rasa("test", "nlu", "--model", str(out / "models" / "nlu.tar.gz"), "--nlu", "tests/nlu/heldout.yml",
             "--out", str(out / "heldout"))
    heldout = read_report(out / "heldout" / "intent_report.json")
    cv = None
    if not args.skip_cv:
        run_rasa("test", "nlu", "--config", args.config, "--nlu", "data/nlu", "--cross-validation",
                 "--folds", str(args.folds), "--out", str(out / "cv"))
        cv = read_report(out / "cv" / "intent_report.json")
    table = format_table(heldout, cv)
    print("\n" + table)
    summary = {"heldout_macro_f1": macro_f1(heldout), "cv_macro_f1": macro_f1(cv) if cv else None,
               "folds": None if cv is None else args.folds,
               "heldout": per_intent(heldout), "cv": per_intent(cv) if cv else None}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nwritten: {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
