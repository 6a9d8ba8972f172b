"""The pretrained sentence encoder (all-MiniLM-L6-v2) on the TensorFlow Rasa already loads.

A sentence embedding is the mean of the token vectors of BERT's last layer over the
real tokens (attention mask), L2-normalised: the model's published pooling, so
cosine similarity is a dot product. transformers' TF BERT reads the safetensors
weights directly (no torch). The forward pass runs inside one `tf.function` with a
`[None, None]` int32 signature, traced once: an eager call costs ~90 ms here, the
traced one ~12 ms.

One encoder per process (`get_encoder`); it is thread-safe for encoding. Training
encodes in batches and keeps embeddings in an on-disk cache (`EmbeddingCache`) keyed
by the model's weights hash and the text, so retraining with the same data does not
run the network again.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from bot.nlu.encoder_setup import Manifest, model_dir

# transformers must never reach for a hub: set before it is imported.
# (bot.runtime.launcher.child_env sets the same for every process it starts.)
for _key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
    os.environ[_key] = "1"

DIMENSION = 384
BATCH_SIZE = 64


class SentenceEncoder:
    def __init__(self, directory: Path, max_tokens: int = 256) -> None:
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # "some weights not used" notices about the pooler head
        self.directory = directory
        self.max_tokens = max_tokens
        self.tokenizer = BertTokenizerFast(tokenizer_file=str(directory / "tokenizer.json"), do_lower_case=True)
        self.model = TFBertModel.from_pretrained(str(directory), local_files_only=True)
        model = self.model

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.int32)])
        def embed(input_ids: "tf.Tensor", attention_mask: "tf.Tensor") -> "tf.Tensor":
            hidden = model(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=tf.zeros_like(input_ids), training=False).last_hidden_state
            mask = tf.cast(attention_mask, hidden.dtype)[:, :, None]
            summed = tf.reduce_sum(hidden * mask, axis=1)
            counts = tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
            return tf.math.l2_normalize(summed / counts, axis=1)

        self._embed = embed
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """(len(texts), 384) float32, each row of unit length."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        out: List[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            batch = [t if t and t.strip() else "" for t in texts[start:start + batch_size]]
            tokens = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_tokens,
                                    return_tensors="np")
            with self._lock:
                vectors = self._embed(tokens["input_ids"].astype(np.int32),
                                      tokens["attention_mask"].astype(np.int32))
            out.append(vectors.numpy().astype(np.float32))
        return np.concatenate(out, axis=0)


_ENCODER: Optional[SentenceEncoder] = None
_ENCODER_LOCK = threading.Lock()


def default_model_dir() -> Path:
    from bot.settings import ROOT

    return model_dir(ROOT)


def get_encoder(directory: Optional[Path] = None) -> SentenceEncoder:
    """The process's one encoder, loaded on first use (the model is ~90 MB)."""
    global _ENCODER
    if _ENCODER is None:
        with _ENCODER_LOCK:
            if _ENCODER is None:
                directory = directory or default_model_dir()
                if not (directory / "model.safetensors").is_file():
                    raise FileNotFoundError(
                        f"the sentence encoder is not set up at {directory}: run `make setup` "
                        f"(python -m bot encoder-model)")
                _ENCODER = SentenceEncoder(directory)
    return _ENCODER


class EmbeddingCache:
    """Embeddings of texts seen before, one .npy shard per flush, under var/encoder/cache.

    Keyed by sha1(weights hash + text), so a different model never reads them.
    """

    def __init__(self, directory: Path, weights_sha: str) -> None:
        self.directory = directory
        self.weights_sha = weights_sha
        self._memory: Dict[str, np.ndarray] = {}
        self._loaded = False

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.weights_sha}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if not self.directory.is_dir():
            return
        for keys_file in sorted(self.directory.glob("*.keys")):
            vectors_file = keys_file.with_suffix(".npy")
            try:
                keys = keys_file.read_text().split()
                vectors = np.load(vectors_file)
            except (OSError, ValueError):
                continue  # a broken shard is only a cache miss
            if len(keys) == len(vectors):
                self._memory.update(zip(keys, vectors))

    def encode(self, encoder: SentenceEncoder, texts: Sequence[str]) -> np.ndarray:
        self._load()
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._memory}.items())
        if missing:
            vectors = encoder.encode([t for _k, t in missing])
            new = dict(zip([k for k, _t in missing], vectors))
            self._memory.update(new)
            self._write(new)
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys]).astype(np.float32)

    def _write(self, new: Dict[str, np.ndarray]) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            shard = hashlib.sha1("".join(sorted(new)).encode()).hexdigest()[:16]
            np.save(self.directory / f"{shard}.npy", np.stack(list(new.values())))
            (self.directory / f"{shard}.keys").write_text("\n".join(new))
        except OSError:
            pass  # the cache only saves time; training goes on without it


def cached_encode(texts: Iterable[str]) -> np.ndarray:
    """Encode many texts (training, evaluation) through the on-disk cache."""
    from bot.settings import ROOT

    encoder = get_encoder()
    cache = EmbeddingCache(ROOT / "var" / "encoder" / "cache", Manifest.load().files["model.safetensors"])
    return cache.encode(encoder, list(texts))
