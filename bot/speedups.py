"""Runtime fixes for hot spots found by profiling the Rasa server under load
(`python -m bot.bench --profile`, README "Performance"). Nothing here changes
what the bot answers.

Installed by bot.tracker_store, the first of our modules the Rasa server
imports (endpoints.yml names it), so every `rasa run`, `rasa shell` and
`rasa test` that uses our endpoints gets them, and the admission gate
(bot/scheduling.py) with them. UNKNOT_SPEEDUPS=off leaves all of them out, to
measure their effect (python -m bot.bench ... with and without).
"""
from __future__ import annotations

import json
import os
import re
import threading
from typing import Any, Dict, Tuple

from jsonschema._utils import equal as json_equal  # jsonschema's own const/enum equality

_installed = False
_lock = threading.Lock()


def install() -> None:
    global _installed
    with _lock:
        if _installed or os.environ.get("UNKNOT_SPEEDUPS", "").strip().lower() == "off":
            return
        cache_jsonschema_checks()
        cache_event_classes()
        reuse_endpoint_connections()
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
        if quick_is_valid(validator, schema, instance):
            return None  # jsonschema would find no error either
        error = exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    validate._unknot_cached = True  # type: ignore[attr-defined]
    validate.__doc__ = original.__doc__
    jsonschema.validate = validate


class _Unsupported(Exception):
    """A keyword quick_is_valid does not know: let jsonschema decide."""


_QUICK_KEYWORDS = frozenset({"type", "properties", "patternProperties", "required", "items", "oneOf", "const"})


def quick_is_valid(validator: Any, schema: Any, instance: Any) -> bool:
    """True when `instance` is valid under `schema`, decided without building
    error objects; False when it is not, or when the schema uses a keyword
    outside the few below (then jsonschema decides, as before).

    Rasa's events schema is a `oneOf` over 23 event types for every event an
    action returns, and jsonschema builds a ValidationError for each of the 22
    alternatives that do not match: ~2.4 ms per custom action call. These
    keywords mean here exactly what jsonschema's own implementations
    (jsonschema/_validators.py: type, properties, patternProperties, required,
    items, oneOf, const) do, using the validator's own type checker and its
    `equal`; tests/unit/test_speedups.py compares the two on every event type
    and on broken ones. Only a True is trusted without jsonschema."""
    try:
        return _quick(validator, schema, instance)
    except _Unsupported:
        return False


def _quick(validator: Any, schema: Any, instance: Any) -> bool:
    if schema is True:
        return True
    if schema is False or not isinstance(schema, dict) or not schema.keys() <= _QUICK_KEYWORDS:
        raise _Unsupported
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(validator.is_type(instance, t) for t in types):
            return False
    if "const" in schema and not json_equal(instance, schema["const"]):
        return False
    if validator.is_type(instance, "object"):
        if any(name not in instance for name in schema.get("required", ())):
            return False
        for name, sub in schema.get("properties", {}).items():
            if name in instance and not _quick(validator, sub, instance[name]):
                return False
        for pattern, sub in schema.get("patternProperties", {}).items():
            for name, value in instance.items():
                if re.search(pattern, name) and not _quick(validator, sub, value):
                    return False
    if "items" in schema and validator.is_type(instance, "array"):
        items = schema["items"]
        if items is False:
            if instance:
                return False
        elif not all(_quick(validator, items, element) for element in instance):
            return False
    if "oneOf" in schema:
        if sum(1 for sub in schema["oneOf"] if _quick(validator, sub, instance)) != 1:
            return False
    return True


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


def reuse_endpoint_connections() -> None:
    """Rasa's `EndpointConfig.request` (every custom action call to the action
    server) builds a new aiohttp ClientSession, and with it a new TCP
    connection, for every single request, then tears both down. Keep one
    session per event loop and endpoint settings, so calls reuse keep-alive
    connections. Idle connections are dropped after 2 s, before the action
    server's own keep-alive timeout (Sanic: 5 s), so a request never goes out on
    a connection the server is closing. Requests, headers, timeouts and errors
    are exactly as before."""
    import asyncio
    import weakref

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original = EndpointConfig.session
    if getattr(original, "_unknot_shared", False):
        return
    sessions: "weakref.WeakKeyDictionary[Any, Dict[Tuple[Any, ...], Any]]" = weakref.WeakKeyDictionary()

    class _Borrowed:
        """`async with config.session()` hands out the shared session and leaves it open."""

        def __init__(self, session: Any) -> None:
            self._session = session

        async def __aenter__(self) -> Any:
            return self._session

        async def __aexit__(self, *exc: Any) -> None:
            return None

    def session(self: EndpointConfig) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original(self)
        key = (tuple(sorted(self.headers.items())), tuple(sorted(self.basic_auth.items())))
        per_loop = sessions.setdefault(loop, {})
        shared = per_loop.get(key)
        if shared is None or shared.closed:
            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)
            shared = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=2.0))
            per_loop[key] = shared
        return _Borrowed(shared)

    session._unknot_shared = True  # type: ignore[attr-defined]
    session.__doc__ = original.__doc__
    EndpointConfig.session = session  # type: ignore[assignment]


def enabled() -> bool:
    return os.environ.get("UNKNOT_SPEEDUPS", "").strip().lower() != "off"
