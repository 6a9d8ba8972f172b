"""Runtime speedups change how fast, never what: same validation errors, same data."""
import jsonschema
import pytest

from bot.runtime import rasa_patches
from bot.runtime.rasa_patches import (
    graph_runner,
    jsonschema_checks,
    rule_index,
    state_replay,
)

SCHEMA = {"type": "object", "properties": {"events": {"type": "array"}}, "required": ["events"]}


def test_validate_still_accepts_and_refuses_the_same_instances():
    rasa_patches.install()
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

    rasa_patches.install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(Exception) as error:
        action._validate_action_result({"events": "not a list"})
    assert isinstance(error.value, (jsonschema.ValidationError, RasaException))


def test_stored_events_come_back_as_the_same_objects():
    from rasa.shared.core import events as ev
    from rasa.shared.utils.common import all_subclasses

    rasa_patches.install()
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


def test_endpoint_requests_reuse_one_connection_and_report_errors_as_before():
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    from tests.fakes.local_http import serving

    rasa_patches.install()
    peers = []

    async def webhook(request):
        peers.append(request.transport.get_extra_info("peername"))
        if request.query.get("fail"):
            return web.json_response({"error": "nope"}, status=500)
        return web.json_response({"echo": await request.json()})

    async def main():
        async with serving({"/webhook": webhook}) as port:
            endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
            answers = [await endpoint.request(json={"n": i}) for i in range(3)]
            with pytest.raises(ClientResponseError) as error:
                await endpoint.request(json={"n": 9}, params={"fail": "1"})
            return answers, error.value.status

    answers, status = asyncio.run(main())
    assert answers == [{"echo": {"n": i}} for i in range(3)]
    assert status == 500
    assert len(peers) == 4 and len(set(peers)) == 1  # one keep-alive connection for all four


def _event_samples():
    """Every Rasa event type as the action server would send it, and broken variants."""
    from datetime import datetime

    from rasa.shared.core import events as ev

    real = [ev.UserUttered("hi", {"name": "greet", "confidence": 0.9}), ev.ActionExecuted("action_listen"),
            ev.SlotSet("region", "UK"), ev.SlotSet("pain_score", 7), ev.EntitiesAdded([{"entity": "x", "value": 1}]),
            ev.ReminderScheduled("intent", datetime.now()),
            ev.ActionExecutionRejected("coping_form"), ev.ActiveLoop("coping_form"), ev.ActiveLoop(None),
            ev.AllSlotsReset(), ev.ConversationResumed(), ev.ConversationPaused(), ev.FollowupAction("utter_x"),
            ev.StoryExported(), ev.Restarted(), ev.ActionReverted(), ev.UserUtteranceReverted(),
            ev.BotUttered("hello", {"buttons": []}), ev.SessionStarted(), ev.AgentUttered("hi"),
            ev.LoopInterrupted(True), ev.ReminderCancelled(intent="x")]
    samples = [e.as_dict() for e in real]
    broken = []
    for sample in samples:
        for key, value in list(sample.items()):
            for bad in (None, True, 1, 1.5, "x", [], {}):
                variant = dict(sample)
                variant[key] = bad
                broken.append(variant)
            variant = dict(sample)
            del variant[key]
            broken.append(variant)
    broken += [{"event": "no_such_event"}, {}, [], "slot", None, {"event": True}]
    return samples, broken


def test_quick_check_agrees_with_jsonschema_on_every_event_and_broken_ones():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction("action_x", None).action_response_format_spec()
    validator = validator_for(schema)(schema)
    samples, broken = _event_samples()
    responses = [[], [{"text": "hi"}], [{"text": "hi", "buttons": [{"title": "a", "payload": "/b"}]}], ["no"], [1]]
    instances = [{"events": [e], "responses": r} for e in samples + broken for r in responses[:2]]
    instances += [{"events": samples, "responses": r} for r in responses] + [{"events": "x"}, {}, [], None,
                                                                              {"events": [], "extra": 1}]
    disagreements = [i for i in instances if jsonschema_checks.quick_is_valid(validator, schema, i) != validator.is_valid(i)]
    assert disagreements == []
    assert sum(validator.is_valid(i) for i in instances) > 40  # both verdicts are exercised
    assert sum(not validator.is_valid(i) for i in instances) > 40
    # A schema with a keyword the quick check does not know is left to jsonschema.
    assert jsonschema_checks.quick_is_valid(validator, {"type": "string", "minLength": 3}, "ab") is False


def test_graphs_run_without_dask_give_what_dask_gives():
    import dask

    calls = []

    def node(name):
        def run(*inputs):
            calls.append(name)
            return name, [name, *inputs]
        return run

    graph = {
        "a": (node("a"), "__input__"),
        "b": (node("b"), "a", "not-a-key"),
        "c": (node("c"), "a", "b"),
        "unused": (node("unused"),),
        "__input__": ("__input__", {"text": "hi"}),
    }
    expected = dask.get(dict(graph), ["c", "b"])
    calls.clear()
    assert graph_runner.execute_graph(dict(graph), ["c", "b"]) == list(expected)
    assert calls == ["a", "b", "c"]  # each needed node once, dependencies first, nothing else
    with pytest.raises(RuntimeError):
        graph_runner.execute_graph({"x": (node("x"), "y"), "y": (node("y"), "x")}, ["x"])


def test_rules_grouped_by_last_action_match_exactly_as_rasas_own():
    import json
    import random

    from rasa.core.policies.rule_policy import RulePolicy

    rasa_patches.install()
    policy = RulePolicy.__new__(RulePolicy)

    def state(action, intent):
        return {"prev_action": {"action_name": action}, "user": {"intent": intent}}

    rules = [[state("action_listen", "greet")],
             [{}, state("action_listen", "greet")],  # only at the start of a conversation
             [state("action_listen", "ask"), state("utter_answer", "ask")],
             [state("action_listen", "ask"), state("utter_answer", "ask"), state("action_listen", "thanks")],
             [state("action_listen", "bye"), {"prev_action": {"action_name": "utter_bye"}, "slots": {"s": (1.0,)}}],
             [{"user": {"intent": "greet"}}],  # no previous action named: tried against every state
             [state("action_listen", "thanks"), {"prev_action": {"action_name": "should_not_be_set"}}]]
    lookup = {json.dumps(rule): f"action_{i}" for i, rule in enumerate(rules)}
    rng = random.Random(7)
    actions, intents = ["action_listen", "utter_answer", "utter_bye", "utter_greet"], ["greet", "ask", "thanks", "bye"]

    def history():
        states = [{}] if rng.random() < 0.5 else []
        for _ in range(rng.randint(1, 8)):
            s = state(rng.choice(actions), rng.choice(intents))
            if rng.random() < 0.3:
                s["slots"] = {"s": (1.0,)}
            states.append(s)
        return states

    histories = [history() for _ in range(400)]
    with rasa_patches.suspended():
        expected = [RulePolicy._get_possible_keys(policy, lookup, h) for h in histories]
    assert any(expected) and not all(expected)

    assert [RulePolicy._get_possible_keys(policy, lookup, h) for h in histories] == expected

    assert not policy.__dict__.get("_unknot_rule_groups")  # outside prediction (training): Rasa's own scan

    token = rule_index.RULE_PREDICTION.set(True)
    try:
        assert [RulePolicy._get_possible_keys(policy, lookup, h) for h in histories] == expected
    finally:
        rule_index.RULE_PREDICTION.reset(token)
    (_, by_action, anywhere), = policy.__dict__["_unknot_rule_groups"].values()
    assert sorted(by_action) == ["action_listen", "utter_answer", "utter_bye"] and len(anywhere) == 2


@pytest.mark.parametrize("seed", range(4))
def test_dialogue_states_replayed_incrementally_are_rasas_after_every_event(seed):
    """Random conversations with forms, fallbacks, reverts, restarts and new
    sessions (the window tests' script): after every event, the states of the
    same tracker object (so the replay is continued, or restarted after a revert)
    equal Rasa's own replay from scratch, with and without rule-only turns."""
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import ROOT
    from tests.unit.storage.test_tracker_window import Script

    rasa_patches.install()
    domain = Domain.load(str(ROOT / "domain"))
    rng = random.Random(seed)
    script = Script()
    for _ in range(25):
        script.random_turn(rng)
    rule_only = {"slots": ["requested_slot", "guide"], "loops": ["action_two_stage_fallback"]}
    variants = [dict(), dict(ignore_rule_only_turns=True, rule_only_data=rule_only), dict(omit_unset_slots=True)]
    tracker = DialogueStateTracker("s", domain.slots)
    for event in (e for turn in script.turns for e in turn):
        tracker.update(event)
        for kwargs in variants:
            fast = domain.states_for_tracker_history(tracker, **kwargs)
            with rasa_patches.suspended():
                slow = domain.states_for_tracker_history(tracker, **kwargs)
            assert fast == slow
            if fast and "user" in fast[-1]:
                fast[-1]["user"].clear()  # callers edit their copy; nothing kept may change
    assert isinstance(tracker.__dict__["_unknot_replays"][False], state_replay._Replay)
