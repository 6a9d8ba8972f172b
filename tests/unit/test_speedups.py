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
