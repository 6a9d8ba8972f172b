"""`make eval`: how well Unknot understands people, as macro-F1 per intent.

1. Held-out: an NLU model trained on data/nlu with the given config is tested on
   tests/nlu/heldout.yml, which is never used in training.
2. K-fold cross-validation over data/nlu, done here rather than by Rasa's
   `--cross-validation`: the intent examples are split into K folds, stratified
   by intent with a fixed seed (lookups and synonyms go into every fold's
   training data; entity annotations stay on their examples). Each fold's
   training and test files are written to OUT/folds/<k>/, and each fold is
   `rasa train nlu` + `rasa test nlu`, exactly like the held-out model.
3. The contract intents (every intent in the domain): their lowest F1 and the
   ones under 0.85.
4. A gap analysis: why held-out and CV differ, measured on the predictions
   (length, closeness to the training data, a model-free nearest-neighbour
   baseline, the commonest confusions).
Results land in OUT (var/eval/ by default): summary.json plus Rasa's reports.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import AbstractSet, Any, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

import yaml

from bot.safety.crisis_domain import domain_dict
from bot.settings import ROOT

EVAL_DIR = ROOT / "var" / "eval"
SKIP_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}
CONTRACT_F1 = 0.85
# An intent "collapses" onto another when that one takes at least this share of its CV examples.
COLLAPSE_SHARE = 0.25
# Bands of nearest-training-example similarity (character trigram Jaccard) for the gap analysis.
SIM_BANDS = (0.0, 0.3, 0.45, 0.6, 1.01)


# --------------------------------------------------------------------------- data

@dataclass(frozen=True)
class Example:
    intent: str
    text: str  # as written in the YAML, entity annotations included

    @property
    def plain(self) -> str:
        return plain_text(self.text)


_ANNOTATION = re.compile(r"\[(?P<value>[^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain_text(text: str) -> str:
    """The message without Rasa's entity markup: "do [pmr](exercise)" -> "do pmr"."""
    return _ANNOTATION.sub(lambda m: m.group("value"), text).strip()


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def _examples_of(block: dict) -> List[str]:
    raw = block.get("examples")
    if not isinstance(raw, str):
        raise ValueError(f"only 'examples: |' blocks are supported, got {block!r}")
    return [line.strip()[2:].strip() for line in raw.splitlines() if line.strip().startswith("- ")]


def load_nlu(paths: Iterable[Path]) -> Tuple[List[Example], List[dict]]:
    """The intent examples of the NLU files (in file order) and their other blocks
    (lookup tables, synonyms, regexes), which every fold trains on."""
    examples: List[Example] = []
    others: List[dict] = []
    for path in paths:
        doc = yaml.safe_load(Path(path).read_text()) or {}
        for block in doc.get("nlu") or []:
            if "intent" in block:
                examples += [Example(block["intent"], text) for text in _examples_of(block)]
            else:
                others.append(block)
    return examples, others


def nlu_files(path: Path) -> List[Path]:
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))


def domain_intents(path: Path) -> List[str]:
    """The intents of a domain file, or of a domain folder (domain/, one file per flow)."""
    doc = domain_dict(path) if path.is_dir() else yaml.safe_load(path.read_text()) or {}
    names = []
    for item in doc.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return names


def stratified_folds(intents: Sequence[str], k: int, seed: int = 42) -> List[int]:
    """A fold number (0..k-1) for each example, stratified by intent.

    Each intent's examples are shuffled with a seeded RNG (intents in sorted order,
    so the result depends only on the data and the seed) and dealt round-robin,
    continuing where the previous intent stopped: every intent's count per fold
    differs by at most one, and so does every fold's size."""
    if k < 2:
        raise ValueError("need at least 2 folds")
    by_intent: Dict[str, List[int]] = defaultdict(list)
    for index, intent in enumerate(intents):
        by_intent[intent].append(index)
    rng = random.Random(seed)
    fold = [-1] * len(intents)
    dealt = 0
    for intent in sorted(by_intent):
        members = list(by_intent[intent])
        rng.shuffle(members)
        for index in members:
            fold[index] = dealt % k
            dealt += 1
    return fold


def _literal_block(key: str, name: str, lines: Sequence[str]) -> str:
    body = "".join(f"    - {line}\n" for line in lines)
    return f"- {key}: {name}\n  examples: |\n{body}"


def nlu_yaml(examples: Sequence[Example], others: Sequence[dict] = ()) -> str:
    """Rasa NLU YAML: one block per intent (first-seen order), then the other blocks."""
    grouped: Dict[str, List[str]] = {}
    for ex in examples:
        grouped.setdefault(ex.intent, []).append(ex.text)
    parts = ['version: "3.1"\nnlu:\n']
    parts += [_literal_block("intent", intent, texts) for intent, texts in grouped.items()]
    for block in others:
        key = next((k for k in ("lookup", "synonym", "regex") if k in block), None)
        if key and set(block) == {key, "examples"}:
            parts.append(_literal_block(key, block[key], _examples_of(block)))
        else:
            dumped = yaml.safe_dump([block], sort_keys=False, allow_unicode=True)
            parts.append(dumped)
    return "".join(parts)


# --------------------------------------------------------------------------- reports

def read_report(path: Path) -> Dict[str, Dict[str, float]]:
    return json.loads(path.read_text())


def per_intent(report: Dict[str, Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    return {k: v for k, v in report.items() if k not in SKIP_KEYS and isinstance(v, dict)}


def tested_intents(report: Dict[str, Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """The intents the test set has examples of (support > 0)."""
    return {k: v for k, v in per_intent(report).items() if v.get("support", 0) > 0}


def macro_f1(report: Dict[str, Dict[str, float]], only: Optional[Iterable[str]] = None) -> float:
    """Mean F1 over the intents the test set has examples of, like the "macro avg" of
    Rasa's intent_report.json (which lists only target labels). A label that is only
    ever predicted (support 0, as report_from_pairs lists it) is left out."""
    rows = tested_intents(report)
    if only is not None:
        keep = set(only)
        rows = {k: v for k, v in rows.items() if k in keep}
    scores = [v["f1-score"] for v in rows.values()]
    return sum(scores) / len(scores) if scores else 0.0


def report_from_pairs(pairs: Sequence[Tuple[str, str]]) -> Dict[str, Any]:
    """An intent report like Rasa's intent_report.json from (true, predicted) pairs:
    per label precision/recall/f1-score/support, plus accuracy."""
    true_n: Counter = Counter(t for t, _ in pairs)
    pred_n: Counter = Counter(p for _, p in pairs)
    hits: Counter = Counter(t for t, p in pairs if t == p)
    report: Dict[str, Any] = {}
    for label in sorted(set(true_n) | set(pred_n)):
        precision = hits[label] / pred_n[label] if pred_n[label] else 0.0
        recall = hits[label] / true_n[label] if true_n[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[label] = {"precision": precision, "recall": recall, "f1-score": f1, "support": true_n[label]}
    report["accuracy"] = sum(hits.values()) / len(pairs) if pairs else 0.0
    return report


def read_predictions(report_dir: Path) -> List[dict]:
    """Every prediction `rasa test nlu --successes` wrote: intent_successes.json + intent_errors.json,
    as {"text", "intent", "predicted", "confidence"}."""
    rows = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = report_dir / name
        if path.exists():
            for item in json.loads(path.read_text()):
                prediction = item.get("intent_prediction") or {}
                rows.append({"text": item.get("text") or "", "intent": item.get("intent"),
                             "predicted": prediction.get("name"), "confidence": prediction.get("confidence")})
    return rows


def attach(predictions: Sequence[dict], examples: Sequence[Example]) -> List[Tuple[Example, dict]]:
    """Pair Rasa's predictions (plain text) with our examples (annotated text) by (intent, text)."""
    waiting: Dict[Tuple[str, str], List[Example]] = defaultdict(list)
    for ex in examples:
        waiting[(ex.intent, norm(ex.plain))].append(ex)
    paired = []
    for pred in predictions:
        queue = waiting.get((pred["intent"], norm(pred["text"])))
        if queue:
            paired.append((queue.pop(0), pred))
    return paired


# --------------------------------------------------------------------------- similarity

T = TypeVar("T")


def trigrams(text: str) -> frozenset:
    s = f" {norm(text)} "
    return frozenset(s[i:i + 3] for i in range(max(len(s) - 2, 1)))


def nearest_by_jaccard(queries: Sequence[AbstractSet[str]], pool: Sequence[Tuple[T, AbstractSet[str]]],
                       ) -> List[Tuple[float, Optional[T]]]:
    """For each query feature set, the Jaccard similarity of its nearest pool set and that
    set's label (None when nothing shares a feature). pool: (label, features)."""
    out: List[Tuple[float, Optional[T]]] = []
    for q in queries:
        best, label = 0.0, None
        for candidate, g in pool:
            union = len(q | g)
            sim = len(q & g) / union if union else 0.0
            if sim > best:
                best, label = sim, candidate
        out.append((best, label))
    return out


def nearest(queries: Sequence[str], pool: Sequence[Tuple[str, str]]) -> List[Tuple[float, Optional[str]]]:
    """For each query text, the character-trigram Jaccard similarity of its nearest pool
    text and that text's intent. pool: (intent, text)."""
    return nearest_by_jaccard([trigrams(query) for query in queries],
                              [(intent, trigrams(text)) for intent, text in pool])


# --------------------------------------------------------------------------- gap analysis

def _band(sim: float) -> str:
    for low, high in zip(SIM_BANDS, SIM_BANDS[1:]):
        if low <= sim < high:
            return f"{low:.2f}-{min(high, 1.0):.2f}"
    return f"{SIM_BANDS[-2]:.2f}-1.00"


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _subset(records: Sequence[dict], keep) -> dict:
    chosen = [r for r in records if keep(r)]
    report = report_from_pairs([(r["intent"], r["predicted"]) for r in chosen])
    return {"n": len(chosen), "macro_f1": macro_f1(report), "accuracy": report["accuracy"] if chosen else None}


def top_confusions(records: Sequence[dict], limit: int = 10) -> List[dict]:
    support = Counter(r["intent"] for r in records)
    errors = Counter((r["intent"], r["predicted"]) for r in records if r["intent"] != r["predicted"])
    return [{"intent": t, "predicted": p, "count": n, "share": n / support[t]}
            for (t, p), n in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def gap_analysis(heldout: Sequence[dict], cv: Sequence[dict]) -> dict:
    """Held-out vs CV from per-example records {"intent", "predicted", "words", "nn_sim", "nn_intent"}
    (nn_*: the nearest training example of that test, i.e. all of data/nlu for held-out and the
    other folds for CV)."""
    h_report = report_from_pairs([(r["intent"], r["predicted"]) for r in heldout])
    c_report = report_from_pairs([(r["intent"], r["predicted"]) for r in cv])
    shared = set(tested_intents(h_report)) & set(tested_intents(c_report))
    h_sim_median = statistics.median(r["nn_sim"] for r in heldout) if heldout else float("nan")
    c_sim_median = statistics.median(r["nn_sim"] for r in cv) if cv else float("nan")
    h_words_p90 = _quantile([r["words"] for r in heldout], 0.9)

    def nn_accuracy(records):
        return sum(r["nn_intent"] == r["intent"] for r in records) / len(records) if records else None

    # Accuracy per closeness band for both sets, and CV's accuracy re-weighted to the held-out
    # mix of bands: what CV would score if its messages were as close to their training data.
    bands = []
    reweighted, weight = 0.0, 0.0
    for low, high in zip(SIM_BANDS, SIM_BANDS[1:]):
        name = _band(low)
        h_in = [r for r in heldout if low <= r["nn_sim"] < high]
        c_in = [r for r in cv if low <= r["nn_sim"] < high]
        h_acc = sum(r["intent"] == r["predicted"] for r in h_in) / len(h_in) if h_in else None
        c_acc = sum(r["intent"] == r["predicted"] for r in c_in) / len(c_in) if c_in else None
        bands.append({"band": name, "heldout_n": len(h_in), "heldout_accuracy": h_acc,
                      "cv_n": len(c_in), "cv_accuracy": c_acc})
        if h_in and c_acc is not None:
            reweighted += len(h_in) * c_acc
            weight += len(h_in)

    support = Counter(r["intent"] for r in cv)
    collapses = []
    for intent in sorted(support):
        wrong = Counter(r["predicted"] for r in cv if r["intent"] == intent and r["predicted"] != intent)
        if wrong:
            other, n = wrong.most_common(1)[0]
            if n / support[intent] >= COLLAPSE_SHARE:
                collapses.append({"intent": intent, "onto": other, "count": n, "share": n / support[intent]})

    # Labels no test message has, e.g. "start" for "/start": `rasa test nlu` reads a message
    # starting with "/" as an intent payload, so such examples can never be right.
    known = set(support)
    unknown = Counter(r["predicted"] for r in cv if r["predicted"] not in known)

    return {
        "cv_unknown_predictions": dict(sorted(unknown.items())),
        "heldout": {"n": len(heldout), "intents": len(tested_intents(h_report)), "macro_f1": macro_f1(h_report),
                    "accuracy": h_report["accuracy"], "nn_sim_median": h_sim_median,
                    "nn_accuracy": nn_accuracy(heldout), "words_median": statistics.median(r["words"] for r in heldout)
                    if heldout else None, "words_p90": h_words_p90},
        "cv": {"n": len(cv), "intents": len(tested_intents(c_report)), "macro_f1": macro_f1(c_report),
               "accuracy": c_report["accuracy"], "nn_sim_median": c_sim_median,
               "nn_accuracy": nn_accuracy(cv), "words_median": statistics.median(r["words"] for r in cv)
               if cv else None},
        "cv_macro_f1_shared_intents": macro_f1(c_report, shared),
        "heldout_macro_f1_shared_intents": macro_f1(h_report, shared),
        "shared_intents": len(shared),
        "cv_by_length": {"short": _subset(cv, lambda r: r["words"] <= h_words_p90),
                         "long": _subset(cv, lambda r: r["words"] > h_words_p90)},
        "cv_by_closeness": {"close": _subset(cv, lambda r: r["nn_sim"] >= h_sim_median),
                            "far": _subset(cv, lambda r: r["nn_sim"] < h_sim_median)},
        "cv_heldout_like": _subset(cv, lambda r: r["words"] <= h_words_p90 and r["nn_sim"] >= h_sim_median),
        "bands": bands,
        "cv_accuracy_at_heldout_closeness": reweighted / weight if weight else None,
        "top_confusions": top_confusions(cv),
        "collapses": collapses,
    }


def _f(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_gap(gap: dict) -> str:
    h, c = gap["heldout"], gap["cv"]
    lines = [
        "gap analysis (held-out vs cross-validation)",
        f"  macro-F1: held-out {h['macro_f1']:.3f} ({h['intents']} intents, {h['n']} messages), "
        f"CV {c['macro_f1']:.3f} ({c['intents']} intents, {c['n']} messages); "
        f"over the {gap['shared_intents']} intents both test: held-out {gap['heldout_macro_f1_shared_intents']:.3f}, "
        f"CV {gap['cv_macro_f1_shared_intents']:.3f}",
        f"  length (words): median held-out {h['words_median']:g}, CV {c['words_median']:g}; "
        f"held-out 90th percentile {h['words_p90']}",
        f"  CV by length:    <= {h['words_p90']} words n={gap['cv_by_length']['short']['n']} "
        f"macro-F1 {gap['cv_by_length']['short']['macro_f1']:.3f} | longer n={gap['cv_by_length']['long']['n']} "
        f"macro-F1 {gap['cv_by_length']['long']['macro_f1']:.3f}",
        f"  closeness to training (char-trigram Jaccard of the nearest training example), median: "
        f"held-out {h['nn_sim_median']:.3f}, CV {c['nn_sim_median']:.3f}",
        f"  CV by closeness: >= {h['nn_sim_median']:.3f} (held-out median) n={gap['cv_by_closeness']['close']['n']} "
        f"macro-F1 {gap['cv_by_closeness']['close']['macro_f1']:.3f} | below n={gap['cv_by_closeness']['far']['n']} "
        f"macro-F1 {gap['cv_by_closeness']['far']['macro_f1']:.3f}",
        f"  CV messages like held-out ones (short and close): n={gap['cv_heldout_like']['n']} "
        f"macro-F1 {gap['cv_heldout_like']['macro_f1']:.3f} accuracy {_f(gap['cv_heldout_like']['accuracy'])}",
        f"  nearest-neighbour intent = true intent (no model): held-out {_f(h['nn_accuracy'])}, CV {_f(c['nn_accuracy'])}",
        "  accuracy by closeness band:",
        f"    {'band':>9} {'held-out n':>10} {'accuracy':>8} {'CV n':>6} {'accuracy':>8}",
    ]
    for b in gap["bands"]:
        lines.append(f"    {b['band']:>9} {b['heldout_n']:>10} {_f(b['heldout_accuracy']):>8} "
                     f"{b['cv_n']:>6} {_f(b['cv_accuracy']):>8}")
    lines.append(f"  CV accuracy re-weighted to held-out's closeness mix: {_f(gap['cv_accuracy_at_heldout_closeness'])} "
                 f"(held-out {h['accuracy']:.3f}, CV {c['accuracy']:.3f})")
    lines.append("  top CV confusions (true -> predicted: count, share of the true intent):")
    for row in gap["top_confusions"]:
        lines.append(f"    {row['intent']} -> {row['predicted']}: {row['count']} ({row['share']:.0%})")
    if gap.get("cv_unknown_predictions"):
        names = ", ".join(f"{k} x{v}" for k, v in gap["cv_unknown_predictions"].items())
        lines.append(f"  CV predictions that are no intent (Rasa reads '/...' messages as intent payloads): {names}")
    if gap["collapses"]:
        lines.append(f"  intents losing >= {COLLAPSE_SHARE:.0%} of their CV examples to one other intent:")
        for row in gap["collapses"]:
            lines.append(f"    {row['intent']} -> {row['onto']}: {row['count']} ({row['share']:.0%})")
    else:
        lines.append(f"  no intent loses >= {COLLAPSE_SHARE:.0%} of its CV examples to one other intent")
    return "\n".join(lines)


# --------------------------------------------------------------------------- tables

def format_fold_table(folds: Sequence[dict], pooled: Optional[dict] = None) -> str:
    rows = [f"{'fold':>6} {'n':>6} {'macro-F1':>9} {'accuracy':>9}"]
    for f in folds:
        rows.append(f"{f['fold']:>6} {f['n']:>6} {f['macro_f1']:>9.3f} {f['accuracy']:>9.3f}")
    if folds:
        rows.append(f"{'mean':>6} {sum(f['n'] for f in folds):>6} "
                    f"{statistics.mean(f['macro_f1'] for f in folds):>9.3f} "
                    f"{statistics.mean(f['accuracy'] for f in folds):>9.3f}")
    if pooled is not None:
        rows.append(f"{'pooled':>6} {pooled['n']:>6} {pooled['macro_f1']:>9.3f} {pooled['accuracy']:>9.3f}")
    return "\n".join(rows)


def mean_over_folds(fold_reports: Sequence[dict]) -> Dict[str, dict]:
    """Per intent: the mean F1 over the folds that test it, and its total support."""
    scores: Dict[str, List[float]] = defaultdict(list)
    support: Counter = Counter()
    for report in fold_reports:
        for intent, row in tested_intents(report).items():
            scores[intent].append(row["f1-score"])
            support[intent] += int(row["support"])
    return {k: {"f1-score": statistics.mean(v), "support": support[k], "folds": len(v)} for k, v in scores.items()}


def format_table(heldout: Optional[dict], cv: Optional[dict], cv_mean: Optional[dict] = None,
                 folds: Optional[int] = None) -> str:
    """Per intent: held-out F1, pooled CV F1 and the mean of the folds' F1."""
    heldout, cv, cv_mean = heldout or {}, cv or {}, cv_mean or {}
    intents = sorted(set(tested_intents(heldout)) | set(tested_intents(cv)) | set(cv_mean))
    k = f"{folds}-fold " if folds else ""
    rows: List[str] = [f"{'intent':32} {'held-out F1':>12} {'n':>4} {k + 'CV F1 pooled':>19} "
                       f"{'mean of folds':>14} {'n':>5}"]
    for name in intents:
        h, c, m = heldout.get(name) or {}, cv.get(name) or {}, cv_mean.get(name) or {}
        rows.append(f"{name:32} {_f(h.get('f1-score')):>12} {int(h.get('support', 0)):>4} "
                    f"{_f(c.get('f1-score')):>19} {_f(m.get('f1-score')):>14} {int(c.get('support', 0)):>5}")
    rows.append("")
    if heldout:
        rows.append(f"held-out macro-F1: {macro_f1(heldout):.3f}   accuracy: {heldout.get('accuracy', 0):.3f}")
    if cv:
        rows.append(f"{k}CV macro-F1 (pooled predictions): {macro_f1(cv):.3f}   accuracy: {cv.get('accuracy', 0):.3f}")
    return "\n".join(rows)


def contract_summary(intents: Sequence[str], heldout: Optional[dict], cv: Optional[dict],
                     threshold: float = CONTRACT_F1) -> dict:
    """The lowest held-out and CV F1 over the contract intents, those under the threshold,
    and those a test set has no examples of."""
    out: dict = {"threshold": threshold, "intents": len(intents)}
    for name, report in (("heldout", heldout), ("cv", cv)):
        if report is None:
            out[name] = None
            continue
        tested = tested_intents(report)
        scores = {i: tested[i]["f1-score"] for i in intents if i in tested}
        lowest = min(scores.items(), key=lambda kv: (kv[1], kv[0])) if scores else None
        out[name] = {"min_f1": lowest[1] if lowest else None, "min_intent": lowest[0] if lowest else None,
                     "under": sorted(({"intent": i, "f1": f} for i, f in scores.items() if f < threshold),
                                     key=lambda r: (r["f1"], r["intent"])),
                     "untested": [i for i in intents if i not in tested]}
    return out


def format_contract(contract: dict) -> str:
    lines = [f"contract intents (all {contract['intents']} in the domain), F1 under {contract['threshold']:.2f}:"]
    for name, label in (("heldout", "held-out"), ("cv", "CV")):
        part = contract.get(name)
        if part is None:
            continue
        under = ", ".join(f"{r['intent']} {r['f1']:.3f}" for r in part["under"]) or "none"
        lines.append(f"  {label}: min {_f(part['min_f1'])} ({part['min_intent']}); under: {under}")
        if part["untested"]:
            lines.append(f"  {label}: no test examples for {', '.join(part['untested'])}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- running Rasa

def run_rasa(*args: str) -> None:
    from bot.runtime.launcher import child_env
    from bot.settings import load_settings

    cmd = [sys.executable, "-m", "rasa", *args]
    print("$", " ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, cwd=ROOT, env=child_env(load_settings()), check=True)


def train_and_test(config: str, train: Path, test: Path, out: Path, plots: bool = False) -> Path:
    """`rasa train nlu` on train, `rasa test nlu --successes` on test; returns the report directory."""
    run_rasa("train", "nlu", "--config", config, "--nlu", str(train), "--out", str(out / "models"),
             "--fixed-model-name", "nlu")
    args = ["test", "nlu", "--model", str(out / "models" / "nlu.tar.gz"), "--nlu", str(test),
            "--out", str(out / "report"), "--successes"]
    run_rasa(*args, *([] if plots else ["--no-plot"]))
    return out / "report"


def records(paired: Sequence[Tuple[Example, dict]], neighbours: Sequence[Tuple[float, Optional[str]]]) -> List[dict]:
    return [{"intent": ex.intent, "predicted": pred["predicted"], "text": ex.plain,
             "words": len(ex.plain.split()), "nn_sim": sim, "nn_intent": nn_intent}
            for (ex, pred), (sim, nn_intent) in zip(paired, neighbours)]


def cross_validate(config: str, examples: List[Example], others: List[dict], k: int, seed: int,
                   out: Path) -> Tuple[List[dict], List[dict], List[dict]]:
    """Our K folds: per fold a summary row, its Rasa report, and per-example records."""
    fold_of = stratified_folds([ex.intent for ex in examples], k, seed)
    root = out / "folds"
    if root.exists():
        shutil.rmtree(root)  # a previous run with more folds must not leave stale ones behind
    rows, reports, recs = [], [], []
    for fold in range(k):
        fold_dir = root / str(fold + 1)
        fold_dir.mkdir(parents=True)
        train = [ex for ex, f in zip(examples, fold_of) if f != fold]
        test = [ex for ex, f in zip(examples, fold_of) if f == fold]
        (fold_dir / "train.yml").write_text(nlu_yaml(train, others))
        (fold_dir / "test.yml").write_text(nlu_yaml(test))
        report_dir = train_and_test(config, fold_dir / "train.yml", fold_dir / "test.yml", fold_dir)
        report = read_report(report_dir / "intent_report.json")
        reports.append(report)
        paired = attach(read_predictions(report_dir), test)
        if len(paired) != len(test):
            print(f"warning: fold {fold + 1}: {len(test) - len(paired)} predictions not matched to examples")
        neighbours = nearest([ex.plain for ex, _ in paired], [(ex.intent, ex.plain) for ex in train])
        recs += records(paired, neighbours)
        rows.append({"fold": fold + 1, "n": len(test), "macro_f1": macro_f1(report),
                     "accuracy": report.get("accuracy", 0.0), "rasa_macro_avg": (report.get("macro avg") or {})
                     .get("f1-score"), "dir": str(fold_dir)})
    return rows, reports, recs


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42, help="seed of the stratified fold split")
    parser.add_argument("--skip-cv", action="store_true", help="only the held-out test")
    parser.add_argument("--nlu", default="data/nlu")
    parser.add_argument("--heldout", default="tests/nlu/heldout.yml")
    parser.add_argument("--domain", default="domain")
    parser.add_argument("--out", default=str(EVAL_DIR))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()  # Rasa runs in ROOT; our own files are written from here
    out.mkdir(parents=True, exist_ok=True)
    if Path(args.config).exists():
        args.config = str(Path(args.config).resolve())
    examples, others = load_nlu(nlu_files(ROOT / args.nlu))
    heldout_examples, _ = load_nlu([ROOT / args.heldout])

    run_rasa("train", "nlu", "--config", args.config, "--nlu", args.nlu, "--out", str(out / "models"),
             "--fixed-model-name", "nlu")
    run_rasa("test", "nlu", "--model", str(out / "models" / "nlu.tar.gz"), "--nlu", args.heldout,
             "--out", str(out / "heldout"), "--successes")
    heldout = read_report(out / "heldout" / "intent_report.json")
    paired = attach(read_predictions(out / "heldout"), heldout_examples)
    heldout_recs = records(paired, nearest([ex.plain for ex, _ in paired],
                                           [(ex.intent, ex.plain) for ex in examples]))

    cv = cv_mean = gap = pooled = None
    fold_rows: List[dict] = []
    if not args.skip_cv:
        fold_rows, fold_reports, cv_recs = cross_validate(args.config, examples, others, args.folds, args.seed, out)
        cv = report_from_pairs([(r["intent"], r["predicted"]) for r in cv_recs])
        cv_mean = mean_over_folds(fold_reports)
        pooled = {"n": len(cv_recs), "macro_f1": macro_f1(cv), "accuracy": cv["accuracy"]}
        gap = gap_analysis(heldout_recs, cv_recs)
        (out / "cv_predictions.json").write_text(json.dumps(cv_recs, indent=1))
    (out / "heldout_predictions.json").write_text(json.dumps(heldout_recs, indent=1))

    contract = contract_summary(domain_intents(ROOT / args.domain), heldout, cv)
    print("\n" + format_table(heldout, cv, cv_mean, None if args.skip_cv else args.folds))
    if fold_rows:
        print(f"\n{args.folds}-fold cross-validation (stratified by intent, seed {args.seed}), per fold:")
        print(format_fold_table(fold_rows, pooled))
    print("\n" + format_contract(contract))
    if gap:
        print("\n" + format_gap(gap))
    summary = {"config": args.config, "heldout_macro_f1": macro_f1(heldout),
               "heldout_accuracy": heldout.get("accuracy"),
               "cv_macro_f1": macro_f1(cv) if cv else None,
               "cv_macro_f1_mean_of_folds": statistics.mean(r["macro_f1"] for r in fold_rows) if fold_rows else None,
               "folds": None if cv is None else args.folds, "seed": args.seed,
               "per_fold": fold_rows or None,
               "heldout": per_intent(heldout), "cv": per_intent(cv) if cv else None,
               "cv_mean_of_folds": cv_mean, "contract": contract, "gap_analysis": gap}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nwritten: {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
