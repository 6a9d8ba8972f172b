"""The learned risk classifier: logistic regression over the sentence embedding
plus hashed character n-grams of the normalised text.

The embedding (all-MiniLM-L6-v2, computed once per message by the NLU pipeline and
handed in as a vector) carries meaning: "i don't see the point of waking up"
lands near "i want to die" although they share no word. The character n-grams
(hashed, so there is no vocabulary to store) carry spelling: slang, leetspeak and
typos the encoder's word pieces blur.

Pure Python + numpy + scikit-learn; no Rasa import. Training data: the labelled
risk sets in data/safety/*.yml plus the NLU examples (express_risk = risk,
every other intent = none; request_crisis_resources is left out, it takes the
crisis path anyway). Thresholds are chosen by K-fold cross-validation on the
training data only (`choose_thresholds`): `possible` is the score at which the
out-of-fold false-alarm rate on the labelled sets' negatives (the hard ones) is
`possible_fp`, `high` the one at `high_fp`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import yaml

from .normalize import normalize

N_HASH_FEATURES = 2 ** 18
NGRAMS = (2, 5)
EMBEDDING_WEIGHT = 1.0
LABELLED_DIR = Path(__file__).resolve().parents[2] / "data" / "safety"
NLU_DIR = Path(__file__).resolve().parents[2] / "data" / "nlu"
RISK_INTENT = "express_risk"
SKIP_INTENTS = frozenset({"request_crisis_resources"})


@dataclass(frozen=True)
class Example:
    text: str
    risk: bool
    source: str  # "labelled:<category>" or "nlu:<intent>"


def _hasher():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAMS, n_features=N_HASH_FEATURES,
                             alternate_sign=False, norm="l2", lowercase=True)


def features(embeddings: np.ndarray, texts: Sequence[str]):
    """[embedding | hashed char n-grams of the normalised text], sparse CSR."""
    from scipy import sparse

    grams = _hasher().transform([normalize(t or "") for t in texts])
    dense = sparse.csr_matrix(np.asarray(embeddings, dtype=np.float32) * EMBEDDING_WEIGHT)
    return sparse.hstack([dense, grams], format="csr")


def sigmoid(logits) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))


def logit(probabilities) -> np.ndarray:
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def combined_scores(linear_logits, fine_tuned_logits) -> np.ndarray:
    """The risk score the bands apply to: the mean of the two models' log-odds.

    The linear model (frozen embedding + character n-grams) and the fine-tuned encoder
    make different mistakes (spelling vs meaning), so averaging their log-odds ranks
    risk above ordinary messages better than either alone (docs/safety.md, "Figures")."""
    return sigmoid((np.asarray(linear_logits, dtype=np.float64) + np.asarray(fine_tuned_logits, dtype=np.float64)) / 2)


@dataclass
class RiskClassifier:
    weights: np.ndarray           # (384 + N_HASH_FEATURES,)
    bias: float
    possible_threshold: float
    high_threshold: float
    info: Dict[str, object] = field(default_factory=dict)

    def logits(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(features(embeddings, texts) @ self.weights + self.bias).reshape(-1)

    def scores(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return sigmoid(self.logits(embeddings, texts))

    def score(self, embedding: np.ndarray, text: str) -> float:
        return float(self.scores(np.asarray(embedding).reshape(1, -1), [text])[0])

    def level(self, score: float) -> str:
        if score >= self.high_threshold:
            return "high"
        if score >= self.possible_threshold:
            return "possible"
        return "none"

    # persistence: plain numpy + json, nothing executable
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        nonzero = np.flatnonzero(self.weights)
        np.savez_compressed(directory / "risk_classifier.npz", index=nonzero.astype(np.int64),
                            values=self.weights[nonzero].astype(np.float32), size=np.int64(self.weights.size))
        (directory / "risk_classifier.json").write_text(json.dumps({
            "bias": self.bias, "possible_threshold": self.possible_threshold,
            "high_threshold": self.high_threshold, "info": self.info}, indent=2))

    @classmethod
    def load(cls, directory: Path) -> "RiskClassifier":
        arrays = np.load(directory / "risk_classifier.npz")
        weights = np.zeros(int(arrays["size"]), dtype=np.float32)
        weights[arrays["index"]] = arrays["values"]
        meta = json.loads((directory / "risk_classifier.json").read_text())
        return cls(weights, float(meta["bias"]), float(meta["possible_threshold"]),
                   float(meta["high_threshold"]), meta.get("info") or {})


def fit_weights(embeddings: np.ndarray, texts: Sequence[str], labels: Sequence[bool],
                c: float = 4.0) -> Tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(features(embeddings, texts), np.asarray(labels, dtype=int))
    return model.coef_.reshape(-1).astype(np.float32), float(model.intercept_[0])


def stratified_folds(labels: Sequence[bool], k: int, seed: int = 13) -> List[np.ndarray]:
    """Index arrays of k folds, positives and negatives spread evenly (deterministic)."""
    rng = np.random.default_rng(seed)
    is_risk = np.asarray(labels, dtype=bool)
    folds: List[List[int]] = [[] for _ in range(k)]
    for value in (True, False):
        idx = np.flatnonzero(is_risk == value)
        rng.shuffle(idx)
        for i, j in enumerate(idx):
            folds[i % k].append(int(j))
    return [np.array(sorted(f), dtype=int) for f in folds]


def out_of_fold_scores(embeddings: np.ndarray, texts: Sequence[str], labels: Sequence[bool],
                       k: int = 5, always_train: Optional[Tuple[np.ndarray, Sequence[str], Sequence[bool]]] = None,
                       c: float = 4.0) -> np.ndarray:
    """Each item scored by a model that never saw it (trained on the other folds,
    plus `always_train` when given, e.g. the NLU examples)."""
    texts = list(texts)
    labels = list(labels)
    scores = np.zeros(len(texts), dtype=np.float64)
    for fold in stratified_folds(labels, k):
        train = np.setdiff1d(np.arange(len(texts)), fold)
        emb = embeddings[train]
        tx = [texts[i] for i in train]
        lb = [labels[i] for i in train]
        if always_train is not None:
            emb = np.concatenate([emb, always_train[0]])
            tx += list(always_train[1])
            lb += list(always_train[2])
        w, b = fit_weights(emb, tx, lb, c)
        clf = RiskClassifier(w, b, 0.5, 0.9)
        scores[fold] = clf.scores(embeddings[fold], [texts[i] for i in fold])
    return scores


def threshold_at_fp(scores: np.ndarray, labels: Union[np.ndarray, Sequence[bool]], fp_rate: float) -> float:
    """The lowest threshold whose false-alarm rate on the negatives is <= fp_rate."""
    negatives = np.sort(np.asarray(scores)[~np.asarray(labels, dtype=bool)])[::-1]
    allowed = int(np.floor(fp_rate * len(negatives)))
    if allowed >= len(negatives):
        return 0.0
    return float(np.nextafter(negatives[allowed], 1.0))


def choose_thresholds(embeddings: np.ndarray, texts: Sequence[str], labels: Sequence[bool], held: np.ndarray,
                      possible_fp: float, high_fp: float, k: int = 5) -> Tuple[float, float, Dict[str, Any]]:
    """Score bands from out-of-fold scores of the `held` examples (the labelled sets:
    hard negatives that look like risk); the others (NLU examples, mostly easy
    negatives) are in every fold's training data and would make any rate look low."""
    texts = list(texts)
    lab = np.asarray(labels, dtype=bool)
    held = np.asarray(held, dtype=bool)
    rest = np.flatnonzero(~held)
    idx = np.flatnonzero(held)
    oof = out_of_fold_scores(embeddings[idx], [texts[i] for i in idx], list(lab[idx]), k,
                             (embeddings[rest], [texts[i] for i in rest], list(lab[rest])))
    y = lab[idx]
    possible = threshold_at_fp(oof, y, possible_fp)
    high = max(threshold_at_fp(oof, y, high_fp), possible)
    info = {"cv_folds": k, "cv_examples": int(len(idx)),
            "cv_recall_at_possible": float(np.mean(oof[y] >= possible)),
            "cv_false_alarms_at_possible": float(np.mean(oof[~y] >= possible)),
            "cv_recall_at_high": float(np.mean(oof[y] >= high)),
            "cv_false_alarms_at_high": float(np.mean(oof[~y] >= high))}
    return possible, high, info


def train_classifier(embeddings: np.ndarray, texts: Sequence[str], labels: Sequence[bool], held: np.ndarray,
                     possible_fp: float = 0.01, high_fp: float = 0.002, k: int = 5) -> RiskClassifier:
    possible, high, info = choose_thresholds(embeddings, texts, labels, held, possible_fp, high_fp, k)
    weights, bias = fit_weights(embeddings, texts, labels)
    info.update({"examples": len(texts), "risk_examples": int(np.sum(labels)), "possible_fp": possible_fp,
                 "high_fp": high_fp})
    return RiskClassifier(weights, bias, possible, high, info)


# ------------------------------------------------------------ training data
def labelled_files(directory: Path = LABELLED_DIR) -> List[Path]:
    return sorted(directory.glob("*.yml"))


def load_labelled(directory: Path = LABELLED_DIR) -> List[Example]:
    out: List[Example] = []
    for path in labelled_files(directory):
        for item in yaml.safe_load(path.read_text()) or []:
            out.append(Example(str(item["text"]), item["label"] == "risk", f"labelled:{item['category']}"))
    return out


def nlu_examples(intent_examples: Sequence[Tuple[str, str]]) -> List[Example]:
    """(text, intent) pairs from the NLU training data, as classifier examples."""
    return [Example(text, intent == RISK_INTENT, f"nlu:{intent}") for text, intent in intent_examples
            if intent not in SKIP_INTENTS and text]


def dedupe(examples: Sequence[Example]) -> List[Example]:
    """One example per text (case-insensitive); a text labelled both ways counts as risk."""
    seen: Dict[str, Example] = {}
    for ex in examples:
        key = ex.text.strip().lower()
        if key not in seen or (ex.risk and not seen[key].risk):
            seen[key] = ex
    return list(seen.values())
