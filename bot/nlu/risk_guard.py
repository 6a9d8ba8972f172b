"""RiskGuard: the NLU step that makes sure a risk message is treated as one.

Runs after the intent classifier and the FallbackClassifier. It asks the pure
Python detector in `bot.safety` about every message and also trusts DIET when
DIET itself ranks `express_risk` at or above `diet_threshold`. When either
fires, the intent becomes `express_risk` with confidence 1.0 (so no fallback or
low confidence can swallow it) and the reasons are recorded under `risk` in the
parse data, where actions and the staff review can read them.

The other direction matters too: DIET's bag-of-words model puts `express_risk`
on top for harmless messages that share its words ("i want to live closer to
work", "my cat died"). When neither the detector nor DIET at the threshold
says risk, a top `express_risk` is *demoted* to the next intent (or to
`nlu_fallback` when that one is below `fallback_threshold`, as the
FallbackClassifier would have done). The threshold is tuned by
`make eval-safety`, which prints recall and false alarms for a range of them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety import assess

RISK = "risk"
INTENT_RANKING = "intent_ranking"


FALLBACK_INTENT = "nlu_fallback"


def classifier_confidence(intent: Optional[Dict[str, Any]], ranking: List[Dict[str, Any]], risk_intent: str) -> float:
    for entry in ranking or ([intent] if intent else []):
        if entry and entry.get(INTENT_NAME_KEY) == risk_intent:
            return float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return 0.0


def guard_decision(text: Optional[str], intent: Optional[Dict[str, Any]], ranking: List[Dict[str, Any]],
                   risk_intent: str, diet_threshold: float) -> Dict[str, Any]:
    """Combine the detector and DIET into one decision (pure, unit-tested)."""
    assessment = assess(text or "")
    reasons = list(assessment.reasons)
    level = assessment.level.value
    diet_confidence = classifier_confidence(intent, ranking, risk_intent)
    diet_fired = diet_confidence >= diet_threshold
    if diet_fired:
        reasons.append(f"classifier:{diet_confidence:.2f}")
        if level == "none":
            level = "possible"
    return {"level": level, "reasons": reasons, "forced": level != "none",
            "classifier_confidence": round(diet_confidence, 4)}


def demoted_intent(ranking: List[Dict[str, Any]], risk_intent: str, fallback_threshold: float) -> Dict[str, Any]:
    """The intent to use when the classifier's top `risk_intent` was not trusted."""
    for entry in ranking:
        name = entry.get(INTENT_NAME_KEY)
        if name and name not in (risk_intent, FALLBACK_INTENT):
            if float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= fallback_threshold:
                return {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: entry.get(PREDICTED_CONFIDENCE_KEY)}
            break
    return {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: fallback_threshold}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RiskGuard(GraphComponent):
    """Forces the risk intent when the safety detector or the classifier says so."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"risk_intent": "express_risk", "diet_threshold": 0.5, "fallback_threshold": 0.45}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.risk_intent = config["risk_intent"]
        self.diet_threshold = float(config["diet_threshold"])
        self.fallback_threshold = float(config["fallback_threshold"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RiskGuard":
        assess("warm up")  # build the detector's spaCy pipeline at load, not on a person's first message
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            decision = guard_decision(text, message.get(INTENT), message.get(INTENT_RANKING) or [],
                                      self.risk_intent, self.diet_threshold)
            message.set(RISK, {k: decision[k] for k in ("level", "reasons", "classifier_confidence")},
                        add_to_output=True)
            others = [r for r in message.get(INTENT_RANKING) or [] if r.get(INTENT_NAME_KEY) != self.risk_intent]
            if decision["forced"]:
                forced = {INTENT_NAME_KEY: self.risk_intent, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, forced, add_to_output=True)
                message.set(INTENT_RANKING, [forced] + others, add_to_output=True)
            elif (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.risk_intent:
                message.set(INTENT, demoted_intent(others, self.risk_intent, self.fallback_threshold),
                            add_to_output=True)
        return messages
