"""A typed "/intent" payload keeps RiskGuard's result: Rasa's RegexMessageHandler
replaced the message without it (docs/deployment.md, "Robustness")."""
from __future__ import annotations

import contextvars
from typing import Any, Dict, List, Mapping, Optional

from bot.runtime.rasa_patches.registry import RASA, Patch, replace

NAME = "risk_on_payloads"
RISK = "risk"  # where RiskGuard records its decision (bot/nlu/risk_guard.py)


# Whether the message being parsed may be read as a payload: set around
# MessageProcessor.parse_message (which knows the conversation), read by the
# RegexMessageHandler inside the NLU graph, which runs in the same call.
PAYLOAD_HONOURED: "contextvars.ContextVar[Optional[bool]]" = contextvars.ContextVar(
    "unknot_payload_honoured", default=None)



def risk_raised(message: Any) -> bool:
    risk = message.get(RISK)
    return isinstance(risk, Mapping) and risk.get("level") not in (None, "none")



def keep_risk_on_typed_payloads() -> None:
    from rasa.core.processor import MessageProcessor
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.nlu.constants import TEXT

    from bot.nlu import typed_payloads

    original_process = RegexMessageHandler.__dict__["process"]
    if getattr(original_process, "_unknot_risk_first", False):
        return
    original_parse = MessageProcessor.__dict__["parse_message"]

    def process(self: Any, messages: List[Any], domain: Any = None) -> List[Any]:
        allowed = PAYLOAD_HONOURED.get()
        handled = []
        for message in messages:
            text = message.get(TEXT)
            if (not isinstance(text, str) or not text.strip().startswith(typed_payloads.PAYLOAD_PREFIX)
                    or allowed is False or risk_raised(message)):
                handled.append(message)  # risk, or ordinary text: the pipeline's reading stands
                continue
            unpacked = original_process(self, [message], domain)[0]
            if unpacked is not message and message.get(RISK) is not None:
                unpacked.set(RISK, message.get(RISK), add_to_output=True)  # the check ran; say so
            handled.append(unpacked)
        return handled

    async def parse_message(self: Any, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        events = tracker.events if tracker is not None else ()
        token = PAYLOAD_HONOURED.set(typed_payloads.honoured(message.text, events, message.input_channel,
                                                             message.metadata))
        try:
            return await original_parse(self, message, tracker, only_output_properties)
        finally:
            PAYLOAD_HONOURED.reset(token)

    process._unknot_risk_first = True  # type: ignore[attr-defined]
    process.__doc__ = original_process.__doc__
    parse_message.__doc__ = original_parse.__doc__
    replace(RegexMessageHandler, "process", process, NAME)
    replace(MessageProcessor, "parse_message", parse_message, NAME)



def apply(settings: Any = None) -> None:
    keep_risk_on_typed_payloads()


PATCH = Patch(NAME, "hardening", (RASA,), apply)
