"""Check a custom action's response schema once, not on every call (a fifth of
the Rasa server's CPU per message was jsonschema checking its own meta-schema)."""
from __future__ import annotations

import functools
import json
import re
from typing import Any, Dict, Tuple

from bot.runtime.rasa_patches.registry import JSONSCHEMA, RASA, Patch, replace

NAME = "jsonschema_checks"


def apply(settings: Any = None) -> None:
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
    replace(jsonschema, "validate", validate, NAME)


class _Unsupported(Exception):
    """A keyword quick_is_valid does not know: let jsonschema decide."""


_QUICK_KEYWORDS = frozenset({"type", "properties", "patternProperties", "required", "items", "oneOf", "const"})



@functools.lru_cache(maxsize=None)
def _json_equal() -> Any:
    """jsonschema's own const/enum equality (a private function: imported here, when
    it is used, so importing this module needs nothing private)."""
    from jsonschema._utils import equal

    return equal


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
    `equal`; tests/unit/runtime/test_speedups.py compares the two on every event type
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
    if "const" in schema and not _json_equal()(instance, schema["const"]):
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



PATCH = Patch(NAME, "speedups", (RASA, JSONSCHEMA), apply)
