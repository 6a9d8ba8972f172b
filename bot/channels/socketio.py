"""The socket.io channel for the website widget, with conversations bound to
the socket the server issued them to.

Rasa's stock `SocketIOInput` with `session_persistence: true` trusts the
`session_id` a client sends, both in `session_request` and in every message:
anyone who learns an id joins that conversation and receives its replies.
Here:

- `session_request {token}`: a valid signed token resumes its conversation;
  anything else (no token, a forged or expired one, a bare `session_id`) gets
  a new random id and a token for it (`session_confirm {session_id, token,
  resumed}`). The socket is then bound to that id, server-side. A request
  without an object gets the ack `{ok: false, error: "invalid_request"}`.
- `user_uttered {message, metadata, client_id}`: goes to the socket's bound
  conversation, never to a `session_id` in the payload. It is acknowledged at
  once (`{ok}`), so the widget knows it arrived; a repeated `client_id` (a
  resend after a lost acknowledgement) is acknowledged but not processed again.
  The text and metadata pass the input boundary (bot/channels/input_boundary.py)
  as on every channel; what it refuses gets `{ok: false, error: code}`
  (`no_session`, `invalid_message`, `invalid_metadata`, `metadata_too_large`,
  `message_too_long` for over 20,000 characters without risk in them).
- `bot_typing {typing}` is emitted to the conversation while the bot works.
- `crisis_state {active, youth}` after every turn: whether the conversation is
  still in the crisis conversation (the `crisis` slot; safe, but not yet gone on,
  and worried about someone else count), and whether the person said they are
  under 18. The widget keeps its crisis bar while it lasts, youth lines first.
- `history_request` answers with the bound conversation's messages, so a
  reloaded widget shows them again. Rasa's HTTP API stays closed.
- Browsers may connect only from `settings.allowed_origins` (socket.io CORS).
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.input_boundary import MAX_MESSAGE_LENGTH, Rejected, accept_message
from bot.channels.widget_session import SessionSigner, clean_message, history_messages
from bot.settings import load_settings

logger = logging.getLogger(__name__)

# `crisis` slot values (bot/flows/crisis_conversation.py) during which the widget keeps its crisis bar:
# the crisis itself, "safe" until the person goes on, and someone worried about another person.
BAR_STATES = ("active", "immediate", "acted", "safe", "helper")

SEEN_PER_SESSION = 100
SEEN_SESSIONS = 10_000


class _AppBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint that also remembers the Sanic app (for the agent)."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


class BoundSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        if credentials.get("jwt_key"):
            raise ValueError("BoundSocketIOInput binds sessions with signed tokens; remove jwt_key")
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            True,  # conversations always outlive one socket; that is the point
            credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = load_settings()
        self.signer = SessionSigner(settings.signing_key())
        self.allowed_origins = list(settings.allowed_origins)
        self._seen: "OrderedDict[str, OrderedDict[str, None]]" = OrderedDict()

    def _first_time(self, session_id: str, client_id: Optional[str]) -> bool:
        """False when this client message id was already taken for this conversation."""
        if client_id is None:
            return True
        seen = self._seen.setdefault(session_id, OrderedDict())
        self._seen.move_to_end(session_id)
        while len(self._seen) > SEEN_SESSIONS:
            self._seen.popitem(last=False)
        if client_id in seen:
            return False
        seen[client_id] = None
        while len(seen) > SEEN_PER_SESSION:
            seen.popitem(last=False)
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.allowed_origins)
        webhook = _AppBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def bound_session(sid: Text) -> Optional[str]:
            session = await sio.get_session(sid, namespace=namespace)
            return session.get("session_id") if session else None

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> Dict[str, Any]:
            if not isinstance(data, dict):
                return {"ok": False, "error": "invalid_request"}  # the widget always sends {token}
            session_id, token, resumed = self.signer.resolve(data)
            previous = await bound_session(sid)
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.emit("session_confirm", {"session_id": session_id, "token": token, "resumed": resumed},
                           room=sid, namespace=namespace)
            return {"ok": True, "session_id": session_id}

        @sio.on("history_request", namespace=namespace)
        async def history_request(sid: Text, data: Any = None) -> Dict[str, Any]:
            session_id = await bound_session(sid)
            if not session_id:
                return {"ok": False, "error": "no_session"}
            agent = getattr(webhook.ctx.app.ctx, "agent", None)
            tracker = None
            if agent is not None and agent.tracker_store is not None:
                tracker = await agent.tracker_store.retrieve_full_tracker(session_id)
            events = [e.as_dict() for e in tracker.events] if tracker is not None else []
            return {"ok": True, "session_id": session_id, "messages": history_messages(events)}

        async def crisis_state(session_id: str) -> Optional[Dict[str, bool]]:
            agent = getattr(webhook.ctx.app.ctx, "agent", None)
            if agent is None or agent.tracker_store is None:
                return None
            tracker = await agent.tracker_store.retrieve(session_id)
            if tracker is None or "crisis" not in tracker.slots:
                return None
            youth = "youth" in tracker.slots and tracker.get_slot("youth") is True
            return {"active": tracker.get_slot("crisis") in BAR_STATES, "youth": youth}

        async def process(message: UserMessage, session_id: str) -> None:
            await sio.emit("bot_typing", {"typing": True}, room=session_id, namespace=namespace)
            try:
                await on_new_message(message)
                state = await crisis_state(session_id)
                if state is not None:
                    await sio.emit("crisis_state", state, room=session_id, namespace=namespace)
            except Exception:  # noqa: BLE001 - a failed turn must not kill the channel
                logger.exception("Handling a socket.io message failed")
            finally:
                await sio.emit("bot_typing", {"typing": False}, room=session_id, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> Dict[str, Any]:
            session_id = await bound_session(sid)
            if not session_id:
                return {"ok": False, "error": "no_session"}
            try:
                raw_text, metadata, client_id = clean_message(data)
                if len(raw_text) > MAX_MESSAGE_LENGTH:
                    # over the hard limit the detector reads it (up to about a second): not on the event loop
                    accepted = await asyncio.get_running_loop().run_in_executor(
                        None, accept_message, raw_text, metadata)
                else:
                    accepted = accept_message(raw_text, metadata)
            except Rejected as rejected:
                return {"ok": False, "error": rejected.code}
            if not accepted.text.strip():
                return {"ok": False, "error": "invalid_message"}  # nothing left once control characters went
            if self._first_time(session_id, client_id):
                message = UserMessage(accepted.text, SocketIOOutput(sio, self.bot_message_evt), session_id,
                                      input_channel=self.name(), metadata=accepted.metadata)
                sio.start_background_task(process, message, session_id)
            return {"ok": True, "client_id": client_id}

        return webhook
