"""Context in the safety path: the pure decision (bot.dialogue.safety_context) and the
SafetyPolicy adapter that reads its inputs from a tracker."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.safety_context import SESSION_START, context_decision, turn_cues
from bot.dialogue.safety_policy import (
    SafetyPolicy,
    context_inputs,
    next_safety_action,
    tracker_context,
)
from bot.flows import crisis_conversation
from bot.safety.crisis_domain import write_training_domain

DOSE = "how many of my pills can i take at once"
BURDEN = "i'm just a burden to everyone"


def turn(text, intent="ask_pain_medication", level="none", cues=None, score=None):
    risk = {"level": level, "reasons": []}
    if cues is not None:
        risk["cues"] = list(cues)
    if score is not None:
        risk["score"] = score
    return {"text": text, "intent": intent, "risk": risk}


def burden():
    return turn(BURDEN, intent="express_risk", level="possible", cues=["burden"])


def hopeless():
    # not risk on its own, but a hopelessness cue
    return turn("nothing will ever get better", intent="express_stress", cues=["hopelessness"])


def dose(**kwargs):
    return turn(DOSE, cues=["dose_or_quantity_question"], **kwargs)


def chat(text, intent="ask_sleep"):
    return turn(text, intent=intent, cues=[])


# ---------------------------------------------------------------- the decision
def test_a_dose_question_after_hopelessness_is_a_risk_turn():
    decision = context_decision(dose(), [hopeless()])
    assert decision.raised and decision.reason == "context"
    assert decision.cues == ("dose_or_quantity_question",) and decision.history_turn == 1


def test_a_dose_question_after_a_risk_message_is_a_risk_turn():
    assert context_decision(dose(), [chat("ok"), burden()]).raised


def test_a_benign_dose_question_with_no_history_stays_benign():
    assert context_decision(dose(), []).reason == "no_history"
    assert not context_decision(dose(), [chat("hi", "greet"), chat("can stress cause back pain?")]).raised


def test_a_button_press_is_never_raised_by_context():
    pressed = turn("/ask_pain_medication", cues=["dose_or_quantity_question"], score=0.9)
    decision = context_decision(pressed, [burden()])
    assert not decision.raised and decision.reason == "button"


def test_a_form_answer_is_never_raised_by_context():
    answer = turn("how long? about three weeks, until tomorrow", intent="inform", cues=["time_question"])
    decision = context_decision(answer, [hopeless()], active_loop="coping_form", requested_slot="pain_duration")
    assert not decision.raised and decision.reason == "answer"


def test_an_answer_to_the_pain_scale_question_is_never_raised_by_context():
    answer = turn("how high? 8", intent="inform", cues=["height_or_place_question"])
    decision = context_decision(answer, [burden()], last_bot_action="utter_ask_pain_severity")
    assert not decision.raised and decision.reason == "answer"
    # the same words after any other bot turn are free text
    assert context_decision(answer, [burden()], last_bot_action="utter_tip_sleep").raised


def test_an_active_form_without_a_requested_slot_does_not_count_as_an_answer():
    assert context_decision(dose(), [burden()], active_loop="coping_form", requested_slot=None).raised


def test_history_older_than_context_turns_does_not_count():
    earlier = [chat("thanks"), chat("ok"), chat("what about sleep?"), chat("and posture?"), burden()]
    assert not context_decision(dose(), earlier).raised                      # 5 turns back
    assert context_decision(dose(), earlier, context_turns=5).raised
    assert context_decision(dose(), earlier[1:]).raised                     # 4 turns back
    assert context_decision(dose(), earlier[1:]).history_turn == 4


def test_history_does_not_cross_a_session_start():
    decision = context_decision(dose(), [chat("hi", "greet"), SESSION_START, burden()])
    assert not decision.raised and decision.reason == "no_history"


def test_a_message_that_is_risk_itself_is_left_to_the_risk_path():
    assert context_decision(burden(), [burden()]).reason == "own_risk"


def test_a_message_without_a_cue_or_a_score_is_not_ambiguous():
    assert context_decision(chat("what helps with sleep?"), [burden()]).reason == "not_ambiguous"


def test_the_classifier_score_makes_a_message_without_cues_ambiguous():
    message = turn("i just want it to be quiet", intent="express_stress", cues=[], score=0.3)
    assert context_decision(message, [burden()]).raised
    assert not context_decision(message, [burden()], context_score=0.5).raised
    assert not context_decision(turn("i just want it to be quiet", cues=[]), [burden()]).raised  # no score: 0.0


def test_an_earlier_express_risk_intent_counts_even_without_a_risk_record():
    assert context_decision(dose(), [{"text": "/express_risk", "intent": "express_risk"}]).raised


def test_an_earlier_burden_cue_counts_when_its_level_was_none():
    earlier = turn("i don't want to be a burden on anyone", intent="express_stress", cues=["burden"])
    assert context_decision(dose(), [earlier]).raised


@pytest.mark.parametrize("text", [
    "what time does the pharmacy close", "bye everyone", "thanks for everything",
    "how high is the car park roof", "what's the most i can take",
])
def test_every_context_cue_is_ambiguous_after_a_risk_turn(text):
    assert context_decision({"text": text, "intent": "goodbye", "risk": {"level": "none"}}, [burden()]).raised


def test_cues_come_from_the_text_when_the_risk_record_has_none():
    # models from before RiskGuard wrote cues: no `cues` key at all
    old = {"text": DOSE, "intent": "ask_pain_medication", "risk": {"level": "none", "reasons": []}}
    assert turn_cues(old) == ("dose_or_quantity_question",)
    assert context_decision(old, [{"text": BURDEN, "intent": "express_risk", "risk": {"level": "possible"}}]).raised
    # an empty `cues` list from RiskGuard is trusted
    assert turn_cues(turn(DOSE, cues=[])) == ()
    assert turn_cues({"text": "/ask_pain_medication"}) == ()


# ---------------------------------------------------------------- the order of actions


def test_a_context_risk_turn_gets_the_risk_sequence_whatever_its_intent():
    raised = crisis_conversation.Message(DOSE, "ask_pain_medication", "none", context_risk=True)
    plan = crisis_conversation.decide(raised, None)
    assert plan.actions == ("utter_crisis_first", "utter_crisis_ask_possible")
    step = lambda done, loop=None: next_safety_action(plan.actions, done, loop)  # noqa: E731
    assert step([]) == "utter_crisis_first"
    assert step(["utter_crisis_first"]) == "utter_crisis_ask_possible"
    assert step(list(plan.actions)) == "action_listen"
    assert step(list(plan.actions), loop="coping_form") == "action_deactivate_loop"
    assert crisis_conversation.decide(crisis_conversation.Message(DOSE, "ask_pain_medication", "none"), None) is None


# ---------------------------------------------------------------- the adapter
@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(write_training_domain()))  # domain.yml + the rendered crisis replies


def user(text, intent, level="none", cues=None):
    risk = {"level": level, "reasons": [], "classifier_confidence": 0.0}
    if cues is not None:
        risk["cues"] = cues
    return UserUttered(text, {"name": intent, "confidence": 1.0},
                       parse_data={"intent": {"name": intent, "confidence": 1.0}, "risk": risk})


def start():
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def reply(*actions):
    return [ActionExecuted(a) for a in actions] + [ActionExecuted("action_listen")]


def tracker(events, domain):
    return DialogueStateTracker.from_events("context-test", events, slots=domain.slots)


CONFIG = SafetyPolicy.get_default_config()


def test_the_adapter_reads_the_current_turn_the_session_and_the_last_bot_action(domain):
    events = start() + [user(BURDEN, "express_risk", "possible")] + reply("utter_crisis_first", "utter_crisis_ask_direct")
    events += [user(DOSE, "ask_pain_medication")]
    current, earlier, last = context_inputs(tracker(events, domain), 4)
    assert current["text"] == DOSE and current["risk"]["level"] == "none"
    assert [t["text"] for t in earlier[:1]] == [BURDEN] and earlier[1:] == [SESSION_START]
    assert last == "utter_crisis_ask_direct"
    assert tracker_context(tracker(events, domain), CONFIG).raised


def test_the_adapter_stops_at_a_session_start_and_at_a_restart(domain):
    old = start() + [user(BURDEN, "express_risk", "possible")] + reply("utter_crisis_first", "utter_crisis_ask_direct")
    fresh = start() + [user(DOSE, "ask_pain_medication")]
    assert tracker_context(tracker(old + fresh, domain), CONFIG).reason == "no_history"
    restarted = old + [Restarted()] + reply() + [user(DOSE, "ask_pain_medication")]
    assert tracker_context(tracker(restarted, domain), CONFIG).reason == "no_history"


def test_the_adapter_sees_a_form_question_as_a_question(domain):
    events = start() + [user(BURDEN, "express_stress", cues=["burden"])] + reply("utter_express_stress")
    events += [user("/ask_coping_tips", "ask_coping_tips"), ActionExecuted("utter_coping_intro"),
               ActionExecuted("coping_form"), ActiveLoop("coping_form"), SlotSet("requested_slot", "pain_duration"),
               BotUttered("How long has it been going on?"), ActionExecuted("action_listen"),
               user("how long until it stops, weeks", "inform", cues=["time_question"])]
    assert tracker_context(tracker(events, domain), CONFIG).reason == "answer"


def test_the_policy_predicts_the_crisis_lines_for_a_context_turn_and_nothing_without_context(domain):
    context = ExecutionContext(GraphSchema({}), node_name="safety_policy")
    policy = SafetyPolicy(SafetyPolicy.get_default_config(), None, None, context)
    events = start() + [user(BURDEN, "express_risk", "possible")] + reply("utter_crisis_first", "utter_crisis_ask_direct")
    events += [user(DOSE, "ask_pain_medication")]
    prediction = policy.predict_action_probabilities(tracker(events, domain), domain)
    assert prediction.max_confidence == 1.0 and prediction.is_no_user_prediction
    # the burden message started the crisis; the dose question is a later risk turn in it
    assert domain.action_names_or_texts[prediction.probabilities.index(1.0)] == "utter_crisis_again"

    fresh = start() + [user(DOSE, "ask_pain_medication")]
    prediction = policy.predict_action_probabilities(tracker(fresh, domain), domain)
    assert max(prediction.probabilities) == 0.0


def test_context_can_be_switched_off(domain):
    events = start() + [user(BURDEN, "express_risk", "possible")] + reply("utter_crisis_first", "utter_crisis_ask_direct")
    events += [user(DOSE, "ask_pain_medication")]
    assert tracker_context(tracker(events, domain), {**CONFIG, "context_turns": 0}).reason == "off"
