"""SafetyPolicy on real trackers: the order of a turn's actions, the crisis state read from the
session, the slots it writes without the action server, and the topic answers it learns."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.safety_policy import (
    SafetyPolicy,
    next_safety_action,
    session_view,
    topic_answers,
)
from bot.safety.crisis_domain import write_training_domain

FIRST = ("utter_crisis_first", "utter_crisis_ask_direct")


def test_a_turn_sends_its_replies_then_ends_any_loop_then_listens():
    assert next_safety_action(FIRST, [], None) == "utter_crisis_first"
    assert next_safety_action(FIRST, ["utter_crisis_first"], None) == "utter_crisis_ask_direct"
    assert next_safety_action(FIRST, list(FIRST), None) == "action_listen"
    assert next_safety_action(FIRST, list(FIRST), "action_two_stage_fallback") == "action_deactivate_loop"
    assert next_safety_action(FIRST, list(FIRST) + ["action_deactivate_loop"], None) == "action_listen"


def test_a_topic_answer_that_starts_a_form_keeps_the_form():
    plan = ("utter_crisis_go_on", "utter_coping_intro", "coping_form")
    assert next_safety_action(plan, list(plan), "coping_form", keeps_loop=True) == "action_listen"


def test_a_turn_something_else_already_answered_is_left_alone():
    assert next_safety_action(FIRST, ["utter_menu"], None) is None


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(write_training_domain()))


@pytest.fixture(scope="module")
def policy() -> SafetyPolicy:
    topics = {"ask_stretches": [["utter_tip_stretches"], False]}
    return SafetyPolicy(SafetyPolicy.get_default_config(), None, None,
                        ExecutionContext(GraphSchema({}), node_name="safety"), topics=topics)


def user(text, intent, level="none", metadata=None):
    parse = {"intent": {"name": intent, "confidence": 1.0}, "risk": {"level": level, "reasons": [], "cues": []}}
    return UserUttered(text, {"name": intent, "confidence": 1.0}, parse_data=parse, metadata=metadata or {})


def start(**carried):
    return [ActionExecuted("action_session_start"), SessionStarted(),
            *[SlotSet(k, v) for k, v in carried.items()], ActionExecuted("action_listen")]


def turn(*actions):
    return [ActionExecuted(a) for a in actions] + [ActionExecuted("action_listen")]


def predict(policy, domain, events):
    tracker = DialogueStateTracker.from_events("t", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    action = domain.action_names_or_texts[prediction.probabilities.index(1.0)] if max(prediction.probabilities) else None
    slots = {e.key: e.value for e in prediction.optional_events + prediction.events if isinstance(e, SlotSet)}
    return action, slots, prediction


def test_the_first_risk_turn_writes_region_state_and_flag_without_the_action_server(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high", {"locale": "en-GB"})]
    action, slots, prediction = predict(policy, domain, events)
    assert action == "utter_crisis_first" and prediction.is_no_user_prediction
    assert slots["region"] == "GB" and slots["crisis"] == "active" and slots["risk_level"] == "high"
    flag = slots["risk_flags"][-1]
    assert flag["level"] == "high" and flag["source"] == "dialogue" and "text" not in flag


def test_yes_to_the_direct_question_is_read_as_a_confirmation_not_a_menu(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST) + [user("yes", "affirm")]
    action, slots, _ = predict(policy, domain, events)
    assert action == "utter_crisis_confirmed" and slots["risk_level"] == "high"


def test_an_act_raises_the_level_to_acted_and_stays_urgent(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    events += [user("i took some of them already", "nlu_fallback")]
    action, slots, _ = predict(policy, domain, events)
    assert action == "utter_crisis_acted" and slots["risk_level"] == "acted" and slots["crisis"] == "acted"
    later = events + turn("utter_crisis_acted") + [user("i don't want to call anyone", "deny")]
    assert predict(policy, domain, later)[0] == "utter_crisis_acted_wont_call"
    fine = events + turn("utter_crisis_acted") + [user("i'm fine now", "affirm")]
    assert predict(policy, domain, fine)[0] == "utter_crisis_acted_again"  # the emergency ask stays


def test_a_not_understood_message_in_a_crisis_gets_a_crisis_reply_not_the_fallback(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    events += [user("yes", "affirm")] + turn("utter_crisis_confirmed") + [user("zzz qqq", "nlu_fallback")]
    action, _, prediction = predict(policy, domain, events)
    assert action == "utter_crisis_listen" and prediction.is_no_user_prediction


def test_a_topic_gets_one_check_then_the_topic_itself(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    events += [user("stretches?", "ask_stretches")]
    assert predict(policy, domain, events)[0] == "utter_crisis_check_topic"
    events += turn("utter_crisis_check_topic") + [user("yes i'm safe", "affirm")]
    action, slots, _ = predict(policy, domain, events)
    assert action == "utter_crisis_go_on" and slots.get("crisis") is None
    tracker = DialogueStateTracker.from_events("t", events + [ActionExecuted("utter_crisis_go_on")], slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[prediction.probabilities.index(1.0)] == "utter_tip_stretches"


def test_the_state_survives_in_the_events_alone_and_a_new_session_gets_a_kind_check(policy, domain):
    old = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    view = session_view(DialogueStateTracker.from_events("t", old + [user("hm", "nlu_fallback")], slots=domain.slots))
    assert view.before[-2:] == list(FIRST) and view.last_bot_action == "utter_crisis_ask_direct"
    back = old + start(crisis="active") + [user("hi", "greet")]
    assert predict(policy, domain, back)[0] == "utter_crisis_welcome_back"
    calm = start(crisis="safe") + [user("hi", "greet")]
    assert predict(policy, domain, calm)[0] is None


def test_a_window_prefix_is_not_a_new_session(policy, domain):
    # the conversation window starts mid-session with the slots as they stood: no welcome-back check
    prefix = [SlotSet("crisis", "active"), ActionExecuted("action_listen")]
    assert predict(policy, domain, prefix + [user("zzz", "nlu_fallback")])[0] == "utter_crisis_listen"


def test_someone_else_at_risk_gets_the_helper_reply_not_the_persons_own_crisis(policy, domain):
    events = start() + [user("my son says he wants to die", "express_risk", "possible")]
    action, slots, _ = predict(policy, domain, events)
    assert action == "utter_crisis_helper" and slots.get("crisis") == "helper"  # not a crisis state


def test_topic_answers_come_from_the_rules_without_conditions():
    from rasa.shared.core.generator import TrackerWithCachedStates

    def rule(*events):
        tracker = TrackerWithCachedStates.from_events("r", list(events), domain=Domain.empty())
        tracker.is_rule_tracker = True
        return tracker

    plain = rule(ActionExecuted("..."), ActionExecuted("action_listen"), UserUttered("x", {"name": "ask_sleep"}),
                 ActionExecuted("utter_tip_sleep"), ActionExecuted("action_listen"))
    form = rule(ActionExecuted("..."), ActionExecuted("action_listen"), UserUttered("x", {"name": "ask_coping_tips"}),
                ActionExecuted("utter_coping_intro"), ActionExecuted("coping_form"), ActiveLoop("coping_form"),
                ActionExecuted("action_listen"))
    conditioned = rule(ActiveLoop("coping_form"), ActionExecuted("..."), ActionExecuted("action_listen"),
                       UserUttered("x", {"name": "ask_posture"}), ActionExecuted("utter_tip_posture"),
                       ActionExecuted("action_listen"))
    answers = topic_answers([plain, form, conditioned])
    assert answers == {"ask_sleep": (["utter_tip_sleep"], False),
                       "ask_coping_tips": (["utter_coping_intro", "coping_form"], True)}


def test_a_safety_plan_answer_is_written_with_the_reply_that_follows(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    events += [user("can we make a safety plan", "inform")] + turn("utter_safety_plan_start")
    events += [user("i stop eating and sleep all day", "inform")]
    action, slots, prediction = predict(policy, domain, events)
    assert action == "utter_safety_plan_step_2" and prediction.is_no_user_prediction
    assert slots["safety_plan"] == {"warning_signs": "i stop eating and sleep all day"}
    assert "i stop eating and sleep all day" in slots["safety_plan_text"] and slots["crisis"] == "active"


def test_a_person_under_18_gets_the_lines_for_young_people_and_the_state_reads_the_same(policy, domain):
    events = start() + [user("im 15 and i want to die", "express_risk", "high", {"locale": "en-GB"})]
    action, slots, _ = predict(policy, domain, events)
    assert action == "utter_crisis_first_youth" and slots["youth"] is True
    tracker_events = events + [SlotSet("youth", True), SlotSet("region", "GB")] + turn(
        "utter_crisis_first_youth", "utter_crisis_ask_direct") + [user("yes", "affirm")]
    assert predict(policy, domain, tracker_events)[0] == "utter_crisis_confirmed_youth"  # still the direct answer
    adult = start() + [user("im 34 and i want to die", "express_risk", "high")]
    assert predict(policy, domain, adult)[0] == "utter_crisis_first"
    later = events + [SlotSet("region", "GB")] + turn(*FIRST) + [user("yes", "affirm")] + turn(
        "utter_crisis_confirmed") + [user("im only 14", "nlu_fallback")]
    assert predict(policy, domain, later)[0] == "utter_crisis_lines_again_youth"  # said after the first reply


def test_a_topic_asked_for_waits_through_an_unsure_answer_to_the_safety_check(policy, domain):
    events = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    events += [user("what stretches help", "ask_stretches")] + turn("utter_crisis_check_topic")
    events += [user("not sure", "nlu_fallback")] + turn("utter_crisis_unsure")
    events += [user("ok yeah i'm safe", "affirm")]
    actions = []
    for _ in range(3):
        action, _, _ = predict(policy, domain, events + [ActionExecuted(a) for a in actions])
        actions.append(action)
    assert actions[:2] == ["utter_crisis_go_on", "utter_tip_stretches"]


def test_the_slots_a_turn_writes_do_not_change_the_rest_of_that_turn(policy, domain):
    """The second prediction of a turn sees the slots the first one wrote; the turn must still
    end with listening, not with the fallback (found by blind dialogue set 03)."""
    said_age = start() + [user("i want to die", "express_risk", "high", {"locale": "en-GB"}), SlotSet("region", "GB")]
    said_age += turn(*FIRST) + [user("i'm 16 btw", "nlu_fallback")]
    action, slots, _ = predict(policy, domain, said_age)
    assert action == "utter_crisis_lines_again_youth" and slots["youth"] is True
    after = said_age + [SlotSet("youth", True), ActionExecuted(action)]
    assert predict(policy, domain, after)[0] == "action_listen"

    answered = start() + [user("i want to die", "express_risk", "high")] + turn(*FIRST)
    answered += [user("can we make a safety plan", "inform")] + turn("utter_safety_plan_start")
    answered += [user("i go quiet and stay in bed", "nlu_fallback")]
    action, slots, _ = predict(policy, domain, answered)
    assert action == "utter_safety_plan_step_2"
    after = answered + [SlotSet("safety_plan", slots["safety_plan"]), ActionExecuted(action)]
    assert predict(policy, domain, after)[0] == "action_listen"
