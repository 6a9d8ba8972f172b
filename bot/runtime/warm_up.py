"""A model is warmed up as it is loaded, before the Rasa server answers anyone
(issue 15, docs/deployment.md "make run keeps the bot up").

The first message a freshly started Rasa server parsed and answered was slow:
TensorFlow builds its graphs (the sentence encoder, DIET, TED) on the first
call. That was 1 s on a quiet machine and 7-9 s on a loaded one, and the event
loop that answers health checks and every other conversation was blocked all
that time: after a restart, the first person (maybe in crisis) waited, and a
watchdog that impatient took the busy server for a hung one.

The `warm_up` patch (bot/runtime/rasa_patches/warm_up.py) wraps Agent.load_model: once the model is loaded, one made-up
message ("hello") goes through the NLU pipeline and the policies on a tracker
that is never stored, so no conversation, database row or action server call
comes of it. The Rasa server loads its model in a `before_server_start`
listener, so it answers `/` (the supervisor's health check) only when this is
done. RASA_WARM_UP=off leaves it out.
"""
from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

WARM_UP_TEXT = "hello"
WARM_UP_SENDER = "unknot-warm-up"  # never stored: the tracker lives in this function only



def warm_up(processor: Any) -> float:
    """Run one message through `processor`'s NLU graph and policies; seconds it took."""
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    started = time.monotonic()
    tracker = DialogueStateTracker.from_events(WARM_UP_SENDER, [], slots=processor.domain.slots)
    message = UserMessage(WARM_UP_TEXT, sender_id=WARM_UP_SENDER, input_channel="warm-up")
    parse = processor._parse_message_with_graph(message, tracker)  # no await: Rasa's own sync step
    tracker.update(UserUttered(WARM_UP_TEXT, parse.get("intent"), parse.get("entities"), parse))
    if processor.model_metadata.core_target:
        processor._predict_next_with_tracker(tracker)
    return time.monotonic() - started
