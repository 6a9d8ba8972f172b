"""Runtime speedups change how fast, never what: same validation errors, same data."""
import jsonschema
import pytest

from bot import speedups

SCHEMA = {"type": "object", "properties": {"events": {"type": "array"}}, "required": ["events"]}


def test_validate_still_accepts_and_refuses_the_same_instances():
    speedups.install()
    assert getattr(jsonschema.validate, "_unknot_cached", False)
    jsonschema.validate({"events": []}, SCHEMA)
    jsonschema.validate({"events": []}, dict(SCHEMA))  # an equal schema built again (as Rasa does)
    with pytest.raises(jsonschema.ValidationError) as error:
        jsonschema.validate({"events": "no"}, SCHEMA)
    assert error.value.validator == "type"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({}, SCHEMA)
    with pytest.raises(jsonschema.SchemaError):  # a broken schema is still refused
        jsonschema.validate({}, {"type": 12})


def test_rasa_action_responses_are_validated_like_before():
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.exceptions import RasaException

    speedups.install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(Exception) as error:
        action._validate_action_result({"events": "not a list"})
    assert isinstance(error.value, (jsonschema.ValidationError, RasaException))


def test_stored_events_come_back_as_the_same_objects():
    from rasa.shared.core import events as ev
    from rasa.shared.utils.common import all_subclasses

    speedups.install()
    assert getattr(ev.Event.resolve_by_type, "_unknot_cached", False)
    # Every event type resolves to the class the original search finds first.
    for cls in all_subclasses(ev.Event):
        first = next(c for c in all_subclasses(ev.Event) if c.type_name == cls.type_name)
        assert ev.Event.resolve_by_type(cls.type_name) is first
        assert ev.Event.resolve_by_type(cls.type_name) is first  # again, from the cache
    stored = [ev.ActionExecuted("action_listen").as_dict(),
              ev.UserUttered("hi", {"name": "greet", "confidence": 0.9}).as_dict(),
              ev.SlotSet("guide", "explain").as_dict(), ev.ActiveLoop("coping_form").as_dict(),
              ev.SessionStarted().as_dict(), ev.UserUtteranceReverted().as_dict()]
    back = ev.deserialise_events(stored)
    assert [e.as_dict() for e in back] == stored
    # Unknown names behave as before: the default, or a ValueError without one.
    assert ev.Event.resolve_by_type("no_such_event", ev.SlotSet) is ev.SlotSet
    assert ev.Event.resolve_by_type("topic", ev.SlotSet) is None
    with pytest.raises(ValueError):
        ev.Event.resolve_by_type("no_such_event")
