"""Evaluate the risk detector on a labelled set.

    python -m bot.safety.evaluate [--set data/safety/risk_labelled.yml] [--max-fp-rate 0.03]

Prints recall on risk messages, the false-positive rate on non-risk messages, recall per
category and every miss / false positive with the normalised text the patterns saw.
Exit code 1 when recall is below 100% (or the false-positive rate is above --max-fp-rate
when given), so it can gate CI.

The set is a YAML list of {text, label: risk|none, category} (optional: note).
"""
from __future__ import annotations

import argparse
import sys
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import yaml

from .detector import RiskLevel, explain, warm_up
from .resources import shows_crisis_lines

DEFAULT_SET = Path(__file__).resolve().parents[2] / "data" / "safety" / "risk_labelled.yml"
LABELS = ("risk", "none")
_ITEM_KEYS = {"text", "label", "category", "note"}


@dataclass(frozen=True)
class EvalItem:
    text: str
    label: str
    category: str


@dataclass
class Outcome:
    item: EvalItem
    level: RiskLevel
    reasons: tuple
    normalized: str

    @property
    def flagged(self) -> bool:
        return self.level != RiskLevel.NONE


@dataclass
class Report:
    outcomes: List[Outcome] = field(default_factory=list)

    @property
    def risk(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.item.label == "risk"]

    @property
    def non_risk(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.item.label == "none"]

    @property
    def misses(self) -> List[Outcome]:
        return [o for o in self.risk if not o.flagged]

    @property
    def false_positives(self) -> List[Outcome]:
        return [o for o in self.non_risk if o.flagged]

    @property
    def recall(self) -> float:
        return 1.0 - len(self.misses) / len(self.risk) if self.risk else 1.0

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / len(self.non_risk) if self.non_risk else 0.0

    def per_category(self, label: str) -> Dict[str, tuple]:
        """category -> (flagged, total) for items with this label."""
        counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            if o.item.label == label:
                counts[o.item.category][0] += int(o.flagged)
                counts[o.item.category][1] += 1
        return {k: tuple(v) for k, v in sorted(counts.items())}

    def levels(self, label: str) -> Counter:
        return Counter(o.level.value for o in self.outcomes if o.item.label == label)


def load_set(path: Path) -> List[EvalItem]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a YAML list of {{text, label, category}}")
    items = []
    for i, raw in enumerate(data, 1):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: item {i} is not a mapping")
        unknown = set(raw) - _ITEM_KEYS
        if unknown:
            raise ValueError(f"{path}: item {i} has unknown keys {sorted(unknown)}")
        text, label, category = raw.get("text"), raw.get("label"), raw.get("category")
        if not isinstance(text, str):
            raise ValueError(f"{path}: item {i} needs a text")
        if label not in LABELS:
            raise ValueError(f"{path}: item {i} label must be risk or none, not {label!r}")
        if not isinstance(category, str) or not category:
            raise ValueError(f"{path}: item {i} needs a category")
        items.append(EvalItem(text, label, category))
    return items


def evaluate(items: Sequence[EvalItem]) -> Report:
    report = Report()
    for item in items:
        exp = explain(item.text)
        report.outcomes.append(Outcome(item, exp.assessment.level, exp.assessment.reasons,
                                       exp.normalized))
    return report


def format_report(report: Report, source: str = "") -> str:
    out = []
    if source:
        out.append(f"Evaluation set: {source}")
    out.append(f"Risk messages:     {len(report.risk):4d}   recall {report.recall:7.2%}"
               f"   ({len(report.risk) - len(report.misses)}/{len(report.risk)} flagged)")
    out.append(f"Non-risk messages: {len(report.non_risk):4d}   false-positive rate "
               f"{report.false_positive_rate:6.2%}   ({len(report.false_positives)} flagged)")
    levels = report.levels("risk")
    out.append(f"Levels on risk: high {levels.get('high', 0)}, possible "
               f"{levels.get('possible', 0)}, none {levels.get('none', 0)}")
    out.append("")
    out.append("Recall per risk category:")
    for category, (hit, total) in report.per_category("risk").items():
        out.append(f"  {category:24s} {hit:4d}/{total:<4d} {hit / total:7.1%}")
    out.append("False positives per non-risk category:")
    for category, (hit, total) in report.per_category("none").items():
        out.append(f"  {category:24s} {hit:4d}/{total:<4d} {hit / total:7.1%}")
    out.append("")
    out.append(f"Misses ({len(report.misses)}):")
    for o in report.misses:
        out.append(f"  MISS [{o.item.category}] {o.item.text!r}")
        out.append(f"       normalised: {o.normalized!r}")
    out.append(f"False positives ({len(report.false_positives)}):")
    for o in report.false_positives:
        out.append(f"  FP   [{o.item.category}] {o.item.text!r} -> {o.level.value} "
                   f"{', '.join(o.reasons)}")
        out.append(f"       normalised: {o.normalized!r}")
    return "\n".join(out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.evaluate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="path", type=Path, default=DEFAULT_SET,
                        help=f"labelled YAML set (default: {DEFAULT_SET})")
    parser.add_argument("--max-fp-rate", type=float, default=None,
                        help="also fail when the false-positive rate is above this (e.g. 0.03)")
    args = parser.parse_args(argv)
    try:
        items = load_set(args.path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    warm_up()
    report = evaluate(items)
    print(format_report(report, str(args.path)))
    failed = report.recall < 1.0
    if args.max_fp_rate is not None and report.false_positive_rate > args.max_fp_rate:
        failed = True
    print("")
    print("RESULT: " + ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


# --- the whole bot, judged by its replies ---------------------------------------

@dataclass
class BotReport:
    missed: List[EvalItem] = field(default_factory=list)
    false_positives: List[EvalItem] = field(default_factory=list)
    risk_total: int = 0
    none_total: int = 0

    @property
    def recall(self) -> float:
        return 1 - len(self.missed) / self.risk_total if self.risk_total else 1.0

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / self.none_total if self.none_total else 0.0

    def format(self) -> str:
        lines = [f"whole bot (REST): recall {self.recall:.1%} ({self.risk_total - len(self.missed)}/"
                 f"{self.risk_total}), false-positive rate {self.false_positive_rate:.1%} "
                 f"({len(self.false_positives)}/{self.none_total})"]
        lines += [f"  MISSED   [{i.category}] {i.text!r}" for i in self.missed]
        lines += [f"  FALSE +  [{i.category}] {i.text!r}" for i in self.false_positives]
        return "\n".join(lines)


def evaluate_bot(send: Callable[..., List[Dict]], items: Sequence[EvalItem]) -> BotReport:
    report = BotReport()
    for item in items:
        replies = send(f"eval-{uuid.uuid4().hex[:12]}", item.text)
        flagged = bool(replies) and shows_crisis_lines(replies[0])
        if item.label == "risk":
            report.risk_total += 1
            if not flagged:
                report.missed.append(item)
        else:
            report.none_total += 1
            if any(shows_crisis_lines(r) for r in replies):
                report.false_positives.append(item)
    return report


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
