"""The safety plan a person builds in chat: six steps, each skippable, kept with the conversation.

Pure Python (no Rasa import). The steps follow the structure of the Stanley–Brown safety
planning intervention, in Unknot's own words (the template's text is copyrighted): warning
signs, coping on my own, people and places that distract, people I can ask for help,
professionals and lines, making my surroundings safer. No step asks about a method or an
amount, and none asks for a promise.

`crisis_conversation.decide` calls `turn()` on every message. The answers live in the
`safety_plan` slot (a mapping step -> text; "" for a skipped step), written by SafetyPolicy
with the step's reply, so the plan is built, shown and resumed with the action server down.
`safety_plan_text` holds the rendered plan that the replies show ({safety_plan_text}); the
tracker store copies the plan into its own table (bot/storage/safety_plan_table.py) for staff and
deletion. A risk message typed as an answer is not an answer: the crisis reply comes first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple, cast

STEPS: Tuple[Tuple[str, str], ...] = (
    ("warning_signs", "Signs a hard moment is starting"),
    ("coping", "What helps me cope on my own"),
    ("distractions", "People and places that take my mind off things"),
    ("people", "People I can ask for help"),
    ("professionals", "Professionals and services I can contact"),
    ("safer_surroundings", "Making where I am safer"),
)
KEYS = tuple(key for key, _ in STEPS)
START = "utter_safety_plan_start"          # what a plan is, then the first step's question
# The reply that asks each step's question (the answer to it is the step's text).
STEP_ACTIONS = (START,) + tuple(f"utter_safety_plan_step_{i}" for i in range(2, len(STEPS) + 1))
DONE, SAVED = "utter_safety_plan_done", "utter_safety_plan_saved"  # in a crisis (asks how they are) / not
PAUSED, PAUSED_CALM = "utter_safety_plan_paused", "utter_safety_plan_paused_calm"
SHOW, NONE_YET = "utter_safety_plan_show", "utter_safety_plan_none"
RESUME = "utter_safety_plan_resume"        # after a risk message typed as an answer
# Replies that change nothing about the crisis state (crisis_conversation.state_from_actions).
NEUTRAL = STEP_ACTIONS + (SAVED, PAUSED_CALM, SHOW, NONE_YET)
MAX_ANSWER = 300  # characters kept per step; the whole message stays in the conversation

_rx = re.compile
_SKIP = _rx(r"^(?:skip|pass|next|no|nope|nah|none|nothing|nobody|no one|noone|n/?a|idk|i don't know|dunno|"
            r"not sure|no idea|can't think of (?:any|anything|anyone)|don't have (?:any|anyone)|-+|\.+|\?+)"
            r"(?: (?:really|for now|this one|it|sorry|thanks|thank you|i guess))*\W*$", re.IGNORECASE)
_STOP = _rx(r"^(?:stop|cancel|quit|enough|not now|later|maybe later|let's stop|can we stop|i want to stop|"
            r"i'm done|i am done|that's enough|no more|leave it|another time)\b", re.IGNORECASE)
_MAKE = _rx(r"\b(?:make|build|create|write|do|start|set up|fill in|work on|put together|redo|new)\b"
            r"[^.?!]{0,25}\b(?:safety|crisis) plans?\b|\bsafety plan(?:s|ning)?\b|\bplan to (?:stay|keep) safe\b|"
            r"\bhelp me (?:make|with|build|write) (?:a|my) plan\b|"
            # a request for "a plan for when it gets bad": asked of the bot, never "i've made a plan"
            r"\b(?:can|could|will|would|shall) (?:we|you|u)\b[^.?!]{0,20}\b(?:make|build|do|create|write|work on|"
            r"put together)\b[^.?!]{0,12}\b(?:a|my|our) plan\b", re.IGNORECASE)
_SHOW = _rx(r"\b(?:show|see|view|read|look at|open|send|remind me (?:of|about)|where(?:'s|s| is)|what(?:'s|s| is| was))"
            r"\b[^.?!]{0,20}\bmy (?:safety |crisis )?plan\b|^\W*(?:my )?(?:safety|crisis) plan\W*$|"
            r"^\W*my plan\W*$|\bwhat did i (?:write|put) (?:in|on) my (?:safety )?plan\b|"
            r"\b(?:show|see|view|read|look at|open)\b[^.?!]{0,12}\bthe (?:safety |crisis )?plan\b", re.IGNORECASE)
_RESUME = _rx(r"\b(?:go on|carry on|continue|back to|finish|resume|keep going)\b[^.?!]{0,15}\b(?:my |the )?"
              r"(?:safety )?plan\b", re.IGNORECASE)
_ACK = _rx(r"^\W*(?:ok(?:ay)?|yes|yeah|yep|sure|alright|all right|fine|ready|go on|let'?s go on|continue|"
           r"let'?s continue|carry on|ok let'?s do it)\W*$")
_FRESH = _rx(r"\b(?:new|redo|start (?:again|over)|from scratch|another)\b", re.IGNORECASE)
_UNSAFE_CHARS = _rx(r"[\[\]<>`\\{}]")  # nothing a reply could render as a link, markup or a slot


@dataclass(frozen=True)
class PlanTurn:
    """What the plan does this turn: the bot's reply and the plan afterwards (None: unchanged)."""
    kind: str
    action: str
    plan: Optional[Dict[str, str]] = None


def clean(text: str) -> str:
    text = _UNSAFE_CHARS.sub(" ", text or "")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_ANSWER else text[:MAX_ANSWER - 1].rstrip() + "…"


def stored(plan: object) -> Dict[str, str]:
    """The slot's value as a plan (anything else, e.g. a hand-edited slot, counts as none)."""
    if not isinstance(plan, Mapping):
        return {}
    return {k: str(v) for k, v in plan.items() if k in KEYS and isinstance(v, str)}


def has_answers(plan: Mapping[str, str]) -> bool:
    return any(v for v in plan.values())


def next_step(plan: Mapping[str, str]) -> Optional[int]:
    """Index of the first step not answered or skipped yet, None when all are done."""
    return next((i for i, key in enumerate(KEYS) if key not in plan), None)


def step_of(action: Optional[str]) -> Optional[int]:
    """Which step's question `action` asked."""
    if action in STEP_ACTIONS:
        return STEP_ACTIONS.index(action)
    return None


def render_text(plan: Mapping[str, str]) -> str:
    """One line per answered step, single newlines (REST splits a reply on blank lines)."""
    rows = [f"{i + 1}. {title}: {plan[key]}" for i, (key, title) in enumerate(STEPS) if plan.get(key)]
    return "\n".join(rows) if rows else "(nothing written yet)"


def is_request(norm: str) -> bool:
    """Asking to make, see or go on with the plan."""
    return bool(_SHOW.search(norm) or _RESUME.search(norm) or _MAKE.search(norm))


def turn(norm: str, is_button: bool, last_bot_action: Optional[str], plan: Mapping[str, str],
         in_crisis: bool, raw_text: str, other_request: bool = False) -> Optional[PlanTurn]:
    """The plan's part of a turn, for a message with no risk in it (the crisis conversation checks that first).

    other_request: the message asks for something else of the crisis conversation (to talk, to
    text, "i'm safe"): after the "we can go on with your plan" reply it is not an answer."""
    step = step_of(last_bot_action)
    if (step is None and last_bot_action == RESUME and not is_button and not other_request
            and has_answers(plan) and next_step(plan) is not None
            and not (_SHOW.search(norm) or _MAKE.search(norm) or _STOP.search(norm))):
        if _RESUME.search(norm) or _ACK.search(norm):
            return PlanTurn("plan_step", STEP_ACTIONS[cast(int, next_step(plan))])  # not None: checked above
        # after a risk message broke into the plan, people answer the question they were on
        # ("okay. a video call with my sister"): it is that step's answer
        step = next_step(plan)
    if step is not None and not is_button:
        if _STOP.search(norm):
            return PlanTurn("plan_paused", PAUSED if in_crisis else PAUSED_CALM)
        if _SHOW.search(norm) and not _RESUME.search(norm):
            if has_answers(plan):
                return PlanTurn("plan_show", SHOW)  # "go on with my safety plan" comes back to this step
            return PlanTurn("plan_step", STEP_ACTIONS[step])  # nothing in it yet: the same question again
        answer = "" if _SKIP.search(norm) else clean(raw_text)
        updated = dict(plan) if step else {}  # the first step's answer begins a new plan
        updated[KEYS[step]] = answer
        # the next step by position, not by what the slot holds: the reply must not depend on
        # the slot write of the turn before having landed (a test story has no policy events)
        following = step + 1 if step + 1 < len(STEPS) else None
        if following is None:
            return PlanTurn("plan_done", DONE if in_crisis else SAVED, updated)
        return PlanTurn("plan_step", STEP_ACTIONS[following], updated)
    if _SHOW.search(norm) and not (_FRESH.search(norm) and _MAKE.search(norm)):
        if has_answers(plan):
            return PlanTurn("plan_show", SHOW)
        return PlanTurn("plan_none", NONE_YET)
    if _RESUME.search(norm) or _MAKE.search(norm):
        following = next_step(plan)
        if _FRESH.search(norm) or not plan:
            return PlanTurn("plan_start", START)  # the old plan stays until the first new answer
        if following is None:  # a whole plan already: show it (the reply says how to start a new one)
            return PlanTurn("plan_show", SHOW)
        return PlanTurn("plan_step", STEP_ACTIONS[following])
    return None
