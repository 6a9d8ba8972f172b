"""The REST channel with its input checked.

Rasa's RestInput takes whatever JSON arrives: no sender becomes the shared
"default" conversation, a number as the message reaches the pipeline, and the
client may name any input channel. Here a bad request gets a clean 400 that
says what is wrong, before anything is stored.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

MAX_SENDER_LENGTH = 255  # the tracker store's sender_id column


def _body(req: Request) -> Dict[str, Any]:
    try:
        body = req.json
    except Exception:  # sanic raises its own error type for invalid JSON
        raise InvalidUsage("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise InvalidUsage('The request body must be a JSON object: {"sender": "...", "message": "..."}.')
    return body


class ValidatedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        sender = _body(req).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage('"sender" must be a non-empty string (the conversation id).')
        if len(sender) > MAX_SENDER_LENGTH:
            raise InvalidUsage(f'"sender" must be at most {MAX_SENDER_LENGTH} characters.')
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage('"message" must be a string.')
        return message

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # the client does not get to pose as another channel

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage('"metadata" must be a JSON object.')
        return metadata
