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

Context (bot/dialogue/safety_context.py, pure and unit-tested): an ambiguous message ("how many
of my pills can i take at once", "bye everyone") gets the risk sequence too when one of the
last `context_turns` user turns of the session was a risk turn or carried a hopelessness or
burden cue. Button presses and direct answers to the bot's own questions are never raised by
context alone. No rule can express this, and it needs no action server either.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple, Union

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Restarted, SessionStarted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue import safety_context
from bot.dialogue.safety_context import SESSION_START, ContextDecision, context_decision

log = logging.getLogger(__name__)

RISK_SEQUENCE = ("utter_crisis_lines", "action_crisis_support")
RED_FLAG_SEQUENCE = ("utter_red_flag_urgent",)
DEACTIVATE = "action_deactivate_loop"


def next_safety_action(intent: Optional[str], actions_since_user: Sequence[str], active_loop: Optional[str],
                       risk_intents: Sequence[str], red_flag_intents: Sequence[str],
                       context_risk: bool = False) -> Optional[str]:
    """The next action on the safety path, or None when it has nothing to say.

    context_risk: the message is a risk turn because of the turns before it (see
    safety_context.context_decision); it gets the risk sequence whatever its intent."""
    if intent in risk_intents or context_risk:
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


def _turn_record(event: UserUttered) -> Dict[str, Any]:
    data = event.parse_data or {}
    return {"text": event.text, "intent": event.intent_name, "risk": data.get("risk")}


def context_inputs(tracker: DialogueStateTracker, max_turns: int
                   ) -> Tuple[Optional[Dict[str, Any]], List[Union[Dict[str, Any], str]], Optional[str]]:
    """(current user turn, up to max_turns earlier user turns newest first with SESSION_START
    where the session began, the bot's last action before the current message), read from the
    raw events back to front. A restart counts as a session start. With the conversation window
    on (bot/tracker_store.py, at least 5 user turns) the default 4 earlier turns are inside it."""
    current: Optional[Dict[str, Any]] = None
    earlier: List[Union[Dict[str, Any], str]] = []
    last_bot_action: Optional[str] = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if current is None:
                current = _turn_record(event)
                continue
            if len(earlier) >= max_turns:
                break
            earlier.append(_turn_record(event))
        elif isinstance(event, (SessionStarted, Restarted)) or (
                isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME):
            if current is not None and len(earlier) < max_turns:
                earlier.append(SESSION_START)
            break
        elif (isinstance(event, ActionExecuted) and current is not None and last_bot_action is None
              and event.action_name not in (None, ACTION_LISTEN_NAME)):
            last_bot_action = event.action_name
    return current, earlier, last_bot_action


def tracker_context(tracker: DialogueStateTracker, config: Dict[Text, Any]) -> ContextDecision:
    """safety_context.context_decision on the tracker's latest user message."""
    turns = int(config.get("context_turns", safety_context.DEFAULT_CONTEXT_TURNS))
    if turns <= 0:
        return ContextDecision(False, "off")
    current, earlier, last_bot_action = context_inputs(tracker, turns)
    if current is None:
        return ContextDecision(False, "no_message")
    return context_decision(
        current, earlier,
        active_loop=tracker.active_loop_name,
        requested_slot=tracker.get_slot(REQUESTED_SLOT) if REQUESTED_SLOT in tracker.slots else None,
        last_bot_action=last_bot_action,
        answer_questions=config.get("answer_questions", safety_context.DEFAULT_ANSWER_QUESTIONS),
        context_turns=turns,
        context_score=float(config.get("context_score", safety_context.DEFAULT_CONTEXT_SCORE)),
        risk_intents=config.get("context_risk_intents", safety_context.DEFAULT_RISK_INTENTS),
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,  # above RulePolicy (6)
            "risk_intents": ["express_risk", "request_crisis_resources"],
            "red_flag_intents": ["report_red_flag"],
            # context (see safety_context.py): how many earlier user turns count, and the
            # learned classifier's risk score that makes a message ambiguous on its own
            "context_turns": safety_context.DEFAULT_CONTEXT_TURNS,
            "context_score": safety_context.DEFAULT_CONTEXT_SCORE,
            "context_risk_intents": list(safety_context.DEFAULT_RISK_INTENTS),
            # bot questions answered with a time or a number: never raised by context alone
            "answer_questions": list(safety_context.DEFAULT_ANSWER_QUESTIONS),
        }

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        intent, actions = _turn(tracker)
        context_risk = False
        if intent not in self.config["risk_intents"] and intent not in self.config["red_flag_intents"]:
            decision = tracker_context(tracker, self.config)
            context_risk = decision.raised
            if context_risk and not actions:
                log.debug(f"Context makes this a risk turn (cues {decision.cues}, a risk turn "
                          f"{decision.history_turn} user turn(s) back).")
        action = next_safety_action(intent, actions, tracker.active_loop_name,
                                    self.config["risk_intents"], self.config["red_flag_intents"],
                                    context_risk=context_risk)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)
