"""SafetyPolicy and the input boundary's long-message flag: "could you send it in parts?"
replaces the usual answer, and never a crisis reply."""
from rasa.shared.core.events import ActionExecuted, ActiveLoop

from bot.channels.input_boundary import LONG_MESSAGE_KEY
from bot.dialogue.safety_policy import LONG_MESSAGE_ACTION
from tests.unit.dialogue.test_safety_policy import (  # noqa: F401 (fixtures)
    FIRST,
    domain,
    policy,
    predict,
    start,
    turn,
    user,
)

LONG = {LONG_MESSAGE_KEY: True}
TEXT = "my back has been sore after long days at the desk. " * 50


def test_a_long_message_without_risk_asks_for_parts_then_listens(policy, domain):  # noqa: F811
    events = start() + [user(TEXT, "express_stress", metadata=LONG)]
    action, _, _ = predict(policy, domain, events)
    assert action == LONG_MESSAGE_ACTION
    assert predict(policy, domain, events + turn(LONG_MESSAGE_ACTION)[:-1])[0] == "action_listen"


def test_a_long_message_with_risk_gets_the_crisis_reply(policy, domain):  # noqa: F811
    events = start() + [user(TEXT + " i want to end my life", "express_risk", "high", LONG)]
    assert predict(policy, domain, events)[0] == "utter_crisis_first"


def test_a_long_message_in_a_crisis_gets_the_crisis_conversation(policy, domain):  # noqa: F811
    events = (start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
              + [user(TEXT, "express_stress", metadata=LONG)])
    action, _, _ = predict(policy, domain, events)
    assert action != LONG_MESSAGE_ACTION and action.startswith("utter_crisis")


def test_a_short_message_is_unchanged(policy, domain):  # noqa: F811
    events = start() + [user("my back hurts", "express_stress")]
    assert predict(policy, domain, events)[0] is None  # the other policies answer, as before


def test_a_long_message_inside_a_form_keeps_the_form(policy, domain):  # noqa: F811
    events = (start() + [ActionExecuted("coping_form"), ActiveLoop("coping_form"), ActionExecuted("action_listen"),
                         user(TEXT, "inform", metadata=LONG)])
    assert predict(policy, domain, events)[0] == LONG_MESSAGE_ACTION
    after = events + [ActionExecuted(LONG_MESSAGE_ACTION)]
    assert predict(policy, domain, after)[0] == "action_listen"
