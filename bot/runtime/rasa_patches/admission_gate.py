"""The admission gate (bot/runtime/scheduling.py) around Rasa's MessageProcessor:
a few messages at a time, risk and conversations in crisis first."""
from __future__ import annotations

import logging
from typing import Any, Optional

from bot.runtime.rasa_patches.registry import RASA, Patch, replace
from bot.runtime.scheduling import CrisisConversations, PriorityGate, is_urgent

logger = logging.getLogger(__name__)

NAME = "admission_gate"


def install_gate(limit: int) -> Optional[PriorityGate]:
    """Wrap Rasa's MessageProcessor.handle_message with the gate (once)."""
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.handle_message
    if getattr(original, "_unknot_gate", None) is not None or limit <= 0:
        return getattr(original, "_unknot_gate", None)
    gate = PriorityGate(limit)
    in_crisis = CrisisConversations()
    gate.in_crisis = in_crisis  # type: ignore[attr-defined]
    original_save = MessageProcessor.save_tracker

    async def save_tracker(self: MessageProcessor, tracker: Any) -> None:
        await original_save(self, tracker)
        try:
            in_crisis.note(tracker.sender_id, tracker.get_slot("crisis") if "crisis" in tracker.slots else None)
        except Exception:  # noqa: BLE001 - bookkeeping for the queue must never fail a turn
            logger.exception("could not note the crisis state for the admission gate")

    async def handle_message(self: MessageProcessor, message: Any) -> Any:
        urgent = getattr(message, "sender_id", None) in in_crisis or is_urgent(getattr(message, "text", None))
        await gate.acquire(urgent=urgent)
        try:
            return await original(self, message)
        finally:
            gate.release()

    handle_message._unknot_gate = gate  # type: ignore[attr-defined]
    handle_message.__doc__ = original.__doc__
    replace(MessageProcessor, "handle_message", handle_message, NAME)
    save_tracker.__doc__ = original_save.__doc__
    replace(MessageProcessor, "save_tracker", save_tracker, NAME)
    return gate



def apply(settings: Any) -> None:
    install_gate(settings.max_concurrent_messages)


PATCH = Patch(NAME, "admission_gate", (RASA,), apply)
