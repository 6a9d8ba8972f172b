"""SentenceEncoderFeaturizer: the pretrained sentence embedding as a dense feature.

Runs after the tokenizer. For each message's text it computes the all-MiniLM-L6-v2
embedding once (bot.nlu.sentence_encoder) and adds it as a dense *sentence*
feature with origin `SentenceEncoder`. The intent classifier (bot.nlu.encoder_intents) and
RiskGuard (the learned risk classifier) read the same vector
(`sentence_embedding`), so the network runs once per message.

Training examples are encoded in batches through the on-disk cache, so retraining
on the same data costs no network passes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder_setup import Manifest
from bot.nlu.sentence_encoder import cached_encode, get_encoder

ORIGIN = "SentenceEncoder"


def sentence_embedding(message: Message) -> Optional[np.ndarray]:
    """The encoder's vector for the message's text, or None when it has none."""
    for feature in message.features:
        if feature.origin == ORIGIN and feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE:
            return np.asarray(feature.features, dtype=np.float32).reshape(-1)
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEncoderFeaturizer":
        get_encoder()  # load at start-up, not on a person's first message
        return cls()

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        # a different model behind the same config must retrain what depends on it
        return Manifest.load().files["model.safetensors"]

    @staticmethod
    def _add(message: Message, vector: np.ndarray) -> None:
        message.add_features(Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, ORIGIN))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if m.get(TEXT)]
        vectors = cached_encode([m.get(TEXT) for m in messages])
        for message, vector in zip(messages, vectors):
            self._add(message, vector)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT) and sentence_embedding(m) is None]
        if with_text:
            vectors = get_encoder().encode([m.get(TEXT) for m in with_text])
            for message, vector in zip(with_text, vectors):
                self._add(message, vector)
        return messages
