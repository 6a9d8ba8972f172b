"""The fine-tuned risk encoder: it learns from a few labelled messages, stores only
what it trained, loads back to the same scores, and its cache key follows the data."""
import numpy as np
import pytest

from bot.nlu.risk_encoder import FineTuneSettings, RiskEncoder, cache_key, fine_tuned
from bot.nlu.sentence_encoder import default_model_dir
from tests.support.tiny_risk_sets import NONE, RISK

SETTINGS = FineTuneSettings(epochs=4, learning_rate=5e-5, batch_size=8)


# The module fine-tunes a copy of the encoder: it trains a model, so it is `slow`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cache = tmp_path_factory.mktemp("risk-cache")
    model = fine_tuned(RISK + NONE, [True] * len(RISK) + [False] * len(NONE), SETTINGS, cache_dir=cache)
    return model, cache


def test_it_learns_to_rank_unseen_risk_above_unseen_ordinary_messages(trained):
    model, _cache = trained
    risk, ordinary = model.logits(["honestly i don't want to wake up tomorrow",
                                   "which chair is best for lower back pain"])
    assert risk > ordinary
    assert len(model.info["epoch_losses"]) == 4
    assert model.info["epoch_losses"][-1] < model.info["epoch_losses"][0]


def test_saved_and_loaded_it_scores_the_same_and_stores_no_embeddings(trained, tmp_path):
    model, _cache = trained
    model.save(tmp_path / "enc", model.info)
    again = RiskEncoder.load(tmp_path / "enc", default_model_dir())
    texts = RISK[:3] + NONE[:3]
    assert np.allclose(model.logits(texts), again.logits(texts), atol=1e-5)
    stored = np.load(tmp_path / "enc" / "risk_encoder.npz")
    assert all(stored[k].shape != (30522, 384) for k in stored.files)  # the word embeddings stay frozen


def test_the_cache_is_used_for_the_same_training_and_not_for_other_data(trained):
    _model, cache = trained
    labels = [True] * len(RISK) + [False] * len(NONE)
    key = cache_key(RISK + NONE, labels, SETTINGS)
    assert (cache / key / "risk_encoder.npz").is_file()
    assert cache_key(RISK + NONE, labels[::-1], SETTINGS) != key
    assert cache_key(RISK + NONE, labels, FineTuneSettings(epochs=5)) != key
