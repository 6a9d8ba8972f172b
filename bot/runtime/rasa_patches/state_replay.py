"""Dialogue states: continue the replay of a tracker from where it stopped."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from bot.runtime.rasa_patches.registry import RASA, Patch, replace

NAME = "state_replay"


class _Replay:
    """How far `states_for_tracker_history` has replayed one tracker: the
    applied events replayed, a tracker at that point, and what Rasa reads from
    the replayed tracker before each ActionExecuted. A copy of the tracker
    (deepcopy, pickle) starts without one."""

    __slots__ = ("domain", "applied", "tracker", "steps")

    def __init__(self, domain: Any = None, tracker: Any = None) -> None:
        self.domain, self.tracker = domain, tracker
        self.applied: List[Any] = []
        self.steps: List[Tuple[Any, ...]] = []

    def __deepcopy__(self, memo: Any) -> None:
        return None

    def __reduce__(self) -> Any:
        return (type(None), ())



def apply(settings: Any = None) -> None:
    """Every policy turns the conversation into dialogue states for every action
    it predicts: `Domain.states_for_tracker_history` replays the tracker's
    applied events from the start on a fresh copy and reads the state before
    each action, 6-10 full replays per message: ~14% of the server's time, and
    the part that grows with the conversation. Between two calls on the same
    tracker the applied events only get longer (or a revert or restart changes
    them, then everything is replayed again), so the replay is kept on the
    tracker and continued from where it stopped. What is read from each
    replayed tracker is what Rasa's loop reads; that loop (rule-only turns
    hidden, previous ML action substituted) runs as in Rasa over fresh copies,
    with the same sharing between states, so callers may edit them as before."""
    from rasa.shared.core import constants
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted

    original = Domain.__dict__["states_for_tracker_history"]
    if getattr(original, "_unknot_incremental", False):
        return

    def read(domain: Any, tr: Any, hide: bool, omit_unset_slots: bool) -> Tuple[Any, ...]:
        return (hide, bool(tr.followup_action), tr.latest_action_name == tr.active_loop_name,
                domain._get_prev_action_sub_state(tr), domain.get_active_state(tr, omit_unset_slots=omit_unset_slots))

    def steps_of(domain: Any, tracker: Any, omit_unset_slots: bool) -> List[Tuple[Any, ...]]:
        applied = tracker.applied_events()
        replays = tracker.__dict__.get("_unknot_replays")
        if not isinstance(replays, dict):
            replays = tracker.__dict__["_unknot_replays"] = {}
        replay = replays.get(omit_unset_slots)
        if (replay is None or replay.domain is not domain or len(replay.applied) > len(applied)
                or any(a is not b for a, b in zip(replay.applied, applied))):
            replay = replays[omit_unset_slots] = _Replay(domain, tracker.init_copy())
        for event in applied[len(replay.applied):]:
            if isinstance(event, ActionExecuted):
                replay.steps.append(read(domain, replay.tracker, event.hide_rule_turn, omit_unset_slots))
            replay.tracker.update(event)
        replay.applied = applied
        return replay.steps + [read(domain, replay.tracker, False, omit_unset_slots)]

    def states_for_tracker_history(self: Any, tracker: Any, omit_unset_slots: bool = False,
                                   ignore_rule_only_turns: bool = False,
                                   rule_only_data: Optional[Dict[str, Any]] = None) -> Any:
        copies: Dict[int, Any] = {}

        def fresh(sub: Any) -> Any:  # one copy per original, so states share what Rasa's share
            if not isinstance(sub, dict):
                return sub
            copy = copies.get(id(sub))
            if copy is None:
                copy = copies[id(sub)] = dict(sub)
            return copy

        states: List[Any] = []
        last_ml_action_sub_state = None
        turn_was_hidden = False
        for hide_rule_turn, followup, at_loop, prev_action, active in steps_of(self, tracker, bool(omit_unset_slots)):
            # From here on, Rasa's Domain.states_for_tracker_history, line for line.
            if ignore_rule_only_turns:
                if not turn_was_hidden:
                    last_ml_action_sub_state = fresh(prev_action)
                if not followup and not at_loop:
                    turn_was_hidden = hide_rule_turn
                if turn_was_hidden:
                    continue
            state = {kind: fresh(sub) for kind, sub in active.items()}
            if ignore_rule_only_turns:
                self._remove_rule_only_features(state, rule_only_data)
                if states:
                    self._substitute_rule_only_user_input(state, states[-1])
                if last_ml_action_sub_state:
                    state[constants.PREVIOUS_ACTION] = last_ml_action_sub_state
            states.append(self._clean_state(state))
        return states

    states_for_tracker_history._unknot_incremental = True  # type: ignore[attr-defined]
    replace(Domain, "states_for_tracker_history", states_for_tracker_history, NAME)



PATCH = Patch(NAME, "speedups", (RASA,), apply)
