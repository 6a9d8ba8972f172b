"""The learned risk classifier on real embeddings: it learns, keeps its bands,
round-trips through its files, and the cross-validation never scores an item
with a model that saw it."""
import numpy as np
import pytest

from bot.safety import classifier as C
from tests.support.tiny_risk_sets import NONE, RISK


@pytest.fixture(scope="module")
def data():
    from bot.nlu.sentence_encoder import get_encoder

    texts = RISK + NONE
    labels = [True] * len(RISK) + [False] * len(NONE)
    return get_encoder().encode(texts), texts, labels


def test_it_separates_risk_from_ordinary_messages_it_never_saw(data):
    emb, texts, labels = data
    weights, bias = C.fit_weights(emb, texts, labels)
    model = C.RiskClassifier(weights, bias, 0.5, 0.9)
    from bot.nlu.sentence_encoder import get_encoder

    unseen = ["honestly i don't want to wake up tomorrow", "which chair is best for lower back pain"]
    scores = model.scores(get_encoder().encode(unseen), unseen)
    assert scores[0] > 0.5 > scores[1]


def test_saved_and_loaded_it_scores_the_same(data, tmp_path):
    emb, texts, labels = data
    weights, bias = C.fit_weights(emb, texts, labels)
    model = C.RiskClassifier(weights, bias, 0.4, 0.8, {"note": "x"})
    model.save(tmp_path)
    again = C.RiskClassifier.load(tmp_path)
    assert np.allclose(model.scores(emb, texts), again.scores(emb, texts), atol=1e-6)
    assert (again.possible_threshold, again.high_threshold, again.info) == (0.4, 0.8, {"note": "x"})


def test_bands():
    model = C.RiskClassifier(np.zeros(4), 0.0, 0.3, 0.8)
    assert [model.level(s) for s in (0.1, 0.3, 0.79, 0.8)] == ["none", "possible", "possible", "high"]


def test_folds_cover_every_item_once_and_spread_the_labels():
    labels = [True] * 10 + [False] * 23
    folds = C.stratified_folds(labels, 5)
    flat = sorted(int(i) for f in folds for i in f)
    assert flat == list(range(33))
    assert all(sum(labels[i] for i in f) in (2,) for f in folds)
    assert [list(f) for f in folds] == [list(f) for f in C.stratified_folds(labels, 5)]


def test_out_of_fold_scores_come_from_models_that_did_not_see_the_item(data, monkeypatch):
    emb, texts, labels = data
    seen_by_model = []
    real_fit = C.fit_weights

    def spy(e, t, lab, c=4.0):
        seen_by_model.append(set(t))
        return real_fit(e, t, lab, c)

    monkeypatch.setattr(C, "fit_weights", spy)
    C.out_of_fold_scores(emb, texts, labels, k=3)
    folds = C.stratified_folds(labels, 3)
    for fold, seen in zip(folds, seen_by_model):
        assert not seen & {texts[i] for i in fold}


def test_threshold_at_fp_allows_exactly_that_share_of_negatives():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.95])
    labels = [False] * 10 + [True]
    t = C.threshold_at_fp(scores, labels, 0.2)
    assert np.sum(scores[:10] >= t) == 2


def test_nlu_examples_label_express_risk_and_skip_crisis_requests():
    ex = C.nlu_examples([("i want to die", "express_risk"), ("hotline numbers", "request_crisis_resources"),
                         ("back hurts", "express_stress")])
    assert [(e.text, e.risk) for e in ex] == [("i want to die", True), ("back hurts", False)]


def test_dedupe_keeps_the_risk_label_when_a_text_has_both():
    ex = C.dedupe([C.Example("I want out", False, "nlu:x"), C.Example("i want out", True, "labelled:y")])
    assert len(ex) == 1 and ex[0].risk


def test_the_labelled_sets_load_with_both_labels():
    items = C.load_labelled()
    assert sum(e.risk for e in items) > 300 and sum(not e.risk for e in items) > 500
