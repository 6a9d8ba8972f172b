"""Reading Telegram updates, as plain functions: is it really Telegram, have we
seen it before, and what did the person send.

Kept free of Rasa and of the network so every rule here is unit-tested.
"""
from __future__ import annotations

import hmac
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from bot.channels.input_boundary import (
    MAX_ID,
    Rejected,
    accept_message,
    checked_int,
    clean_metadata,
)
from bot.content import CAPTION_NOTE, DEFAULT_MEDIA_REPLY, GROUP_REPLY, MEDIA_REPLIES

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(received: Optional[str], expected: str) -> bool:
    """Constant-time comparison of the webhook secret header. An empty expected
    secret never matches (the channel must not run unauthenticated)."""
    if not expected or received is None:
        return False
    return hmac.compare_digest(received.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


# ----------------------------------------------------------------- what was sent
# Bot commands map onto intents directly: the safety path (/crisis) and the
# first contact (/start) must not depend on how the classifier reads "/start".
COMMANDS = {
    "start": "/greet",
    "help": "/show_menu",
    "menu": "/show_menu",
    "crisis": "/request_crisis_resources",
    "sos": "/request_crisis_resources",
    # the person's safety plan (bot/flows/safety_plan.py), read by SafetyPolicy in any state
    "plan": "show my safety plan",
}

MEDIA_KINDS = ("voice", "audio", "video_note", "photo", "video", "animation", "sticker", "document",
               "location", "venue", "contact", "poll", "dice")

def command_text(text: str) -> str:
    """What a typed message means to Rasa.

    Known bot commands ("/start", "/help@unknot_bot", "/crisis") become their intent.
    Any other text starting with "/" loses the slash: typed text must not inject intents
    and slot values ('/inform{"pain_severity": 0}') the way a button payload may."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    command = stripped[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(stripped) > 1 else ""
    if command in COMMANDS:
        return COMMANDS[command]
    return stripped.lstrip("/").strip() or stripped


@dataclass
class Incoming:
    """One update, reduced to what the bot acts on."""

    kind: str  # "text" | "button" | "media" | "group" | "ignore"
    chat_id: Optional[int] = None
    text: str = ""  # what goes to Rasa
    reply: str = ""  # what the connector itself answers (media, groups)
    callback_query_id: Optional[str] = None
    metadata: Dict[str, Any] = field(default_factory=dict)


# What a Telegram message's metadata may hold (the input boundary's allowlist: key -> longest string).
METADATA_KEYS = {"language_code": 35, "command": 64, "attachment": 32, "edited": 0, "button": 0}


def _metadata(user: Mapping[str, Any], **extra: Any) -> Dict[str, Any]:
    """Only what the bot needs goes into the tracker store: the client's language (for the
    crisis-line region) and how the message arrived. No names, no usernames, no user ids."""
    data: Dict[str, Any] = {}
    language = user.get("language_code") if isinstance(user, Mapping) else None
    if isinstance(language, str) and language:
        data["language_code"] = language[:35]
    data.update({k: v for k, v in extra.items() if v})
    try:
        return clean_metadata(data, METADATA_KEYS)
    except Rejected:  # cannot happen with the keys above; the boundary's cap holds all the same
        return {}


def _text_message(chat_id: int, text: str, metadata: Dict[str, Any], reply: str = "") -> "Incoming":
    """A text for Rasa, through the input boundary like every channel's: valid characters,
    and over 2,000 characters flagged, so the dialogue asks for parts unless there is risk.
    (Telegram's own limit, 4,096 characters, is far under the boundary's hard limit.)"""
    try:
        accepted = accept_message(text, metadata)
    except Rejected:
        return Incoming("ignore")
    if not accepted.text.strip():
        return Incoming("ignore")
    return Incoming("text", chat_id=chat_id, text=command_text(accepted.text), reply=reply,
                    metadata=accepted.metadata)


def _chat_id(value: Any) -> Optional[int]:
    """A chat id the stores and the Bot API can hold (at most 52 significant bits), else None."""
    return checked_int(value, -MAX_ID, MAX_ID)


def _chat(message: Mapping[str, Any]) -> Mapping[str, Any]:
    chat = message.get("chat")
    return chat if isinstance(chat, Mapping) else {}


def parse_update(update: Mapping[str, Any]) -> Incoming:
    """Classify one update from the Bot API."""
    query = update.get("callback_query")
    if isinstance(query, Mapping):
        found_pressed_in = query.get("message")
        pressed_in: Mapping[str, Any] = found_pressed_in if isinstance(found_pressed_in, Mapping) else {}
        chat = _chat(pressed_in)
        found_user = query.get("from")
        user: Mapping[str, Any] = found_user if isinstance(found_user, Mapping) else {}
        chat_id = _chat_id(chat.get("id", user.get("id")))
        if chat_id is None:
            # still stop the button's spinner (dispatch answers the query), but nothing for Rasa
            return Incoming("ignore", callback_query_id=str(query.get("id"))[:64])
        if chat.get("type", "private") != "private":
            return Incoming("group", chat_id=chat_id, reply=GROUP_REPLY, callback_query_id=str(query.get("id")))
        data = query.get("data")
        pressed = accept_message(data[:64]).text if isinstance(data, str) else ""  # callback data: 64 bytes at most
        return Incoming("button", chat_id=chat_id, text=pressed,
                        callback_query_id=str(query.get("id")), metadata=_metadata(user, button=True))

    edited = "edited_message" in update and "message" not in update
    found_message = update.get("edited_message") if edited else update.get("message")
    if not isinstance(found_message, Mapping):
        # channel posts, member updates, inline queries ...: nothing for the bot to answer
        return Incoming("ignore")
    message: Mapping[str, Any] = found_message
    chat = _chat(message)
    chat_id = _chat_id(chat.get("id"))
    if chat_id is None:
        return Incoming("ignore")
    found_sender = message.get("from")
    sender: Mapping[str, Any] = found_sender if isinstance(found_sender, Mapping) else {}
    if chat.get("type") != "private":
        if edited:
            return Incoming("ignore")  # the group was told once already
        return Incoming("group", chat_id=chat_id, reply=GROUP_REPLY)

    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return _text_message(chat_id, text, _metadata(sender, edited=edited, command=text.strip().split()[0]
                                                      if text.strip().startswith("/") else None))
    kind = next((k for k in MEDIA_KINDS if k in message), "other")
    caption = message.get("caption")
    if isinstance(caption, str) and caption.strip():
        # the words go to Rasa (a caption can carry risk), the note follows the answer
        return _text_message(chat_id, caption, _metadata(sender, edited=edited, attachment=kind), reply=CAPTION_NOTE)
    return Incoming("media", chat_id=chat_id, reply=MEDIA_REPLIES.get(kind, DEFAULT_MEDIA_REPLY),
                    metadata={"attachment": kind})


class RecentNotices:
    """At most one group notice per chat per `interval` seconds (bounded memory), so a busy
    group that mentions the bot is not flooded with the same sentence."""

    def __init__(self, interval: float = 600.0, capacity: int = 10_000) -> None:
        self.interval = interval
        self.capacity = capacity
        self._last: "OrderedDict[int, float]" = OrderedDict()

    def due(self, chat_id: int, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._last.get(chat_id)
        if last is not None and now - last < self.interval:
            return False
        self._last[chat_id] = now
        self._last.move_to_end(chat_id)
        while len(self._last) > self.capacity:
            self._last.popitem(last=False)
        return True
