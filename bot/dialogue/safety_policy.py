"""SafetyPolicy: crisis lines and red-flag advice first, in every state.

Rules alone are not enough. While a form is active, Rasa's RulePolicy predicts
the form before any rule, and the form calls its validation action on the
action server before it can reject the message. With the action server down
that call fails, the form is logged as run, and the risk rule never fires.
This policy predicts the safety responses (plain domain responses, no action
server needed) ahead of any loop: it outranks RulePolicy on priority and marks
its predictions as "no user" predictions, the class Rasa uses for loop
happy-paths, so it competes with them on equal terms.

The sequence it enforces after a risk message (or a request for crisis lines):
    utter_crisis_lines -> action_crisis_support -> [action_deactivate_loop] -> listen
and after a red flag:
    utter_red_flag_urgent -> [action_deactivate_loop] -> listen
The same sequences are written as rules in data/rules/safety.yml.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

RISK_SEQUENCE = ("utter_crisis_lines", "action_crisis_support")
RED_FLAG_SEQUENCE = ("utter_red_flag_urgent",)
DEACTIVATE = "action_deactivate_loop"


def next_safety_action(intent: Optional[str], actions_since_user: Sequence[str], active_loop: Optional[str],
                       risk_intents: Sequence[str], red_flag_intents: Sequence[str]) -> Optional[str]:
    """The next action on the safety path, or None when it has nothing to say."""
    if intent in risk_intents:
        sequence = RISK_SEQUENCE
    elif intent in red_flag_intents:
        sequence = RED_FLAG_SEQUENCE
    else:
        return None
    done = list(actions_since_user)
    if done[: len(sequence)] != list(sequence[: len(done)]):
        return None  # something else already answered this turn; stay out of the way
    if len(done) < len(sequence):
        return sequence[len(done)]
    if len(done) == len(sequence) and active_loop:
        return DEACTIVATE
    if done == list(sequence) or done == list(sequence) + [DEACTIVATE]:
        return ACTION_LISTEN_NAME
    return None


def _turn(tracker: DialogueStateTracker) -> tuple:
    """The latest user intent and the bot actions run since that message."""
    actions: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return (event.intent_name, list(reversed(actions)))
        if isinstance(event, ActionExecuted) and event.action_name not in (None, ACTION_LISTEN_NAME):
            actions.append(event.action_name)
    return (None, [])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,  # above RulePolicy (6)
            "risk_intents": ["express_risk", "request_crisis_resources"],
            "red_flag_intents": ["report_red_flag"],
        }

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        intent, actions = _turn(tracker)
        action = next_safety_action(intent, actions, tracker.active_loop_name,
                                    self.config["risk_intents"], self.config["red_flag_intents"])
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
