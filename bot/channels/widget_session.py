"""Widget sessions: random conversation ids bound to a signed token, and the
history a resumed widget shows again. Plain functions (no Rasa import), used
by the socket.io channel in `bot/channels/socketio.py`.

The server, never the browser, picks a conversation id. With it the browser
gets a token signed with SECRET_KEY (itsdangerous); later it can resume that
conversation only by showing the token. An id alone - learned from a log,
a screenshot or guessed - opens nothing.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.channels.input_boundary import Rejected, clean_metadata

SALT = "unknot.widget-session.v1"
# A token older than this no longer resumes its conversation (a new one starts).
MAX_AGE_SECONDS = 30 * 24 * 3600
SESSION_ID_PATTERN = re.compile(r"w-[0-9a-f]{32}")
# What a button sends: "/intent" or "/intent{...}" (hidden when no button title is known).
PAYLOAD_PATTERN = re.compile(r"/[A-Za-z0-9_]+(\{.*\})?", re.S)
MAX_HISTORY = 200


class SessionSigner:
    def __init__(self, key: str, max_age: int = MAX_AGE_SECONDS) -> None:
        if not key:
            raise ValueError("a signing key is required")
        self._serializer = URLSafeTimedSerializer(key, salt=SALT)
        self.max_age = max_age

    def issue(self) -> Tuple[str, str]:
        """A fresh random conversation id and the token that proves it."""
        session_id = "w-" + secrets.token_hex(16)
        return session_id, self.token_for(session_id)

    def token_for(self, session_id: str) -> str:
        return self._serializer.dumps({"sid": session_id})

    def verify(self, token: Any) -> Optional[str]:
        """The conversation id a token proves, or None if missing, forged or expired."""
        if not isinstance(token, str) or not token or len(token) > 512:
            return None
        try:
            payload = self._serializer.loads(token, max_age=self.max_age)
        except BadSignature:  # also covers SignatureExpired
            return None
        except (UnicodeError, ValueError, TypeError):  # e.g. a lone surrogate: not a token we issued
            return None
        session_id = payload.get("sid") if isinstance(payload, dict) else None
        if isinstance(session_id, str) and SESSION_ID_PATTERN.fullmatch(session_id):
            return session_id
        return None

    def resolve(self, request: Any) -> Tuple[str, str, bool]:
        """(session id, token, resumed) for a `session_request` payload.

        Only the token counts: a claimed `session_id` without a matching token
        gets a brand-new conversation."""
        token = request.get("token") if isinstance(request, Mapping) else None
        session_id = self.verify(token)
        if session_id is not None:
            return session_id, self.token_for(session_id), True
        session_id, token = self.issue()
        return session_id, token, False


def clean_message(data: Any) -> Tuple[str, Dict[str, Any], Optional[str]]:
    """(text as sent, metadata, client message id) from a `user_uttered` payload, or Rejected
    (its `code` is the ack's error). The text still goes through `accept_message` (length, risk)."""
    if not isinstance(data, Mapping):
        raise Rejected("invalid_message", "A message must be an object: {message, metadata, client_id}.")
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        raise Rejected("invalid_message", "A message needs some text.")
    metadata = clean_metadata(data.get("metadata"))  # the same allowlist and size cap as REST
    client_id = data.get("client_id")
    if not (isinstance(client_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{8,64}", client_id)):
        client_id = None
    return text, metadata, client_id


def _iso(timestamp: Any) -> Optional[str]:
    if not isinstance(timestamp, (int, float)):
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def history_messages(events: Iterable[Mapping[str, Any]], limit: int = MAX_HISTORY) -> List[Dict[str, Any]]:
    """What the widget showed, rebuilt from tracker events: the user's messages
    and the bot's, split into parts the way the socket.io output channel sends
    them, with quick replies on the last part. A button click (stored as its
    payload, e.g. "/affirm") is shown by the button's title; other payloads
    the widget sent by itself (the opening "/greet") are left out."""
    messages: List[Dict[str, Any]] = []
    titles: Dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        when = _iso(event.get("timestamp"))
        if kind == "user":
            text = event.get("text") or ""
            if not text or (text not in titles and PAYLOAD_PATTERN.fullmatch(text)):
                continue  # e.g. the widget's opening "/greet"
            messages.append({"from": "user", "text": titles.get(text, text), "time": when})
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = [b for b in (data.get("buttons") or data.get("quick_replies") or [])
                       if isinstance(b, Mapping) and b.get("title") and b.get("payload")]
            text = (event.get("text") or "").strip()
            if not text and not buttons:
                continue
            titles = {str(b["payload"]): str(b["title"]) for b in buttons}
            parts = text.split("\n\n") if text else [""]
            for i, part in enumerate(parts):
                message: Dict[str, Any] = {"from": "bot", "text": part, "time": when}
                if i == len(parts) - 1 and buttons:
                    message["quick_replies"] = [{"title": str(b["title"]), "payload": str(b["payload"])}
                                                for b in buttons]
                messages.append(message)
    return messages[-limit:]
