"""Runtime fixes for hot spots found by profiling the Rasa server under load
(`python -m bot.bench --profile`, README "Performance"). Nothing here changes
what the bot answers.

Installed by bot.tracker_store, the first of our modules the Rasa server
imports (endpoints.yml names it), so every `rasa run`, `rasa shell` and
`rasa test` that uses our endpoints gets them. UNKNOT_SPEEDUPS=off leaves them out,
to measure their effect (python -m bot.bench ... with and without).
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Dict, Tuple

_installed = False
_lock = threading.Lock()


def install() -> None:
    global _installed
    with _lock:
        if _installed or os.environ.get("UNKNOT_SPEEDUPS", "").strip().lower() == "off":
            return
        cache_jsonschema_checks()
        cache_event_classes()
        from bot import scheduling

        scheduling.install()
        _installed = True


def cache_jsonschema_checks() -> None:
    """Rasa validates every custom action's response with `jsonschema.validate(result,
    schema)`, and jsonschema's `validate` first checks the *schema itself* against its
    draft-2020-12 meta-schema, every call. That check was about a fifth of the Rasa
    server's CPU time per message. The schema never changes, so check it once per
    distinct schema and reuse the validator; instances are validated exactly as before
    (same validator class, same best_match error)."""
    import jsonschema
    from jsonschema import exceptions
    from jsonschema.validators import validator_for

    original = jsonschema.validate
    if getattr(original, "_unknot_cached", False):
        return
    validators: Dict[Tuple[Any, str], Any] = {}

    def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            return original(instance, schema, cls, *args, **kwargs)
        try:
            key = (cls, json.dumps(schema, sort_keys=True))
        except (TypeError, ValueError):
            return original(instance, schema, cls)
        validator = validators.get(key)
        if validator is None:
            klass = cls if cls is not None else validator_for(schema)
            klass.check_schema(schema)
            validator = klass(schema)
            if len(validators) < 256:
                validators[key] = validator
        error = exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    validate._unknot_cached = True  # type: ignore[attr-defined]
    validate.__doc__ = original.__doc__
    jsonschema.validate = validate


def cache_event_classes() -> None:
    """Rasa turns every stored event back into an object with
    `Event.resolve_by_type(type_name)`, which walks the whole tree of Event
    subclasses (and asks `inspect.isabstract` of each) for every single event:
    about 40% of loading a tracker from the tracker store. The answer for a type
    name never changes once found, so remember it. A name not found yet (an
    unknown type, or a subclass defined later) still goes through the original
    search, so the result is always the one the original would give: it returns
    the first match of a list whose existing entries keep their order."""
    from rasa.shared.core.events import Event

    original = Event.__dict__["resolve_by_type"].__func__
    if getattr(original, "_unknot_cached", False):
        return
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        cls = original(type_name, default)
        if cls is not None and cls is not default and cls.type_name == type_name:
            found[type_name] = cls
        return cls

    resolve_by_type._unknot_cached = True  # type: ignore[attr-defined]
    resolve_by_type.__doc__ = original.__doc__
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]


def enabled() -> bool:
    return os.environ.get("UNKNOT_SPEEDUPS", "").strip().lower() != "off"
