"""The walkthrough and guided exercises, step by step, without a Rasa server."""
import pytest

from bot.flows.guide import (
    BREATHING,
    CHECKIN,
    EXERCISES,
    EXPLAIN,
    EXPLAIN_STEPS,
    PMR,
    all_responses,
    next_move,
)


def walk(intents, guide=None, step=None, exercise=None):
    """Feed intents through next_move as a conversation would, carrying the slots."""
    sent, slots = [], {"guide": guide, "guide_step": step, "exercise": exercise}
    continuing = False
    for intent in intents:
        move = next_move(intent, slots["guide"], slots["guide_step"], slots["exercise"], continuing=continuing)
        sent.append([r.response for r in move.replies])
        slots.update(move.slots)
        continuing = True
    return sent, slots


def test_walkthrough_goes_through_the_five_mechanisms_in_order_then_ends():
    sent, slots = walk(["ask_stress_back_pain"] + ["request_next_step"] * 5)
    assert [s[0] for s in sent] == [r for r, _ in EXPLAIN_STEPS] + ["utter_explain_end"]
    assert slots["guide"] is None and slots["guide_step"] is None


def test_each_walkthrough_step_offers_go_on_coping_and_stop():
    move = next_move("ask_stress_back_pain", None, None)
    payloads = [b["payload"] for b in move.replies[0].buttons]
    assert payloads == ["/request_next_step", "/ask_coping_tips", "/request_stop"]
    assert move.replies[0].buttons[0]["title"] == "Next: posture"


def test_yes_continues_and_no_stops_the_walkthrough():
    sent, slots = walk(["ask_stress_back_pain", "affirm", "deny"])
    assert sent[1] == ["utter_explain_posture"]
    assert sent[2] == ["utter_stopped"]
    assert slots["guide"] is None


def test_stop_works_at_any_step():
    sent, slots = walk(["ask_stress_back_pain", "request_next_step", "request_stop"])
    assert sent[-1] == ["utter_stopped"] and slots["guide"] is None


@pytest.mark.parametrize("name", [BREATHING, PMR])
def test_exercise_runs_every_step_then_asks_if_it_helped(name):
    sent, slots = walk(["request_relaxation_exercise"] + ["request_next_step"] * len(EXERCISES[name]), exercise=name)
    assert [s[0] for s in sent[:-1]] == list(EXERCISES[name])
    assert sent[-1] == ["utter_ask_exercise_helped"]
    assert slots["guide"] == CHECKIN and slots["last_exercise"] == name


@pytest.mark.parametrize("intent,value", [("affirm", "yes"), ("report_partial_help", "a_little"), ("deny", "no")])
def test_check_in_answer_is_recorded(intent, value):
    steps = len(EXERCISES[BREATHING])
    sent, slots = walk(["request_relaxation_exercise"] + ["request_next_step"] * steps + [intent], exercise=BREATHING)
    assert sent[-1] == [f"utter_exercise_helped_{value}"]
    assert slots["exercise_helped"] == value and slots["guide"] is None


def test_exercise_without_a_type_offers_the_choice():
    move = next_move("request_relaxation_exercise", None, None, exercise=None)
    assert [r.response for r in move.replies] == ["utter_choose_exercise"]


def test_a_stale_guide_does_not_capture_an_unrelated_yes():
    # the bot's previous turn was not the guide: "yes" must not jump back into step 3
    move = next_move("affirm", EXPLAIN, 2.0, continuing=False)
    assert [r.response for r in move.replies] == ["utter_menu"]
    assert move.slots["guide"] is None


def test_explicit_next_resumes_a_guide_even_after_a_detour():
    move = next_move("request_next_step", EXPLAIN, 1.0, continuing=False)
    assert [r.response for r in move.replies] == ["utter_explain_inactivity"]


def test_next_with_nothing_to_continue_shows_the_menu():
    move = next_move("request_next_step", None, None)
    assert [r.response for r in move.replies] == ["utter_menu"]


def test_every_response_the_guide_sends_exists_in_the_domain(domain_responses):
    missing = [r for r in all_responses() if r not in domain_responses]
    assert missing == []


def test_exercise_name_casing_from_the_user_does_not_matter():
    move = next_move("request_relaxation_exercise", None, None, exercise="Breathing")
    assert move.replies[0].response == "utter_breathing_1" and move.slots["exercise"] == "breathing"
