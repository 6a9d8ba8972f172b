"""Context in the safety path: when an ambiguous message is a risk turn because of what came before.

Pure Python (no Rasa import); `bot.dialogue.safety_policy.SafetyPolicy` is the thin adapter that
reads these inputs from the tracker.

"how many of my pills can i take at once" is a medication question on its own, and the bot
answers it with "follow the label, ask a pharmacist". Two messages after "i'm just a burden to
everyone" it is not: it gets the crisis lines, as a risk message would. The rule:

* An earlier user turn of the current session, at most `context_turns` user turns back, was a
  risk turn (`risk.level` possible or high, or intent `express_risk`) or carried a
  `hopelessness` or `burden` cue, and
* the current message is ambiguous: it has a context cue (`bot.safety` `RiskAssessment.cues`:
  dose_or_quantity_question, height_or_place_question, time_question, goodbye, hopelessness,
  burden) or the learned classifier's `risk.score` is at least `context_score`.

Context raises free text only. Never raised by context alone (their own risk still counts):
a button press (the text is a payload starting with "/"), and a direct answer to a question the
bot just asked: a form is active with a requested slot, or the bot's last action was a question
whose answer is a time or a number (`answer_questions`, e.g. the pain-scale question).

Cues come from the message's parse data (`risk["cues"]`, written by RiskGuard); when a
message has no `cues` key (a model from before cues existed) they are computed here from its
text with `bot.safety.assess`. A missing `risk.score` counts as 0.0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Mapping, Optional, Sequence, Tuple, Union

from bot.safety import assess

# An item of `earlier` that marks the start of the current session: nothing before it counts.
SESSION_START = "session_start"

RISK_LEVELS = ("possible", "high")
CONTEXT_CUES = ("dose_or_quantity_question", "height_or_place_question", "time_question",
                "goodbye", "hopelessness", "burden")
HISTORY_CUES = ("hopelessness", "burden")
DEFAULT_CONTEXT_TURNS = 4
DEFAULT_CONTEXT_SCORE = 0.25
# Bot questions answered with a time or a number (the coping form asks them; after a re-ask the
# form is still active, but a tracker without the form still has these as its last action).
DEFAULT_ANSWER_QUESTIONS = ("utter_ask_pain_duration", "utter_ask_pain_severity",
                            "utter_invalid_pain_duration", "utter_invalid_pain_severity")
DEFAULT_RISK_INTENTS = ("express_risk",)

Turn = Mapping[str, Any]  # {"text": str, "intent": str | None, "risk": {...} | None}


@dataclass(frozen=True)
class ContextDecision:
    """raised: the current message is a risk turn because of context. reason: why (or why not)."""
    raised: bool
    reason: str
    cues: Tuple[str, ...] = ()
    history_turn: Optional[int] = None  # how many user turns back the risk turn was (1 = the one before)


def turn_risk(turn: Turn) -> Mapping[str, Any]:
    risk = turn.get("risk")
    return risk if isinstance(risk, Mapping) else {}


def turn_cues(turn: Turn) -> Tuple[str, ...]:
    """The message's context cues: RiskGuard's `risk["cues"]`, else computed from its text."""
    risk = turn_risk(turn)
    if "cues" in risk:
        cues = risk.get("cues") or ()
        return tuple(c for c in cues if isinstance(c, str))
    text = turn.get("text") or ""
    if not isinstance(text, str) or text.startswith("/"):
        return ()
    return tuple(assess(text).cues)


def turn_score(turn: Turn) -> float:
    try:
        return float(turn_risk(turn).get("score") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def is_risk_turn(turn: Turn, risk_intents: Collection[str] = DEFAULT_RISK_INTENTS) -> bool:
    return turn_risk(turn).get("level") in RISK_LEVELS or turn.get("intent") in risk_intents


def is_button(turn: Turn) -> bool:
    text = turn.get("text")
    return isinstance(text, str) and text.lstrip().startswith("/")


def is_answer(active_loop: Optional[str], requested_slot: Optional[str], last_bot_action: Optional[str],
              answer_questions: Collection[str] = DEFAULT_ANSWER_QUESTIONS) -> bool:
    """Is the current message a direct answer to a question the bot just asked?"""
    return bool(active_loop and requested_slot) or (last_bot_action in answer_questions)


def context_decision(current: Turn, earlier: Sequence[Union[Turn, str]], *,
                     active_loop: Optional[str] = None, requested_slot: Optional[str] = None,
                     last_bot_action: Optional[str] = None,
                     answer_questions: Collection[str] = DEFAULT_ANSWER_QUESTIONS,
                     context_turns: int = DEFAULT_CONTEXT_TURNS,
                     context_score: float = DEFAULT_CONTEXT_SCORE,
                     risk_intents: Collection[str] = DEFAULT_RISK_INTENTS) -> ContextDecision:
    """Is `current` a risk turn because of the turns before it?

    earlier: the user turns before `current`, newest first; SESSION_START where the current
    session began (nothing before it counts). Turns are parse-data-like mappings with `text`,
    `intent` (a name) and `risk` (RiskGuard's record).
    """
    if is_risk_turn(current, risk_intents):
        return ContextDecision(False, "own_risk")  # the risk path handles it already
    if is_button(current):
        return ContextDecision(False, "button")
    if is_answer(active_loop, requested_slot, last_bot_action, answer_questions):
        return ContextDecision(False, "answer")
    cues = turn_cues(current)
    if not cues and turn_score(current) < context_score:
        return ContextDecision(False, "not_ambiguous")
    seen = 0
    for turn in earlier:
        if turn == SESSION_START or seen >= context_turns:
            break
        if not isinstance(turn, Mapping):
            continue
        seen += 1
        if is_risk_turn(turn, risk_intents) or any(c in HISTORY_CUES for c in turn_cues(turn)):
            return ContextDecision(True, "context", cues, seen)
    return ContextDecision(False, "no_history", cues)
