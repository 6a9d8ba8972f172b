"""tools.eval.nlu's pure parts: the fold split, the YAML it writes, the reports, the tables and
the gap analysis. Nothing here trains or loads a model."""
from collections import Counter

import pytest
import yaml

from tools.eval import nlu as evaluate
from tools.eval.nlu import (
    Example,
    attach,
    contract_summary,
    format_contract,
    format_fold_table,
    format_gap,
    format_table,
    gap_analysis,
    load_nlu,
    macro_f1,
    mean_over_folds,
    nearest,
    nlu_yaml,
    plain_text,
    report_from_pairs,
    stratified_folds,
    top_confusions,
)


def _intents(counts):
    return [intent for intent, n in counts.items() for _ in range(n)]


def test_every_example_lands_in_exactly_one_fold_and_folds_are_balanced():
    intents = _intents({"greet": 23, "goodbye": 7, "ask_therapy": 11, "rare": 2})
    folds = stratified_folds(intents, 5, seed=42)
    assert len(folds) == len(intents) and set(folds) <= set(range(5))
    sizes = Counter(folds)
    assert max(sizes.values()) - min(sizes.values()) <= 1
    assert sum(sizes.values()) == len(intents)


def test_each_intent_is_spread_over_the_folds():
    intents = _intents({"greet": 23, "goodbye": 7, "ask_therapy": 11, "rare": 2})
    folds = stratified_folds(intents, 5, seed=42)
    for intent in set(intents):
        per_fold = Counter(f for f, i in zip(folds, intents) if i == intent)
        counts = [per_fold.get(k, 0) for k in range(5)]
        assert max(counts) - min(counts) <= 1, (intent, counts)


def test_split_is_deterministic_and_depends_on_the_seed():
    intents = _intents({"a": 30, "b": 20, "c": 10})
    assert stratified_folds(intents, 5, seed=42) == stratified_folds(list(intents), 5, seed=42)
    assert stratified_folds(intents, 5, seed=42) != stratified_folds(intents, 5, seed=7)
    with pytest.raises(ValueError):
        stratified_folds(intents, 1)


def test_split_does_not_depend_on_the_order_intents_first_appear_in():
    a = ["x"] * 6 + ["y"] * 6
    b = ["y"] * 6 + ["x"] * 6
    fa, fb = stratified_folds(a, 3), stratified_folds(b, 3)
    assert fa[:6] == fb[6:] and fa[6:] == fb[:6]


NLU = '''version: "3.1"
nlu:
- intent: ask_exercise
  examples: |
    - can we do [pmr](exercise) now
    - what exercise helps
- synonym: pmr
  examples: |
    - progressive muscle relaxation
- intent: greet
  examples: |
    - hi
- lookup: exercise
  examples: |
    - pmr
    - box breathing
'''


def test_fold_yaml_keeps_annotations_lookups_and_synonyms(tmp_path):
    source = tmp_path / "nlu.yml"
    source.write_text(NLU)
    examples, others = load_nlu([source])
    assert [e.intent for e in examples] == ["ask_exercise", "ask_exercise", "greet"]
    assert examples[0].text == "can we do [pmr](exercise) now" and examples[0].plain == "can we do pmr now"
    written = tmp_path / "fold.yml"
    written.write_text(nlu_yaml(examples[:2], others))
    doc = yaml.safe_load(written.read_text())
    assert doc["version"] == "3.1"
    blocks = doc["nlu"]
    assert blocks[0] == {"intent": "ask_exercise",
                         "examples": "- can we do [pmr](exercise) now\n- what exercise helps\n"}
    assert {"synonym": "pmr", "examples": "- progressive muscle relaxation\n"} in blocks
    assert {"lookup": "exercise", "examples": "- pmr\n- box breathing\n"} in blocks
    assert not any(b.get("intent") == "greet" for b in blocks)
    again, others_again = load_nlu([written])
    assert again == examples[:2] and others_again == others


def test_plain_text_removes_entity_markup():
    assert plain_text("do [box breathing](exercise) with me") == "do box breathing with me"
    assert plain_text('[pmr]{"entity": "exercise"} please') == "pmr please"
    assert plain_text("no markup (really)") == "no markup (really)"


def test_predictions_are_matched_to_annotated_examples():
    examples = [Example("ask_exercise", "can we do [pmr](exercise) now"), Example("greet", "hi"),
                Example("greet", "hi")]
    preds = [{"text": "Can we do pmr now", "intent": "ask_exercise", "predicted": "greet"},
             {"text": "hi", "intent": "greet", "predicted": "greet"},
             {"text": "hi", "intent": "greet", "predicted": "goodbye"},
             {"text": "unknown", "intent": "greet", "predicted": "greet"}]
    paired = attach(preds, examples)
    assert [(e.text, p["predicted"]) for e, p in paired] == [
        ("can we do [pmr](exercise) now", "greet"), ("hi", "greet"), ("hi", "goodbye")]


REPORT = {
    "greet": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 4},
    "goodbye": {"precision": 0.5, "recall": 1.0, "f1-score": 0.6, "support": 2},
    "nlu_fallback": {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0},
    "accuracy": 0.9,
    "macro avg": {"precision": 0.5, "recall": 0.6, "f1-score": 0.53, "support": 6},
    "weighted avg": {"precision": 0.8, "recall": 0.9, "f1-score": 0.86, "support": 6},
}


def test_macro_f1_averages_only_intents_with_test_examples():
    assert macro_f1(REPORT) == pytest.approx(0.8)
    assert macro_f1(REPORT, only=["greet"]) == pytest.approx(1.0)
    assert macro_f1({}) == 0.0


def test_report_from_pairs_matches_hand_counts():
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"), ("c", "b")]
    report = report_from_pairs(pairs)
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["a"] == {"precision": 1.0, "recall": 0.5, "f1-score": pytest.approx(2 / 3), "support": 2}
    assert report["b"]["precision"] == pytest.approx(2 / 4) and report["b"]["recall"] == 1.0
    assert report["c"]["f1-score"] == 0.0 and report["c"]["support"] == 1
    assert macro_f1(report) == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)


def test_mean_over_folds_skips_folds_without_the_intent():
    folds = [{"a": {"f1-score": 1.0, "support": 2}, "b": {"f1-score": 0.0, "support": 0}, "accuracy": 1.0},
             {"a": {"f1-score": 0.5, "support": 3}, "b": {"f1-score": 0.4, "support": 1}}]
    mean = mean_over_folds(folds)
    assert mean["a"] == {"f1-score": 0.75, "support": 5, "folds": 2}
    assert mean["b"] == {"f1-score": 0.4, "support": 1, "folds": 1}


def test_fold_table_has_a_row_per_fold_plus_mean_and_pooled():
    rows = [{"fold": 1, "n": 10, "macro_f1": 0.8, "accuracy": 0.9},
            {"fold": 2, "n": 9, "macro_f1": 0.6, "accuracy": 0.7}]
    table = format_fold_table(rows, {"n": 19, "macro_f1": 0.71, "accuracy": 0.8})
    lines = table.splitlines()
    assert lines[0].split() == ["fold", "n", "macro-F1", "accuracy"]
    assert lines[1].split() == ["1", "10", "0.800", "0.900"]
    assert lines[2].split() == ["2", "9", "0.600", "0.700"]
    assert lines[3].split() == ["mean", "19", "0.700", "0.800"]
    assert lines[4].split() == ["pooled", "19", "0.710", "0.800"]
    assert len({len(line) for line in lines}) == 1  # columns line up


def test_intent_table_shows_heldout_pooled_and_mean_cv():
    cv = report_from_pairs([("greet", "greet"), ("goodbye", "greet")])
    table = format_table(REPORT, cv, mean_over_folds([cv]), folds=5)
    assert "5-fold CV F1 pooled" in table.splitlines()[0]
    greet = next(line for line in table.splitlines() if line.startswith("greet"))
    assert greet.split() == ["greet", "1.000", "4", "0.667", "0.667", "1"]
    assert "nlu_fallback" not in table  # never a true intent, only predicted
    assert "held-out macro-F1: 0.800" in table


def test_contract_lists_lowest_and_weak_intents_and_untested_ones():
    contract = contract_summary(["greet", "goodbye", "inform_region"], REPORT, None, threshold=0.85)
    assert contract["heldout"]["min_f1"] == 0.6 and contract["heldout"]["min_intent"] == "goodbye"
    assert contract["heldout"]["under"] == [{"intent": "goodbye", "f1": 0.6}]
    assert contract["heldout"]["untested"] == ["inform_region"]
    assert contract["cv"] is None
    text = format_contract(contract)
    assert "held-out: min 0.600 (goodbye); under: goodbye 0.600" in text and "inform_region" in text


def test_domain_intents_reads_plain_and_mapping_entries(tmp_path):
    domain = tmp_path / "domain.yml"
    domain.write_text("intents:\n  - greet\n  - ask_therapy:\n      use_entities: []\n")
    assert evaluate.domain_intents(domain) == ["greet", "ask_therapy"]


def test_nearest_finds_the_most_similar_training_text():
    pool = [("greet", "hello there"), ("ask_therapy", "is cbt any good for back pain")]
    (sim1, nn1), (sim2, nn2) = nearest(["hello there!", "would cbt help my back pain"], pool)
    assert nn1 == "greet" and sim1 > 0.7
    assert nn2 == "ask_therapy" and 0 < sim2 < 1
    assert nearest(["anything"], []) == [(0.0, None)]


def _rec(intent, predicted, words, sim, nn_intent=None):
    return {"intent": intent, "predicted": predicted, "words": words, "nn_sim": sim,
            "nn_intent": nn_intent or intent}


def test_gap_analysis_on_a_small_synthetic_set():
    heldout = [_rec("a", "a", 3, 0.7), _rec("a", "a", 4, 0.65), _rec("b", "b", 3, 0.62),
               _rec("b", "b", 5, 0.5, nn_intent="a")]
    cv = ([_rec("a", "a", 3, 0.7)] * 4 + [_rec("a", "b", 12, 0.2, nn_intent="b")] * 2
          + [_rec("b", "b", 4, 0.65)] * 3 + [_rec("b", "a", 3, 0.25, nn_intent="a")] * 3
          + [_rec("c", "c", 3, 0.8)] * 2)
    gap = gap_analysis(heldout, cv + [_rec("greet", "start", 1, 0.1)])
    assert gap["cv_unknown_predictions"] == {"start": 1}
    assert "start x1" in format_gap(gap)
    gap = gap_analysis(heldout, cv)
    assert gap["cv_unknown_predictions"] == {}
    assert gap["heldout"]["macro_f1"] == 1.0 and gap["heldout"]["intents"] == 2
    assert gap["cv"]["intents"] == 3 and gap["shared_intents"] == 2
    assert gap["cv"]["accuracy"] == pytest.approx(9 / 14)
    assert gap["heldout"]["nn_sim_median"] == pytest.approx(0.635)
    assert gap["heldout"]["nn_accuracy"] == 0.75
    assert gap["cv"]["nn_accuracy"] == pytest.approx(9 / 14)
    close = gap["cv_by_closeness"]["close"]
    far = gap["cv_by_closeness"]["far"]
    assert close == {"n": 9, "macro_f1": 1.0, "accuracy": 1.0}
    assert far["n"] == 5 and far["accuracy"] == 0.0 and far["macro_f1"] == 0.0
    assert gap["cv_by_length"]["long"]["n"] == 2
    assert gap["cv_heldout_like"]["n"] == 9
    # all held-out messages are in the top two bands, where CV is always right
    assert gap["cv_accuracy_at_heldout_closeness"] == 1.0
    assert gap["top_confusions"][0] == {"intent": "b", "predicted": "a", "count": 3, "share": 0.5}
    assert {c["intent"]: c["onto"] for c in gap["collapses"]} == {"a": "b", "b": "a"}
    text = format_gap(gap)
    assert text.startswith("gap analysis")
    assert "b -> a: 3 (50%)" in text and "re-weighted" in text


def test_top_confusions_orders_by_count_then_name():
    recs = [_rec("x", "y", 1, 0)] * 2 + [_rec("a", "b", 1, 0)] * 2 + [_rec("a", "a", 1, 0)]
    assert [(c["intent"], c["predicted"]) for c in top_confusions(recs)] == [("a", "b"), ("x", "y")]
