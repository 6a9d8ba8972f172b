"""Remember which Event class a stored type name resolves to (40% of loading a tracker)."""
from __future__ import annotations

from typing import Any, Dict

from bot.runtime.rasa_patches.registry import RASA, Patch, replace

NAME = "event_classes"


def apply(settings: Any = None) -> None:
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
    replace(Event, "resolve_by_type", staticmethod(resolve_by_type), NAME)



PATCH = Patch(NAME, "speedups", (RASA,), apply)
