"""The REST channel with its input checked at the boundary (bot/channels/input_boundary.py).

Rasa's RestInput takes whatever JSON arrives: no sender becomes the shared "default"
conversation, a number as the message reaches the pipeline, the client may name any input
channel, any metadata is stored (one request stored 40 MB), a lone surrogate in the sender
stopped the Rasa server, and any web page could post `text/plain` JSON into a conversation.
Here a bad request gets a clean 4xx with a JSON body `{"error": code, "message": "..."}`
before anything is stored:
- 415 unless `Content-Type: application/json` (a page cannot send that cross-site without
  a CORS preflight, which Rasa's REST channel does not grant);
- 400 for a body that is not a JSON object, a bad sender, a message that is not a string,
  metadata that is not an object or is over 2 KB of JSON (unknown metadata keys are dropped);
- 413 for a message over 20,000 characters, unless it carries risk (then the crisis reply).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Text, Tuple, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.input_boundary import (
    MAX_MESSAGE_LENGTH,
    Accepted,
    Rejected,
    accept_message,
    check_sender,
    clean_metadata,
)

logger = logging.getLogger(__name__)

JSON_MEDIA_TYPE = "application/json"


def _body(req: Request) -> Dict[str, Any]:
    media_type = (req.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise Rejected("unsupported_media_type", f'Send the message as JSON, with "Content-Type: {JSON_MEDIA_TYPE}".',
                       status=415)
    try:
        body = req.json
    except Exception:  # sanic raises its own error type for invalid JSON
        raise Rejected("invalid_json", "The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise Rejected("invalid_body", 'The request body must be a JSON object: {"sender": "...", "message": "..."}.')
    return body


async def accept_request(req: Request) -> Tuple[str, Accepted]:
    """(sender, the message to forward) or Rejected."""
    body = _body(req)
    sender = check_sender(body.get("sender"))
    metadata = clean_metadata(body.get("metadata"))
    text = body.get("message")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_LENGTH:
        # a message over the hard limit is read by the detector (up to about a second): not on the event loop
        accepted = await asyncio.get_running_loop().run_in_executor(None, accept_message, text, metadata)
    else:
        accepted = accept_message(text, metadata)
    return sender, accepted


class ValidatedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_ValidatedRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            try:
                sender, accepted = await accept_request(request)
            except Rejected as rejected:
                return response.json({"error": rejected.code, "message": rejected.message}, status=rejected.status)
            # the client does not get to pose as another channel
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(self.stream_response(on_new_message, accepted.text, sender, self.name(),
                                                            accepted.metadata or None),
                                       content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(accepted.text, collector, sender, input_channel=self.name(),
                                                 metadata=accepted.metadata or None))
            except asyncio.CancelledError:
                logger.error("REST: handling a message timed out (%d characters)", len(accepted.text))
            except Exception:  # noqa: BLE001 - the person gets what was said so far, never a stack trace
                # no user text in the log: ids and sizes only
                logger.error("REST: handling a message failed (%d characters)", len(accepted.text), exc_info=True)
            return response.json(collector.messages)

        return webhook
