"""What the logs may hold: event names, ids, sizes and code locations, never a
person's words (issue 15, docs/deployment.md "Robustness").

Rasa 3.6 logs through structlog and passes the user's text as event fields: a
REST message whose handling failed (`rest.message.received.failure text=...`),
a "/" message its parser could not read (`message.parsing.failed user_text=...`),
and at DEBUG every parse (`parse_data_text`, `tracker_latest_message`, ...).
When it renders an exception it also prints every frame's local variables
(structlog's `dict_tracebacks` shows locals), and those hold the message, the
tracker and its slots. Rasa's own remedy is an anonymization hook that only
Rasa Pro fills; filling it here would also make Rasa re-read the tracker from
the database on every message (MessageProcessor.run_anonymization_pipeline).

So `install_structlog()` puts `withhold_user_text` first in the processor chain
Rasa configured and swaps the exception renderers for ones without locals. The
chain is changed in place: Rasa builds its loggers with
`cache_logger_on_first_use`, and a cached logger holds that very list, so
loggers made before the change get it too.

The staff app's and widget page's access log (uvicorn) printed whole URLs; a
staff search puts the searched words in the query string, so `uvicorn_log_config`
logs the path only.
"""
from __future__ import annotations

import copy
import logging
from typing import Any, Dict, List, MutableMapping

# The event fields Rasa 3.6 itself lists as holding conversation content
# (rasa.utils.log_utils._anonymizer), plus the ones our own code uses.
USER_CONTENT_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "metadata", "events", "slots", "tracker",
})


def withheld(value: Any) -> str:
    """What stands in a log for a value that may hold a person's words: its size only."""
    if isinstance(value, (str, bytes)):
        return f"<withheld: {len(value)} chars>"
    if isinstance(value, (list, tuple, dict, set)):
        return f"<withheld: {len(value)} items>"
    return "<withheld>"


def withhold_user_text(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every content field keeps its name and loses its value."""
    for key in USER_CONTENT_KEYS.intersection(event_dict):
        if event_dict[key] is not None:
            event_dict[key] = withheld(event_dict[key])
    return event_dict


def _without_locals(processor: Any) -> Any:
    """The same renderer, minus the frames' local variables."""
    import structlog
    from structlog.dev import ConsoleRenderer, plain_traceback
    from structlog.tracebacks import ExceptionDictTransformer

    if isinstance(processor, structlog.processors.ExceptionRenderer):
        formatter = getattr(processor, "format_exception", None)
        if isinstance(formatter, ExceptionDictTransformer):
            return structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
        return processor
    if isinstance(processor, ConsoleRenderer):
        # rich's and better-exceptions' tracebacks print locals; the plain one does not.
        processor._exception_formatter = plain_traceback  # no public setter in structlog 23
    return processor


def install_structlog() -> bool:
    """Make structlog's configured chain (Rasa's, or the default) withhold user text.
    Idempotent; False when structlog is not importable."""
    try:
        import structlog
    except ImportError:  # pragma: no cover - Rasa depends on structlog
        return False
    processors = structlog.get_config()["processors"]
    if not isinstance(processors, list):  # a tuple cannot be changed in place
        processors = list(processors)
        structlog.configure(processors=processors)
    if withhold_user_text not in processors:
        processors.insert(0, withhold_user_text)
    processors[:] = [_without_locals(p) for p in processors]
    return True


class PathOnlyAccessLog(logging.Filter):
    """uvicorn's access record carries (client, method, full path, HTTP version,
    status); the query string goes, the path stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = args[:2] + (args[2].split("?", 1)[0] + "?<query withheld>",) + args[3:]
        return True


def uvicorn_log_config() -> Dict[str, Any]:
    """uvicorn's own logging config with the access log's query strings withheld."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["path_only"] = {"()": f"{__name__}.PathOnlyAccessLog"}
    access_handler: Dict[str, Any] = config["handlers"]["access"]
    filters: List[str] = access_handler.setdefault("filters", [])
    filters.append("path_only")
    return config
