"""The two-stage fallback's "did you mean ...?" question (its words: bot/content.py)."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from bot.content import CRISIS_BUTTON, FALLBACK_DID_YOU_MEAN, FALLBACK_REPHRASE, INTENT_LABELS


def affirmation_question(intent: Optional[str]) -> Tuple[str, List[Dict[str, str]]]:
    """The question and buttons for the first stage of the fallback."""
    label = INTENT_LABELS.get(intent or "")
    if label is None:
        return FALLBACK_REPHRASE, [
            {"title": "Show the menu", "payload": "/show_menu"},
            CRISIS_BUTTON,
        ]
    return FALLBACK_DID_YOU_MEAN.format(label=label), [
        {"title": "Yes", "payload": f"/{intent}"},
        {"title": "No", "payload": "/deny"},
        CRISIS_BUTTON,
    ]
