"""The figures `make bench` reports, their targets and the table printed and written as JSON."""
from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tools.perf.stats import ratio

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


