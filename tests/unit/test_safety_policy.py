"""The safety path's order of actions, whatever else is going on."""
import pytest

from bot.dialogue.safety_policy import next_safety_action

RISK = ["express_risk", "request_crisis_resources"]
RED = ["report_red_flag"]


def step(intent, done, loop=None):
    return next_safety_action(intent, done, loop, RISK, RED)


@pytest.mark.parametrize("intent", RISK)
def test_risk_gets_lines_then_support_then_listens(intent):
    assert step(intent, []) == "utter_crisis_lines"
    assert step(intent, ["utter_crisis_lines"]) == "action_crisis_support"
    assert step(intent, ["utter_crisis_lines", "action_crisis_support"]) == "action_listen"


def test_risk_inside_a_form_leaves_the_form_after_the_lines():
    assert step("express_risk", [], loop="coping_form") == "utter_crisis_lines"
    assert step("express_risk", ["utter_crisis_lines"], loop="coping_form") == "action_crisis_support"
    assert step("express_risk", ["utter_crisis_lines", "action_crisis_support"], loop="coping_form") \
        == "action_deactivate_loop"
    assert step("express_risk", ["utter_crisis_lines", "action_crisis_support", "action_deactivate_loop"]) \
        == "action_listen"


def test_red_flag_gets_urgent_advice_first_and_leaves_a_form():
    assert step("report_red_flag", [], loop="coping_form") == "utter_red_flag_urgent"
    assert step("report_red_flag", ["utter_red_flag_urgent"], loop="coping_form") == "action_deactivate_loop"
    assert step("report_red_flag", ["utter_red_flag_urgent"]) == "action_listen"


@pytest.mark.parametrize("intent", ["affirm", "ask_sleep", None, "inform"])
def test_other_messages_are_left_to_the_other_policies(intent):
    assert step(intent, []) is None


def test_a_turn_something_else_already_answered_is_left_alone():
    assert step("express_risk", ["utter_crisis_confirmed", "utter_crisis_lines"]) is None
