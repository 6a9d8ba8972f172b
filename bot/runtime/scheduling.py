"""Admission to Rasa's message processor: a few messages at a time, risk first.

Rasa handles every message on one asyncio event loop. Almost all of a turn is
CPU work that never yields; it yields only while a custom action runs on the
action server. With many conversations at once, every message that waits on
the action server goes to the back of the line when its answer comes back, so
a turn with two custom actions queues three times behind everyone else: under
load the slowest tenth of replies took 2.5x the average (docs/performance.md).

The gate lets `limit` messages into the processor at once (MAX_CONCURRENT_MESSAGES,
default 2: one computes while another waits on the action server) and keeps
the rest waiting in arrival order, so each reply waits about as long as the
others. Messages the safety detector flags (bot.safety.assess, the same check
RiskGuard makes, cached) go ahead of every other waiting message: a person in
distress is never queued behind a traffic spike.

A conversation in the crisis state (the `crisis` slot SafetyPolicy writes: active, immediate,
acted) goes ahead too, for every message, not only those the detector flags: "yes", "i don't
know" or "the pills are here" from a person in crisis must not wait behind a spike either. The
gate learns the state when Rasa saves the tracker (`save_tracker` is wrapped), per process.

The gate sits inside Rasa's per-conversation lock (it wraps
`MessageProcessor.handle_message`, which Agent.handle_message calls holding
the lock), so a slot is never held by a message waiting for its own
conversation. It changes only when a message is processed, never what the bot
answers. 0 turns it off. It is put in by the `admission_gate` patch
(bot/runtime/rasa_patches/admission_gate.py).
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Deque

logger = logging.getLogger(__name__)



class PriorityGate:
    """A FIFO semaphore with one priority lane. A released slot is handed
    straight to the next waiter (urgent lane first), so a newcomer can never
    overtake someone who is already waiting."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the gate needs at least one slot")
        self.limit = limit
        self.active = 0
        self._urgent: Deque[asyncio.Future] = deque()
        self._normal: Deque[asyncio.Future] = deque()

    @property
    def waiting(self) -> int:
        return sum(not f.done() for f in (*self._urgent, *self._normal))

    async def acquire(self, urgent: bool = False) -> None:
        if self.active < self.limit and not self.waiting:
            self.active += 1
            return
        future = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._normal).append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed to us just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        for lane in (self._urgent, self._normal):
            while lane:
                future = lane.popleft()
                if not future.done():
                    future.set_result(None)  # the slot goes to this waiter; `active` stays
                    return
        self.active -= 1


def is_urgent(text: Any) -> bool:
    """Whether a message goes to the front of the line: the safety detector flags it."""
    if not isinstance(text, str) or not text or text.startswith("/"):
        return False
    try:
        from bot.safety import assess

        return assess(text).is_risk
    except Exception:  # noqa: BLE001 - the gate must never drop a message
        logger.exception("safety check in the admission gate failed")
        return False


CRISIS_STATES = ("active", "immediate", "acted")


class CrisisConversations:
    """Sender ids whose last saved turn left them in the crisis state (bounded, per process)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._senders: "dict[str, None]" = {}

    def note(self, sender_id: Any, state: Any) -> None:
        if not isinstance(sender_id, str):
            return
        if state in CRISIS_STATES:
            self._senders.pop(sender_id, None)
            self._senders[sender_id] = None
            while len(self._senders) > self.limit:  # the oldest go first
                self._senders.pop(next(iter(self._senders)))
        else:
            self._senders.pop(sender_id, None)

    def __contains__(self, sender_id: Any) -> bool:
        return sender_id in self._senders
