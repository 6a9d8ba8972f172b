"""The speedups and the admission gate (bot/runtime/rasa_patches/: graphs run
without dask, remembered rule matches, dialogue states replayed incrementally,
cached schema checks and event classes, one session for the action server, the
gate) must not change a single decision. (The hardening patches do change some,
on purpose: a typed "/restart" is not obeyed; tests/unit/runtime/test_hardening.py.) The
test model answers the same conversations with them and with Rasa's own code
(rasa_patches.suspended("speedups", "admission_gate")), and every intent, confidence, entity, action,
policy and slot must be identical: without an action server (custom actions
fail alike), and with the shared stack's action server up, where form and
crisis turns are compared whole, the bot's texts included."""
import asyncio
import random
from pathlib import Path
from typing import Any, List, Tuple

import pytest

from bot.runtime import rasa_patches
from tests.support.conversations import conversation, nlu_examples

ROOT = Path(__file__).resolve().parents[2]

# Flows the bench's random draws might miss: a risk message inside the coping
# form, a red flag, a fallback, an exercise entity, a restart.
SCRIPTED = [
    ["hi", "can stress cause back pain?", "how do i cope with it", "my lower back", "about a week",
     "i want to kill myself", "thanks"],
    ["give me some tips", "upper back", "i can't feel my legs and i can't control my bladder", "ok"],
    ["asdkjh qwe", "zzzz", "what is box breathing", "let's do box breathing", "stop", "/restart", "hello"],
    ["i feel anxious all the time and my back hurts", "why does anxiety make it worse", "when should i see a doctor",
     "can i take ibuprofen", "bye"],
]


def _events_summary(tracker: Any, whole: bool = False) -> List[Tuple[Any, ...]]:
    rows: List[Tuple[Any, ...]] = []
    for event in tracker.events:
        data = event.as_dict()
        data.pop("timestamp", None)
        data.pop("message_id", None)  # a fresh uuid per message
        if isinstance(data.get("parse_data"), dict):
            data["parse_data"] = {k: v for k, v in data["parse_data"].items() if k != "message_id"}
        if data.get("event") == "slot" and data.get("name") == "risk_flags" and isinstance(data.get("value"), list):
            # each flag records the wall-clock second it was raised: the two runs differ there only
            data["value"] = [{k: v for k, v in f.items() if k != "time"} for f in data["value"]]
        if data.get("event") == "bot" and not whole:
            data.pop("text", None)  # without the action server, custom actions' replies are missing alike
            data.pop("data", None)
        rows.append(tuple(sorted((k, repr(v)) for k, v in data.items())))
    return rows


@pytest.fixture(scope="module", params=["no action server", "action server up"])
def agent(request, test_model):
    rasa_patches.install()
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    if request.param == "no action server":
        return Agent.load(str(test_model))  # in-memory tracker store; custom actions fail alike
    stack = request.getfixturevalue("stack")
    return Agent.load(str(test_model), action_endpoint=EndpointConfig(stack.settings.action_endpoint_url))


def _conversations() -> List[List[str]]:
    pool = nlu_examples(ROOT / "tests" / "nlu" / "heldout.yml")
    drawn = [conversation(pool, 10, f"same-{i}") for i in range(12)]
    return SCRIPTED + drawn


def test_the_same_conversations_get_the_same_decisions_with_and_without_the_patches(agent):
    import numpy as np
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner

    whole = agent.action_endpoint is not None
    loop = asyncio.new_event_loop()

    answered_by_actions = 0

    def run(sender: str, messages: List[str]) -> List[Tuple[Any, ...]]:
        nonlocal answered_by_actions

        async def go():
            for text in messages:
                await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
            return await agent.tracker_store.retrieve(sender)

        random.seed(0)
        np.random.seed(0)  # Rasa picks among a response's variations with numpy
        tracker = loop.run_until_complete(go())
        answered_by_actions += _custom_action_results(agent, tracker)
        return _events_summary(tracker, whole=whole)

    try:
        for i, messages in enumerate(_conversations()):
            assert getattr(DaskGraphRunner.run, "_unknot_direct", False)
            fast = run(f"fast-{i}", messages)
            with rasa_patches.suspended("speedups", "admission_gate"):
                assert not getattr(DaskGraphRunner.run, "_unknot_direct", False)
                slow = run(f"slow-{i}", messages)
            assert fast == slow, f"conversation {i} differs: {messages}"
    finally:
        loop.close()

    # The fast paths did run (the comparison above is not between two copies of Rasa).
    rule_policies = [n for n in _graph_components(agent) if type(n).__name__ == "RulePolicy"]
    assert rule_policies and all(p.__dict__.get("_unknot_rule_groups") for p in rule_policies)
    # With the action server up, custom actions did answer (the form and the
    # crisis turns ran for real); without it, none could.
    assert (answered_by_actions > 0) == whole, answered_by_actions


def _custom_action_results(agent: Any, tracker: Any) -> int:
    """How many custom action runs left events (replies, slots) after them."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    custom = {a for a in agent.domain.user_actions if not a.startswith("utter_")} - set(agent.domain.form_names)
    count, current = 0, None
    for event in tracker.events:
        if isinstance(event, (ActionExecuted, UserUttered)):
            current = event.action_name if isinstance(event, ActionExecuted) else None
        elif current in custom:
            count += 1
            current = None
    return count


def _graph_components(agent: Any) -> List[Any]:
    runner = agent.processor.graph_runner
    return [node._component for node in runner._instantiated_nodes.values()
            if getattr(node, "_component", None) is not None]
