"""The one input boundary every channel (REST, socket.io, Telegram) passes a message through.

Plain functions, no Rasa import: what a person may send and what reaches the dialogue.

- Text: lone surrogates (invalid UTF-16 halves a JSON escape can carry) become U+FFFD, NUL
  and other control characters are removed (\\n and \\t stay, \\r becomes \\n). A message
  with such characters used to get no reply and no storage at all, risk words included.
- Length: up to `MAX_MESSAGE_LENGTH` characters a message is ordinary. Longer, up to
  `HARD_MESSAGE_LENGTH`, it goes to the dialogue whole, flagged `LONG_MESSAGE_KEY` in its
  metadata: the risk check (detector and learned RiskGuard) reads all of it and a crisis reply
  wins; without risk SafetyPolicy answers "could you send it in a few parts?". Beyond the
  hard limit the message is refused, unless the pattern detector finds risk in its first
  `SCAN_LENGTH` characters: then the risky passages go on, so the crisis reply still comes.
- Metadata: only allowlisted keys with short plain values stay; metadata whose JSON is over
  `MAX_METADATA_BYTES` is refused (one request once stored 40 MB).
- Sender ids: printable, valid UTF-8, at most `MAX_SENDER_LENGTH` (the tracker store's
  column); integers from outside (Telegram ids) within the range the stores hold.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

from bot.content import MESSAGE_TOO_LONG

MAX_MESSAGE_LENGTH = 2000  # the widget's limit; longer gets the "send it in parts" reply
HARD_MESSAGE_LENGTH = 20_000  # longer is refused (unless it carries risk)
SCAN_LENGTH = 50_000  # how much of a refused message the detector reads (~1 s): bounded work per request
SCAN_WINDOW, SCAN_OVERLAP = 2000, 200  # a sentence cut at one window's end is whole in the next
MAX_SENDER_LENGTH = 255  # the tracker store's sender_id column
MAX_METADATA_BYTES = 2048
# Telegram ids: chat ids have at most 52 significant bits; update ids are positive. Both are
# stored as BIGINT / compared as Python ints, so anything within 2**53 is safe everywhere.
MAX_ID = 2 ** 53 - 1

# What metadata the dialogue reads: the locale keys (bot/flows/crisis.py LOCALE_KEYS). A client of
# REST or the widget may send these; everything else is dropped.
CLIENT_METADATA_KEYS: Dict[str, int] = {"locale": 35, "language_code": 35, "language": 35}
METADATA_VALUE = re.compile(r"[A-Za-z0-9_.@/-]+")

LONG_MESSAGE_KEY = "long_message"  # set by the boundary only (never taken from a client)
TRUNCATED_KEY = "truncated_from"  # the length of a refused message whose risky passages went on

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Rejected(ValueError):
    """Input a channel refuses: `code` for machines (an ack's `error`), `message` for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def clean_text(text: str) -> str:
    """Valid text: surrogate pairs joined, lone surrogates U+FFFD, control characters gone."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        # UTF-16 round trip: a pair (as some JSON decoders leave it) becomes its character,
        # a lone half becomes U+FFFD
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def check_sender(sender: Any) -> str:
    """The conversation id as given, or Rejected: a bad one must not reach the tracker store
    (a lone surrogate there once raised an encoding error that stopped the Rasa server)."""
    if not isinstance(sender, str) or not sender.strip():
        raise Rejected("invalid_sender", '"sender" must be a non-empty string (the conversation id).')
    if len(sender) > MAX_SENDER_LENGTH:
        raise Rejected("invalid_sender", f'"sender" must be at most {MAX_SENDER_LENGTH} characters.')
    try:
        sender.encode("utf-8")
    except UnicodeEncodeError:
        raise Rejected("invalid_sender", '"sender" must be valid text (no lone surrogates).') from None
    if not sender.isprintable():
        raise Rejected("invalid_sender", '"sender" must be printable text (no control characters).')
    return sender


def checked_int(value: Any, low: int = -MAX_ID, high: int = MAX_ID) -> Optional[int]:
    """`value` if it is an integer (not a bool) within [low, high], else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def _json_size_over(value: Any, budget: int) -> bool:
    """Whether `value` as JSON is longer than `budget` characters, stopping as soon as it is
    (a 40 MB dict is not serialised to find out). Approximate but never under the real size
    by more than the separators."""
    stack = [value]
    used = 0
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            used += 2 + 2 * len(item)
            for key, inner in item.items():
                used += len(str(key)) + 2
                stack.append(inner)
        elif isinstance(item, (list, tuple)):
            used += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, str):
            used += len(item) + 2
        else:
            try:
                used += len(json.dumps(item, default=str))
            except (TypeError, ValueError):  # e.g. an integer of thousands of digits: not plain metadata
                return True
        if used > budget:
            return True
    return False


def clean_metadata(raw: Any, allowed: Mapping[str, int] = CLIENT_METADATA_KEYS) -> Dict[str, Any]:
    """The allowlisted keys with short plain values (strings matching METADATA_VALUE up to the
    key's limit, or booleans); None or {} gives {}. Rejected: not an object, or over the size cap."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise Rejected("invalid_metadata", '"metadata" must be a JSON object.')
    if _json_size_over(raw, MAX_METADATA_BYTES):
        raise Rejected("metadata_too_large", f'"metadata" must be at most {MAX_METADATA_BYTES} bytes of JSON.')
    metadata: Dict[str, Any] = {}
    for key, limit in allowed.items():
        value = raw.get(key)
        if isinstance(value, bool):
            metadata[key] = value
        elif isinstance(value, str) and 0 < len(value) <= limit and METADATA_VALUE.fullmatch(value):
            metadata[key] = value
    return metadata


def _default_risk(text: str) -> bool:
    from bot.safety import (
        assess,  # spaCy: loaded only when a message is over the hard limit
    )

    return assess(text).is_risk


def risky_passages(text: str, is_risk: Callable[[str], bool] = _default_risk) -> List[str]:
    """The windows of `text` (its first SCAN_LENGTH characters) the detector finds risk in."""
    text = text[:SCAN_LENGTH]
    step = SCAN_WINDOW - SCAN_OVERLAP
    found: List[str] = []
    for start in range(0, max(len(text) - SCAN_OVERLAP, 1), step):
        window = text[start:start + SCAN_WINDOW]
        if is_risk(window):
            found.append(window)
    return found


@dataclass(frozen=True)
class Accepted:
    """What goes to the dialogue."""
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)

    @property
    def long(self) -> bool:
        return bool(self.metadata.get(LONG_MESSAGE_KEY))


def accept_message(text: Any, metadata: Optional[Dict[str, Any]] = None,
                   is_risk: Callable[[str], bool] = _default_risk) -> Accepted:
    """The message a channel forwards, or Rejected (not a string; too long and no risk in it).

    `metadata` is already cleaned (clean_metadata); the long-message flags are added here.
    `is_risk` is only called for a message over HARD_MESSAGE_LENGTH: it can take about a second,
    so an async channel calls this in a worker thread."""
    if not isinstance(text, str):
        raise Rejected("invalid_message", '"message" must be a string.')
    metadata = dict(metadata or {})
    metadata.pop(LONG_MESSAGE_KEY, None)
    metadata.pop(TRUNCATED_KEY, None)
    # cleaning never lengthens text: cut first, so a huge body costs no more than SCAN_LENGTH
    cleaned = clean_text(text[:SCAN_LENGTH + 1] if len(text) > SCAN_LENGTH else text)
    if len(cleaned) <= MAX_MESSAGE_LENGTH and len(text) <= SCAN_LENGTH:
        return Accepted(cleaned, metadata)
    metadata[LONG_MESSAGE_KEY] = True
    if len(cleaned) <= HARD_MESSAGE_LENGTH and len(text) <= SCAN_LENGTH:
        return Accepted(cleaned, metadata)
    passages = risky_passages(cleaned, is_risk)
    if not passages:
        raise Rejected("message_too_long", MESSAGE_TOO_LONG.format(limit=MAX_MESSAGE_LENGTH), status=413)
    # The crisis reply must still come: the passages with risk go on (the rest is not stored).
    excerpt = "\n…\n".join(passages)[:HARD_MESSAGE_LENGTH]
    metadata[TRUNCATED_KEY] = len(text)
    return Accepted(excerpt, metadata)


def is_long_message(metadata: Optional[Mapping[str, Any]]) -> bool:
    """Whether the boundary flagged a message as over MAX_MESSAGE_LENGTH (read by SafetyPolicy)."""
    return isinstance(metadata, Mapping) and metadata.get(LONG_MESSAGE_KEY) is True
