"""When typed `/intent` text is taken as a button payload (issue 15).

Rasa reads any message that starts with "/" and names an intent of the domain as
that intent, with its entities (`/inform{"pain_severity": 0}` sets a slot), and
drops what the NLU pipeline found, the risk check included: `/greet@1.0 i want
to end my life` was a greeting. Here a payload is honoured only

- when it is exactly the payload of a button the bot offered in this session (a
  Telegram keyboard stays on its message, so an older button may be pressed later);
- at the start of a conversation, for the payloads a client sends by itself
  (the widget opens with "/greet", web/widget/src/index.js `initPayload`);
- when a channel mapped a command onto it itself (Telegram's /start, /help,
  /crisis ...: bot/channels/telegram/updates.py COMMANDS, with the command in
  the message's metadata).

Anything else is ordinary text: the pipeline's own intent stands. Whatever is
decided here, the risk check has already run on the raw text and wins
(the risk_on_payloads patch in bot/runtime/rasa_patches/ keeps RiskGuard's result).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Set

from rasa.shared.core.events import BotUttered, Restarted, SessionStarted, UserUttered

PAYLOAD_PREFIX = "/"
# Sent by a client itself before the person typed anything.
START_PAYLOADS = frozenset({"/greet"})
TELEGRAM = "telegram"


def channel_command_payloads() -> Set[str]:
    """The payloads Telegram's connector maps its bot commands onto."""
    from bot.channels.telegram.updates import COMMANDS

    return {payload for payload in COMMANDS.values() if payload.startswith(PAYLOAD_PREFIX)}


def offered_payloads(events: Iterable[Any]) -> Set[str]:
    """The payloads of the buttons (or quick replies) the bot's messages offered in this
    session (since the latest session start or restart). Not only the last turn's: a
    Telegram inline keyboard stays pressable on its message after newer ones arrive."""
    offered: Set[str] = set()
    for event in reversed(list(events)):
        if isinstance(event, (SessionStarted, Restarted)):
            break
        if isinstance(event, BotUttered):
            data = event.data or {}
            for key in ("buttons", "quick_replies"):
                for button in data.get(key) or ():
                    payload = button.get("payload") if isinstance(button, Mapping) else None
                    if isinstance(payload, str):
                        offered.add(payload.strip())
    return offered


def at_conversation_start(events: Iterable[Any]) -> bool:
    """No message from the person yet in this session."""
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, (SessionStarted, Restarted)):
            return True
    return True


def honoured(text: Optional[str], events: Iterable[Any], input_channel: Optional[str] = None,
             metadata: Optional[Mapping[str, Any]] = None) -> bool:
    """Whether `text` (a message about to be parsed) may be read as a payload."""
    payload = (text or "").strip()
    if not payload.startswith(PAYLOAD_PREFIX):
        return True  # not a payload: nothing to decide
    events = list(events)
    if payload in offered_payloads(events):
        return True
    if payload in START_PAYLOADS and at_conversation_start(events):
        return True
    command = metadata.get("command") if isinstance(metadata, Mapping) else None
    return bool(input_channel == TELEGRAM and isinstance(command, str) and command.startswith(PAYLOAD_PREFIX)
                and payload in channel_command_payloads())
