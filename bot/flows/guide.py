"""Step-by-step guides: the "can stress cause back pain?" walkthrough and the
guided exercises (paced breathing, progressive muscle relaxation).

Pure logic, no Rasa import: `next_move` takes what the user just did and where
the conversation is, and returns which domain responses to send (with which
buttons) and which slots to set. `actions/guide.py` is the thin Rasa adapter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

EXPLAIN = "explain"
BREATHING = "breathing"
PMR = "pmr"
CHECKIN = "checkin"

# The five mechanisms, in the order they build on each other.
EXPLAIN_STEPS: Tuple[Tuple[str, str], ...] = (
    ("utter_explain_muscle_tension", "muscle tension"),
    ("utter_explain_posture", "posture"),
    ("utter_explain_inactivity", "moving less"),
    ("utter_explain_hypersensitivity", "feeling pain more"),
    ("utter_explain_pain_anxiety_cycle", "the pain–anxiety cycle"),
)

EXERCISES: Dict[str, Tuple[str, ...]] = {
    BREATHING: tuple(f"utter_breathing_{i}" for i in range(1, 5)),
    PMR: tuple(f"utter_pmr_{i}" for i in range(1, 8)),
}

HELPED_BY_INTENT = {"affirm": "yes", "report_partial_help": "a_little", "deny": "no"}

# Intents that move a guide forward or out; everything else is routed by rules.
NEXT_INTENTS = {"request_next_step", "affirm"}
STOP_INTENTS = {"request_stop", "deny"}

Button = Dict[str, str]


def _button(title: str, payload: str) -> Button:
    return {"title": title, "payload": payload}


STOP_BUTTON = _button("Stop", "/request_stop")
COPING_BUTTON = _button("Coping steps", "/ask_coping_tips")


@dataclass(frozen=True)
class Reply:
    response: str
    buttons: Tuple[Button, ...] = ()


@dataclass
class Move:
    replies: List[Reply] = field(default_factory=list)
    slots: Dict[str, object] = field(default_factory=dict)


def _clear() -> Dict[str, object]:
    return {"guide": None, "guide_step": None}


def explain_step(index: int) -> Move:
    response, _ = EXPLAIN_STEPS[index]
    if index + 1 < len(EXPLAIN_STEPS):
        upcoming = EXPLAIN_STEPS[index + 1][1]
        buttons = (_button(f"Next: {upcoming}", "/request_next_step"), COPING_BUTTON, STOP_BUTTON)
    else:
        buttons = (_button("Next", "/request_next_step"), COPING_BUTTON, STOP_BUTTON)
    return Move([Reply(response, buttons)], {"guide": EXPLAIN, "guide_step": float(index)})


def exercise_step(name: str, index: int) -> Move:
    steps = EXERCISES[name]
    label = "Next" if index + 1 < len(steps) else "Done"
    return Move(
        [Reply(steps[index], (_button(label, "/request_next_step"), STOP_BUTTON))],
        {"guide": name, "guide_step": float(index), "exercise": name},
    )


def start_exercise(name: Optional[str]) -> Move:
    name = (name or "").strip().lower()  # entity values keep the user's casing ("Breathing")
    if name not in EXERCISES:
        return Move([Reply("utter_choose_exercise")], _clear())
    return exercise_step(name, 0)


def _advance(guide: str, step: int) -> Move:
    if guide == EXPLAIN:
        if step + 1 < len(EXPLAIN_STEPS):
            return explain_step(step + 1)
        return Move([Reply("utter_explain_end")], _clear())
    steps = EXERCISES[guide]
    if step + 1 < len(steps):
        return exercise_step(guide, step + 1)
    return Move([Reply("utter_ask_exercise_helped")], {"guide": CHECKIN, "guide_step": None, "last_exercise": guide})


def next_move(
    intent: Optional[str],
    guide: Optional[str],
    step: Optional[float],
    exercise: Optional[str] = None,
    continuing: bool = True,
) -> Move:
    """Decide the bot's next move in a guide.

    `continuing` is True when the bot's previous turn came from a guide, so a bare
    "yes" or "no" is an answer to it rather than to something else.
    """
    if intent == "ask_stress_back_pain":
        return explain_step(0)
    if intent == "request_relaxation_exercise":
        return start_exercise(exercise)

    active = guide in (EXPLAIN, BREATHING, PMR) and step is not None
    if guide == CHECKIN and continuing and intent in HELPED_BY_INTENT:
        helped = HELPED_BY_INTENT[intent]
        return Move([Reply(f"utter_exercise_helped_{helped}")], {**_clear(), "exercise_helped": helped})
    if active and (intent == "request_next_step" or (continuing and intent in NEXT_INTENTS)):
        return _advance(str(guide), int(step))  # type: ignore[arg-type]
    if intent == "request_stop" or (continuing and intent in STOP_INTENTS and (active or guide == CHECKIN)):
        return Move([Reply("utter_stopped")], _clear())
    if intent == "request_next_step":
        # "next" with nothing to continue: offer the menu rather than guess.
        return Move([Reply("utter_menu")], _clear())
    if intent == "affirm":
        return Move([Reply("utter_menu")], _clear())
    return Move([Reply("utter_anything_else")], _clear())


def all_responses() -> List[str]:
    """Every domain response this module may send (checked against the domain in tests)."""
    names = [r for r, _ in EXPLAIN_STEPS] + [r for steps in EXERCISES.values() for r in steps]
    names += ["utter_explain_end", "utter_choose_exercise", "utter_ask_exercise_helped", "utter_stopped",
              "utter_menu", "utter_anything_else"]
    names += [f"utter_exercise_helped_{v}" for v in HELPED_BY_INTENT.values()]
    return names
