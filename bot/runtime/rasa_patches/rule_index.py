"""RulePolicy: only the rules that can match the last action are tested first."""
from __future__ import annotations

import contextvars
from typing import Any, Dict, List, Tuple

from bot.runtime.rasa_patches.registry import RASA, Patch, replace

NAME = "rule_index"

# True while RulePolicy predicts (not while it trains, when its rules change).
RULE_PREDICTION: "contextvars.ContextVar[bool]" = contextvars.ContextVar("unknot_rule_prediction", default=False)



def apply(settings: Any = None) -> None:
    """RulePolicy finds the rules that match the conversation
    (`_get_possible_keys`) by testing every rule (180 here) against the last
    state, then the survivors against the state before, and so on, for every
    action it predicts: about 7% of the server's time, nearly all of it in the
    first pass. A rule whose last state names a previous action can only match
    a conversation whose last state has that same previous action
    (`_does_rule_match_state`: a value the rule sets must be equal), so the
    first pass only needs those rules plus the ones that do not name one. The
    rules are grouped once per set of rules; every candidate then goes through
    Rasa's own `_is_rule_applicable`, turn by turn, as before, so the answer is
    the same set. Only while predicting (`predict_action_probabilities`):
    training changes the rules as it goes."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
    from rasa.shared.nlu.constants import ACTION_NAME

    if getattr(RulePolicy._get_possible_keys, "_unknot_indexed", False):
        return
    original_keys = RulePolicy._get_possible_keys
    original_predict = RulePolicy.predict_action_probabilities

    def group(policy: Any, lookup: Dict[str, Any]) -> Tuple[Dict[str, List[str]], List[str]]:
        by_action: Dict[str, List[str]] = {}
        anywhere: List[str] = []
        for rule in lookup:
            rule_states = policy._rule_key_to_state(rule)
            action = (rule_states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME) if rule_states else None
            if isinstance(action, str) and action and action != SHOULD_NOT_BE_SET:
                by_action.setdefault(action, []).append(rule)
            else:
                anywhere.append(rule)
        return by_action, anywhere

    def _get_possible_keys(self: Any, lookup: Dict[str, Any], states: Any) -> Any:
        if not RULE_PREDICTION.get() or not states:
            return original_keys(self, lookup, states)
        groups = self.__dict__.setdefault("_unknot_rule_groups", {})
        grouped = groups.get(id(lookup))
        if grouped is None or grouped[0] is not lookup:
            grouped = groups[id(lookup)] = (lookup, *group(self, lookup))  # holding `lookup` keeps its id unique
        _, by_action, anywhere = grouped
        action = (states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
        candidates = by_action.get(action, []) + anywhere if isinstance(action, str) else anywhere
        possible = set(candidates)
        for i, state in enumerate(reversed(states)):
            possible = {rule for rule in possible if self._is_rule_applicable(rule, i, state)}
        return possible

    def predict_action_probabilities(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = RULE_PREDICTION.set(True)
        try:
            return original_predict(self, *args, **kwargs)
        finally:
            RULE_PREDICTION.reset(token)

    _get_possible_keys._unknot_indexed = True  # type: ignore[attr-defined]
    replace(RulePolicy, "_get_possible_keys", _get_possible_keys, NAME)
    replace(RulePolicy, "predict_action_probabilities", predict_action_probabilities, NAME)



PATCH = Patch(NAME, "speedups", (RASA,), apply)
