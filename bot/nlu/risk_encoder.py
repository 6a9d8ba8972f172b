"""A copy of the sentence encoder fine-tuned to tell risk from ordinary messages.

Why a second copy: a logistic regression on the frozen embedding (bot.safety.classifier)
learns only a direction in a space built for general similarity, and plans, goodbyes,
means questions and learner English sit close to harmless messages there. Fine-tuning
the six transformer layers on the labelled risk sets moves them apart: on the spent
blind batches 09-10 the fine-tuned model found about 81-91% of the risk messages at a 1%
false-alarm rate where the frozen one found 80%, and the two together more than either
(docs/safety/README in the repo's Safety section has the measured table).

What is trained: the transformer layers and a one-unit head on the mean-pooled,
L2-normalised embedding (the same pooling as the published model). The word, position
and type embeddings stay frozen, so only ~10.6 M weights are stored with the Rasa model
(~43 MB) and loaded over the verified base files in var/encoder/.

Fine-tuning is deterministic for a given seed and data; the weights are also kept under
var/encoder/risk/<key> (key = base weights + data + settings), so the shipped model and
the test model, trained on the same data, fine-tune once.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from bot.nlu.encoder_setup import Manifest

for _key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
    os.environ[_key] = "1"

WEIGHTS_FILE = "risk_encoder.npz"
META_FILE = "risk_encoder.json"
HEAD_SCALE = 10.0  # the unit-length embedding times this: a head that can reach confident logits


@dataclass(frozen=True)
class FineTuneSettings:
    epochs: int = 3
    learning_rate: float = 3e-5
    batch_size: int = 32
    max_tokens: int = 64
    seed: int = 13


def _variable_key(name: str) -> str:
    """'tf_bert_model_3/bert/encoder/layer_._0/...:0' -> 'bert/encoder/layer_._0/...'."""
    return name.split("/", 1)[1].rsplit(":", 1)[0] if "/" in name else name


class RiskEncoder:
    """BERT (all-MiniLM-L6-v2) + a risk head; `logits(texts)` > 0 leans risk."""

    def __init__(self, base_dir: Path, settings: FineTuneSettings = FineTuneSettings()) -> None:
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        self.settings = settings
        self.info: Dict[str, object] = {}
        self.tokenizer = BertTokenizerFast(tokenizer_file=str(base_dir / "tokenizer.json"), do_lower_case=True)
        self.bert = TFBertModel.from_pretrained(str(base_dir), local_files_only=True)
        self.bert.bert.embeddings.trainable = False
        self.head = tf.keras.layers.Dense(1, name="risk_head",
                                          kernel_initializer=tf.keras.initializers.GlorotUniform(seed=settings.seed))
        self.head.build((None, 384))
        bert, head = self.bert, self.head

        def forward(ids: "tf.Tensor", mask: "tf.Tensor", training: bool) -> "tf.Tensor":
            hidden = bert(input_ids=ids, attention_mask=mask, token_type_ids=tf.zeros_like(ids),
                          training=training).last_hidden_state
            weights = tf.cast(mask, hidden.dtype)[:, :, None]
            pooled = tf.reduce_sum(hidden * weights, axis=1) / tf.maximum(tf.reduce_sum(weights, axis=1), 1e-9)
            return tf.squeeze(head(tf.math.l2_normalize(pooled, axis=1) * HEAD_SCALE), -1)

        self._forward = forward

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2)
        def predict(ids: "tf.Tensor", mask: "tf.Tensor") -> "tf.Tensor":
            return forward(ids, mask, False)

        self._predict = predict
        self._lock = threading.Lock()

    # ------------------------------------------------------------ weights
    def trained_variables(self) -> List[Any]:
        return list(self.bert.trainable_variables) + list(self.head.trainable_variables)

    def save(self, directory: Path, info: Optional[Dict[str, object]] = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {f"v{i:03d}": v.numpy() for i, v in enumerate(self.trained_variables())}
        names = [_variable_key(v.name) for v in self.trained_variables()]
        tmp = directory / (WEIGHTS_FILE + ".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(directory / WEIGHTS_FILE)
        (directory / META_FILE).write_text(json.dumps({"names": names, "settings": asdict(self.settings),
                                                       "info": info or {}}, indent=1))

    @classmethod
    def load(cls, directory: Path, base_dir: Path) -> "RiskEncoder":
        meta = json.loads((directory / META_FILE).read_text())
        model = cls(base_dir, FineTuneSettings(**meta["settings"]))
        model._predict(np.zeros((1, 2), np.int32), np.ones((1, 2), np.int32))  # build the variables
        variables = model.trained_variables()
        names = [_variable_key(v.name) for v in variables]
        if names != meta["names"]:
            raise ValueError(f"the stored risk encoder does not match this model ({directory})")
        arrays = np.load(directory / WEIGHTS_FILE)
        for i, variable in enumerate(variables):
            variable.assign(arrays[f"v{i:03d}"])
        model.info = meta.get("info") or {}
        return model

    # ------------------------------------------------------------ use
    def _tokens(self, texts: Sequence[str]):
        tokens = self.tokenizer([t if t and t.strip() else "" for t in texts], padding=True, truncation=True,
                                max_length=self.settings.max_tokens, return_tensors="np")
        return tokens["input_ids"].astype(np.int32), tokens["attention_mask"].astype(np.int32)

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        out = []
        for start in range(0, len(texts), batch_size):
            ids, mask = self._tokens(texts[start:start + batch_size])
            with self._lock:
                out.append(self._predict(ids, mask).numpy())
        return np.concatenate(out).astype(np.float32)

    # ------------------------------------------------------------ training
    def fit(self, texts: Sequence[str], labels: Sequence[bool]) -> Dict[str, object]:
        """Class-weighted cross-entropy, Adam; batches of similar length (less padding)."""
        import tensorflow as tf

        s = self.settings
        tf.random.set_seed(s.seed)
        rng = np.random.default_rng(s.seed)
        y = np.asarray(labels, dtype=np.float32)
        positives = max(float(y.sum()), 1.0)
        pos_weight = tf.constant((len(y) - positives) / positives, tf.float32)
        optimizer = tf.keras.optimizers.Adam(s.learning_rate)
        variables = self.trained_variables()
        forward = self._forward

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)] * 2 + [tf.TensorSpec([None], tf.float32)])
        def step(ids: "tf.Tensor", mask: "tf.Tensor", target: "tf.Tensor") -> "tf.Tensor":
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.weighted_cross_entropy_with_logits(target, forward(ids, mask, True),
                                                                               pos_weight))
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        lengths = np.array([len(t or "") for t in texts])
        losses: List[float] = []
        for _epoch in range(s.epochs):
            order = rng.permutation(len(texts))
            chunk = s.batch_size * 8
            batches = []
            for start in range(0, len(order), chunk):
                part = order[start:start + chunk]
                part = part[np.argsort(lengths[part], kind="stable")]
                batches += [part[i:i + s.batch_size] for i in range(0, len(part), s.batch_size)]
            epoch_losses = []
            for b in rng.permutation(len(batches)):
                batch = batches[b]
                ids, mask = self._tokens([texts[i] for i in batch])
                epoch_losses.append(float(step(ids, mask, y[batch])))
            losses.append(float(np.mean(epoch_losses)))
        self.info = {"examples": len(texts), "risk_examples": int(positives), "epoch_losses": losses}
        return self.info


def cache_key(texts: Sequence[str], labels: Sequence[bool], settings: FineTuneSettings) -> str:
    digest = hashlib.sha256()
    digest.update(Manifest.load().files["model.safetensors"].encode())
    digest.update(json.dumps(asdict(settings), sort_keys=True).encode())
    for text, label in sorted(zip(texts, labels)):
        digest.update(f"{int(bool(label))}\0{text}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:24]


def fine_tuned(texts: Sequence[str], labels: Sequence[bool], settings: FineTuneSettings = FineTuneSettings(),
               cache_dir: Optional[Path] = None) -> RiskEncoder:
    """A risk encoder trained on (texts, labels): from var/encoder/risk when this exact
    training was done before, otherwise fine-tuned now (~30 s per epoch per 5k examples here)."""
    from bot.nlu.sentence_encoder import default_model_dir
    from bot.settings import ROOT

    base = default_model_dir()
    cache_dir = cache_dir or ROOT / "var" / "encoder" / "risk"
    directory = cache_dir / cache_key(texts, labels, settings)
    if (directory / WEIGHTS_FILE).is_file():
        try:
            return RiskEncoder.load(directory, base)
        except (OSError, ValueError, KeyError):
            pass  # a broken cache entry: train again
    model = RiskEncoder(base, settings)
    model.fit(list(texts), list(labels))
    try:
        model.save(directory, model.info)
    except OSError:
        pass  # the cache only saves time
    return model
