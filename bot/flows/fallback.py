"""Wording for the two-stage fallback's "did you mean ...?" question."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

# What each intent means, in the user's words, for "Did you mean: ...?"
INTENT_LABELS: Dict[str, str] = {
    "greet": "saying hello",
    "goodbye": "saying goodbye",
    "thank": "saying thanks",
    "bot_challenge": "whether I'm a bot",
    "show_menu": "what I can help with",
    "ask_stress_back_pain": "whether stress can cause back pain",
    "ask_muscle_tension": "how stress tightens your muscles",
    "ask_posture": "posture and back pain",
    "ask_inactivity": "how moving less affects your back",
    "ask_hypersensitivity": "why pain can feel worse when you're anxious",
    "ask_pain_anxiety_cycle": "the pain–anxiety cycle",
    "ask_coping_tips": "coping steps for back pain",
    "request_relaxation_exercise": "doing a relaxation exercise",
    "ask_stretches": "stretches for your back",
    "ask_exercise": "exercise and staying active",
    "ask_sleep": "sleep and back pain",
    "ask_pain_medication": "pain relief medicines",
    "ask_massage_physio": "massage or physiotherapy",
    "ask_therapy": "therapy or CBT for stress",
    "ask_when_see_doctor": "when to see a doctor",
    "report_red_flag": "a warning sign that needs a doctor",
    "ask_relaxation_resources": "where to learn relaxation techniques",
    "express_stress": "feeling stressed",
    "request_crisis_resources": "crisis helplines",
    "request_human": "talking to a person at the clinic",
    "ask_privacy": "what happens to your data",
}


# Messages the bot does not understand are where a risk phrasing it has never seen
# ends up, so the crisis lines are one tap away there.
CRISIS_BUTTON = {"title": "Crisis lines", "payload": "/request_crisis_resources"}


def affirmation_question(intent: Optional[str]) -> Tuple[str, List[Dict[str, str]]]:
    """The question and buttons for the first stage of the fallback."""
    label = INTENT_LABELS.get(intent or "")
    if label is None:
        return "Sorry, I'm not sure I understood. Could you say that another way?", [
            {"title": "Show the menu", "payload": "/show_menu"},
            CRISIS_BUTTON,
        ]
    return f"Sorry, I'm not sure I understood. Did you mean: {label}?", [
        {"title": "Yes", "payload": f"/{intent}"},
        {"title": "No", "payload": "/deny"},
        CRISIS_BUTTON,
    ]
