"""`make eval-safety`: does a risk message get crisis lines, and how often does
an ordinary one get them by mistake?

On the labelled sets (data/safety/*.yml, the classifier's training data):
1. the pattern detector alone (bot.safety);
2. the learned models *out of fold* (5 folds over the labelled sets, the NLU
   examples in every fold's training data, so no item is scored by a model that
   saw it): the linear classifier, the fine-tuned encoder (five fine-tunings,
   ~10 minutes), their combined score, and the detector OR the combined score at
   config.yml's bands; it also prints the bands these data call for, which is how
   config.yml's possible_threshold / high_threshold are set;
3. with --thresholds, the intent classifier's express_risk confidence table (NLU only).
On the blind sets (tests/safety/blind/*.yml: never trained on, never tuned on):
4. the whole bot through the REST channel, each message in a fresh conversation.
   A risk message counts as caught when the first reply shows a crisis line, an
   ordinary one as a false alarm when any reply does (`shows_crisis_lines`, the
   one judge). A "possible" reply (lines + the gentle question) to an ordinary
   message counts as a false alarm.
5. with --bot-labelled, the whole bot on the labelled sets too (in-sample for
   the classifier: a check of the plumbing, not of generalisation).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.safety.evaluate import (
    BotReport,
    EvalItem,
    evaluate,
    evaluate_bot,
    format_report,
    load_set,
)
from bot.settings import ROOT, load_settings
from tests.support.rest import rest_sender

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 1.01)


@dataclass
class ThresholdRow:
    threshold: float
    caught: int          # risk messages flagged (detector or classifier)
    classifier_only: int  # ... of which only the classifier caught
    false_alarms: int
    risk_total: int
    none_total: int

    def format(self) -> str:
        t = "off " if self.threshold > 1 else f"{self.threshold:.3f}"
        return (f"  {t}  recall {self.caught / self.risk_total:7.2%} ({self.caught}/{self.risk_total}, "
                f"{self.classifier_only} by the classifier alone)   false alarms "
                f"{self.false_alarms / self.none_total:6.2%} ({self.false_alarms}/{self.none_total})")


def classifier_confidences(model: Path, texts: Sequence[str]) -> List[float]:
    """The intent classifier's express_risk confidence for each text, as RiskGuard records it."""
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse_all() -> List[float]:
        out = []
        for text in texts:
            parsed = await agent.parse_message(text)
            out.append(float((parsed.get("risk") or {}).get("classifier_confidence") or 0.0))
        return out

    return asyncio.run(parse_all())


def threshold_table(items: Sequence[EvalItem], confidences: Sequence[float],
                    thresholds: Sequence[float] = THRESHOLDS) -> List[ThresholdRow]:
    """Recall and false alarms of `detector OR classifier >= t` for each t."""
    from bot.safety import assess

    detected = [assess(item.text).is_risk for item in items]
    rows = []
    for t in thresholds:
        row = ThresholdRow(t, 0, 0, 0, 0, 0)
        for item, det, conf in zip(items, detected, confidences):
            flagged = det or conf >= t
            if item.label == "risk":
                row.risk_total += 1
                row.caught += flagged
                row.classifier_only += flagged and not det
            else:
                row.none_total += 1
                row.false_alarms += flagged
        rows.append(row)
    return rows


def load_sets(paths: Sequence[Path]) -> List[EvalItem]:
    items: List[EvalItem] = []
    for path in paths:
        items.extend(load_set(path))
    return items


OOF_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


def _guard_config(config_path: Path) -> Dict:
    import yaml

    return next(p for p in yaml.safe_load(config_path.read_text())["pipeline"] if p["name"].endswith("RiskGuard"))


def fine_tuned_oof(texts: Sequence[str], y, always: Sequence, k: int, epochs: int):
    """Out-of-fold logits of the fine-tuned risk encoder: k fine-tunings, each on the
    other folds plus `always` (the NLU examples), none cached (every fold is new data)."""
    import numpy as np

    from bot.nlu.risk_encoder import FineTuneSettings, RiskEncoder
    from bot.nlu.sentence_encoder import default_model_dir
    from bot.safety import classifier as C

    logits = np.zeros(len(texts), dtype=np.float64)
    for n, fold in enumerate(C.stratified_folds(list(y), k)):
        train = np.setdiff1d(np.arange(len(texts)), fold)
        model = RiskEncoder(default_model_dir(), FineTuneSettings(epochs=epochs))
        model.fit([texts[i] for i in train] + [e.text for e in always],
                  [bool(y[i]) for i in train] + [e.risk for e in always])
        logits[fold] = model.logits([texts[i] for i in fold])
        print(f"  fine-tuned fold {n + 1}/{k} done", flush=True)
        del model
    return logits


def oof_table(items: Sequence[EvalItem], config_path: Path = ROOT / "config.yml") -> str:
    """Detector, the out-of-fold learned models (linear, fine-tuned, combined), and the
    detector OR the combined score, on the labelled items; plus the thresholds that
    give the configured false-alarm rates (what config.yml's bands should be)."""
    import numpy as np
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.risk_guard import detector_vetoed
    from bot.nlu.sentence_encoder import cached_encode
    from bot.safety import assess
    from bot.safety import classifier as C

    guard = _guard_config(config_path)
    possible_fp, high_fp = float(guard.get("possible_fp", 0.01)), float(guard.get("high_fp", 0.002))
    fine_tune = bool(guard.get("fine_tune", True))
    k = int(guard.get("cv_folds", 5))
    nlu = C.dedupe(C.nlu_examples([(m.get("text"), m.get("intent"))
                                   for m in load_data(str(ROOT / "data" / "nlu")).intent_examples]))
    labelled_texts = {i.text.strip().lower() for i in items}
    nlu = [e for e in nlu if e.text.strip().lower() not in labelled_texts]
    texts = [i.text for i in items]
    y = np.array([i.label == "risk" for i in items])
    emb, nlu_emb = cached_encode(texts), cached_encode([e.text for e in nlu])
    linear = C.out_of_fold_scores(emb, texts, list(y), k, (nlu_emb, [e.text for e in nlu], [e.risk for e in nlu]))
    assessments = [assess(t) for t in texts]
    det = np.array([a.is_risk for a in assessments])
    levels = np.array([a.level.value for a in assessments])
    npos, nneg = int(y.sum()), int((~y).sum())

    def row(name: str, flagged) -> str:
        caught, fa = int(np.sum(flagged & y)), int(np.sum(flagged & ~y))
        return (f"  {name:44} recall {caught / npos:7.2%} ({caught}/{npos})   false alarms "
                f"{fa / nneg:6.2%} ({fa}/{nneg})")

    lines = [f"labelled sets, {npos} risk / {nneg} none; learned scores out of fold ({k} folds):",
             row("detector alone", det)]
    scores = {"linear": linear}
    if fine_tune:
        ft = fine_tuned_oof(texts, y, nlu, k, int(guard.get("fine_tune_epochs", 3)))
        scores["fine-tuned"] = C.sigmoid(ft)
        scores["combined"] = C.combined_scores(C.logit(linear), ft)
    final = scores["combined" if fine_tune else "linear"]
    out = ROOT / "var" / "eval"
    out.mkdir(parents=True, exist_ok=True)
    # Kept for analysis (which band, which veto) without five more fine-tunings.
    np.savez(out / "risk_oof.npz", texts=np.array(texts), y=y, detector=det,
             detector_level=levels,
             **{name.replace("-", "_"): v for name, v in scores.items()})
    for name, s in scores.items():
        for t in OOF_THRESHOLDS:
            lines.append(row(f"{name} >= {t:.2f}", s >= t))
        lines.append(row(f"{name} at {possible_fp:.1%} false alarms (>= {C.threshold_at_fp(s, y, possible_fp):.4f})",
                         s >= C.threshold_at_fp(s, y, possible_fp)))
    possible = C.threshold_at_fp(final, y, possible_fp)
    high = max(C.threshold_at_fp(final, y, high_fp), possible)
    if fine_tune and guard.get("possible_threshold") is not None:
        possible, high = float(guard["possible_threshold"]), max(float(guard["high_threshold"]), possible)
        lines.append(f"  config.yml bands: possible >= {possible:.4f}, high >= {high:.4f}")
    lines.append(f"  bands for these data: possible >= {C.threshold_at_fp(final, y, possible_fp):.4f} "
                 f"({possible_fp:.1%} false alarms), high >= {C.threshold_at_fp(final, y, high_fp):.4f} "
                 f"({high_fp:.1%})")
    lines.append(row("learned high band", final >= high))
    lines.append(row("detector OR learned possible band", det | (final >= possible)))
    # RiskGuard's detector_veto: a "possible" detector hit the learned score all but rules out
    veto = guard.get("detector_veto") if fine_tune else None
    if veto is not None:
        det = det & ~np.array([detector_vetoed(lv, sc, float(veto)) for lv, sc in zip(levels, final)])
        lines.append(row(f"detector (weak hits vetoed below {float(veto):.2f})", det))
    lines.append(row("detector OR learned possible band (veto only)", det | (final >= possible)))
    # RiskGuard's own decision on these scores (guard_decision: the veto, talk about crisis
    # services, the frames that explain death words away), so the shipped row is the shipped logic
    shipped = np.array([_shipped_decision(t, float(sc), possible, high, veto) for t, sc in zip(texts, final)])
    lines.append(row("RiskGuard's decision on these scores  <- shipped", shipped))
    missed = [items[i] for i in np.flatnonzero(y & ~shipped)]
    false = [items[i] for i in np.flatnonzero(~y & shipped)]
    lines += [f"  MISSED   [{i.category}] {i.text!r}" for i in missed]
    lines += [f"  FALSE +  [{i.category}] {i.text!r}" for i in false]
    return "\n".join(lines)


def _shipped_decision(text: str, score: float, possible: float, high: float, veto: Optional[float]) -> bool:
    """Does RiskGuard raise risk for `text` at learned score `score` (no intent model: the table
    is about the detector and the learned score)?"""
    from bot.nlu.risk_guard import guard_decision
    from bot.safety.benign_frames import explaining_frame
    from bot.safety.service_talk import talks_about_services

    band = "high" if score >= high else "possible" if score >= possible else "none"
    decision = guard_decision(text, None, [], "express_risk", 1.01, score, band,
                              float(veto) if veto is not None else None,
                              service_talk=talks_about_services(text), frame=explaining_frame(text))
    return bool(decision["forced"])


def run_bot(model: Path, sets: Dict[str, List[EvalItem]]) -> Dict[str, BotReport]:
    from bot.runtime.launcher import Stack

    reports: Dict[str, BotReport] = {}
    with tempfile.TemporaryDirectory(prefix="unknot-eval-") as tmp:
        settings = load_settings({"RASA_PORT": "5305", "ACTION_PORT": "5355", "UNKNOT_ENV": "test",
                                  "DATABASE_URL": f"sqlite:///{tmp}/eval.db", "LOG_LEVEL": "WARNING"})
        stack = Stack(settings, model, log_dir=Path(tmp) / "log", with_web=False)
        print("\nstarting the bot on 127.0.0.1:5305 for the whole-bot measurement...", flush=True)
        stack.start()
        try:
            for name, items in sets.items():
                reports[name] = evaluate_bot(rest_sender(settings.rasa_url), items)
                print(f"\n{name}:\n" + reports[name].format(), flush=True)
        finally:
            stack.stop()
    return reports


LABELLED = sorted((ROOT / "data" / "safety").glob("*.yml"))
BLIND = sorted((ROOT / "tests" / "safety" / "blind").glob("*.yml"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", nargs="*", default=[str(p) for p in LABELLED], help="labelled sets")
    parser.add_argument("--blind", nargs="*", default=[str(p) for p in BLIND], help="blind sets (whole bot)")
    parser.add_argument("--model", default=str(ROOT / "models" / "unknot.tar.gz"))
    parser.add_argument("--skip-bot", action="store_true", help="no whole-bot measurement")
    parser.add_argument("--skip-oof", action="store_true", help="no out-of-fold classifier table")
    parser.add_argument("--bot-labelled", action="store_true", help="also send the labelled sets to the bot")
    parser.add_argument("--thresholds", action="store_true",
                        help="also print recall / false alarms for a range of RiskGuard intent_threshold values")
    args = parser.parse_args(argv)
    items = load_sets([Path(p) for p in args.set])

    detector = evaluate(items)
    print(format_report(detector, ", ".join(Path(p).name for p in args.set)))
    ok = True
    if not args.skip_oof:
        print("\n" + oof_table(items), flush=True)
    if args.thresholds:
        print("\nRiskGuard intent_threshold (detector OR intent classifier >= threshold), NLU only:", flush=True)
        confidences = classifier_confidences(Path(args.model), [item.text for item in items])
        for row in threshold_table(items, confidences):
            print(row.format())
    if args.skip_bot:
        return 0
    # keyed by the path as given: two sets of one file name (a batch and its far-from-training part) are two sets
    sets = {f"whole bot, blind set {p}": load_set(Path(p)) for p in args.blind}
    if args.bot_labelled:
        sets["whole bot, labelled sets (in-sample for the classifier)"] = items
    reports = run_bot(Path(args.model), sets)
    blind = [r for name, r in reports.items() if "blind" in name]
    if len(blind) > 1:
        total = BotReport(sum((r.missed for r in blind), []), sum((r.false_positives for r in blind), []),
                          sum(r.risk_total for r in blind), sum(r.none_total for r in blind))
        print("\nall blind sets together: " + total.format().splitlines()[0])
    ok = all(r.recall == 1.0 for r in reports.values()) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
