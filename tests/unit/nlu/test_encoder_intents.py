"""The intent classifier on the sentence embedding (bot/nlu/encoder_intents.py):
it generalises to wording it was not trained on, its ranking is Rasa's format,
and a saved model predicts exactly what the trained one did. Needs `make setup`."""
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.encoder_intents import INTENT_RANKING, IntentModel, ranking
from bot.nlu.sentence_encoder import get_encoder

TRAINING = {
    "greet": ["hi", "hello there", "hey", "good morning", "hiya"],
    "goodbye": ["bye", "see you later", "goodbye for now", "i'm off, thanks", "talk tomorrow"],
    "ask_stress_back_pain": ["can stress cause back pain?", "does anxiety make your back hurt",
                             "is my back pain from stress", "can worry give you a sore back",
                             "why does my back ache when i'm anxious"],
}


@pytest.fixture(scope="module")
def trained():
    texts = [t for examples in TRAINING.values() for t in examples]
    intents = [name for name, examples in TRAINING.items() for _ in examples]
    encoder = get_encoder()
    return IntentModel.fit(encoder.encode(texts), texts, intents, c=16.0, char_ngram_weight=0.5), encoder


def test_unseen_paraphrases_get_the_right_intent(trained):
    model, encoder = trained
    unseen = {"could being stressed out be why my spine hurts": "ask_stress_back_pain",
              "catch you later": "goodbye", "howdy": "greet"}
    texts = list(unseen)
    probabilities = model.probabilities(encoder.encode(texts), texts)
    predicted = [model.intents[i] for i in probabilities.argmax(axis=1)]
    assert predicted == list(unseen.values())
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_a_saved_model_predicts_exactly_what_the_trained_one_did(trained, tmp_path: Path):
    model, encoder = trained
    model.save(tmp_path)
    loaded = IntentModel.load(tmp_path)
    texts = ["my back is killing me since the exams", "hello!", "asdf qwer"]
    embeddings = encoder.encode(texts)
    assert loaded.intents == model.intents
    assert np.allclose(loaded.probabilities(embeddings, texts), model.probabilities(embeddings, texts), atol=1e-6)
    # only the weight rows of n-grams seen in training are stored, not the whole hash space
    assert len(loaded.columns) < 5000


def test_two_intents_are_still_a_softmax_over_both():
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(8, 384)).astype(np.float32)
    embeddings[:4, 0] += 3
    texts = ["yes", "yep", "sure", "ok", "no", "nope", "nah", "not really"]
    model = IntentModel.fit(embeddings, texts, ["affirm"] * 4 + ["deny"] * 4, c=16.0, char_ngram_weight=0.0)
    probabilities = model.probabilities(embeddings, texts)
    assert probabilities.shape == (8, 2)
    assert list(probabilities.argmax(axis=1)) == [0] * 4 + [1] * 4


def test_the_ranking_is_rasas_format_best_first():
    ranked = ranking(np.array([0.1, 0.7, 0.2]), ["a", "b", "c"])
    assert [r[INTENT_NAME_KEY] for r in ranked] == ["b", "c", "a"]
    assert ranked[0][PREDICTED_CONFIDENCE_KEY] == pytest.approx(0.7)


def test_the_component_sets_intent_and_ranking_on_a_message(trained):
    from bot.nlu.encoder_intents import EncoderIntentClassifier

    model, _ = trained
    component = EncoderIntentClassifier({"C": 16.0, "char_ngram_weight": 0.5}, None, None, model)
    message = Message({TEXT: "does stress make backs sore"})
    empty = Message({TEXT: ""})
    component.process([message, empty])
    assert message.get(INTENT)[INTENT_NAME_KEY] == "ask_stress_back_pain"
    assert message.get(INTENT_RANKING)[0] == message.get(INTENT)
    # nothing to classify, but an intent all the same: the FallbackClassifier reads it unguarded
    assert empty.get(INTENT) == {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
    assert empty.get(INTENT_RANKING) == []


def test_a_message_with_no_known_word_is_not_classified_confidently(trained):
    from bot.nlu.encoder_intents import EncoderIntentClassifier

    model, _ = trained
    component = EncoderIntentClassifier({"C": 16.0, "char_ngram_weight": 0.5, "unknown_words_factor": 0.5},
                                        None, None, model)
    known, unknown, marks = Message({TEXT: "hello"}), Message({TEXT: "zxqv wibble"}), Message({TEXT: "?!"})
    component.process([known, unknown, marks])
    assert known.get(INTENT)[PREDICTED_CONFIDENCE_KEY] > 0.5
    assert unknown.get(INTENT)[PREDICTED_CONFIDENCE_KEY] <= 0.5  # below the fallback threshold: the bot asks
    assert marks.get(INTENT)[PREDICTED_CONFIDENCE_KEY] <= 0.5
