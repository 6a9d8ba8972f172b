"""The safety plan built in chat (bot/flows/safety_plan.py) and its place in the crisis
conversation (crisis_conversation.decide): steps in order, every step skippable, a risk message typed
as an answer gets the lines first, the plan shown back in the person's own words."""
import pytest

from bot.flows import safety_plan as sp
from bot.flows.crisis_conversation import (
    ACTIVE,
    IMMEDIATE,
    SAFE,
    Message,
    decide,
    normalise,
    state_from_actions,
)


def step(text, last, plan=None, state=ACTIVE, intent="nlu_fallback", risk=None):
    return decide(Message(text, intent, risk), state, last, stored_plan=plan or {})


def build(answers, state=ACTIVE):
    """Answer every step in turn; returns the plans (the turn decisions)."""
    plan, last, turns = {}, None, []
    first = step("can we make a safety plan", "utter_crisis_confirmed", state=state)
    assert first.kind == "plan_start" and first.actions == (sp.START,)
    last = first.actions[0]
    for text in answers:
        turn = step(text, last, plan, state=state)
        turns.append(turn)
        plan = turn.safety_plan if turn.safety_plan is not None else plan
        last = turn.actions[0]
    return plan, turns


def test_the_six_steps_come_in_order_and_the_plan_is_shown_back():
    plan, turns = build(["i stop texting people back", "hot shower and loud music", "my cousins place",
                         "my sister, 07700 900123", "my GP", "my flatmate keeps my tablets"])
    assert [t.actions[0] for t in turns] == list(sp.STEP_ACTIONS[1:]) + [sp.DONE]
    assert plan["coping"] == "hot shower and loud music"
    text = sp.render_text(plan)
    assert "2. What helps me cope on my own: hot shower and loud music" in text and "\n\n" not in text
    assert turns[-1].kind == "plan_done"


@pytest.mark.parametrize("skip", ["skip", "pass", "idk", "nothing really", "no one", "dunno sorry", "-"])
def test_every_step_can_be_skipped(skip):
    plan, turns = build(["feeling trapped", skip, skip, skip, skip, skip])
    assert plan == {"warning_signs": "feeling trapped", "coping": "", "distractions": "", "people": "",
                    "professionals": "", "safer_surroundings": ""}
    assert "distractions" not in sp.render_text(plan).lower()


def test_outside_a_crisis_the_plan_ends_without_the_safety_question():
    _, turns = build(["a", "b", "c", "d", "e", "f"], state=None)
    assert turns[-1].actions == (sp.SAVED,)
    assert step("stop for now", sp.STEP_ACTIONS[2], {"warning_signs": "x", "coping": "y"}, state=None).actions \
        == (sp.PAUSED_CALM,)


def test_stopping_keeps_what_was_written_and_it_can_be_resumed():
    plan = {"warning_signs": "x", "coping": "y"}
    paused = step("can we stop", sp.STEP_ACTIONS[2], plan)
    assert paused.actions == (sp.PAUSED,) and paused.safety_plan is None  # nothing lost
    resumed = step("go on with my safety plan", sp.PAUSED, plan)
    assert resumed.actions == (sp.STEP_ACTIONS[2],)
    shown = step("show me my safety plan", sp.STEP_ACTIONS[2], plan)
    assert shown.actions == (sp.SHOW,) and shown.safety_plan is None  # asked mid-plan: shown, not recorded


@pytest.mark.parametrize("text", ["show me my safety plan", "what was my plan", "my safety plan", "safety plan",
                                  "can i see my plan again"])
def test_asking_for_the_plan_shows_it_or_offers_to_make_one(text):
    assert step(text, "utter_crisis_listen", {"warning_signs": "x"}).actions == (sp.SHOW,)
    assert step(text, "utter_crisis_listen", {}).actions in ((sp.NONE_YET,), (sp.START,))


def test_a_whole_plan_is_shown_not_overwritten_unless_a_new_one_is_asked_for():
    whole = dict.fromkeys(sp.KEYS, "x")
    assert step("can we do a safety plan", "utter_crisis_listen", whole).actions == (sp.SHOW,)
    fresh = step("i want to make a new safety plan", "utter_crisis_listen", whole)
    assert fresh.actions == (sp.START,) and fresh.safety_plan is None  # the old one stays until an answer
    assert step("feeling numb", sp.START, whole).safety_plan == {"warning_signs": "feeling numb"}


@pytest.mark.parametrize("text,risk", [("i want to die", "high"), ("honestly i'd rather be dead", "possible")])
def test_a_risk_message_typed_as_an_answer_gets_the_lines_and_the_plan_waits(text, risk):
    plan = step(text, sp.STEP_ACTIONS[3], {"warning_signs": "x"}, intent="express_risk", risk=risk)
    assert plan.actions == ("utter_crisis_again", sp.RESUME) and plan.safety_plan is None
    outside = step(text, sp.STEP_ACTIONS[3], {"warning_signs": "x"}, state=None, intent="express_risk", risk=risk)
    assert outside.actions[0] == "utter_crisis_first"


@pytest.mark.parametrize("text,kind", [("the pills are right here next to me", "immediate"),
                                       ("i already took a load of my tablets", "acted")])
def test_means_or_an_act_typed_into_a_step_gets_the_emergency_branch(text, kind):
    assert step(text, sp.STEP_ACTIONS[5], {"warning_signs": "x"}).kind == kind


def test_context_alone_does_not_turn_a_warning_sign_into_a_risk_turn():
    message = Message("when im alone at night", "nlu_fallback", None, context_risk=True)
    plan = decide(message, ACTIVE, sp.START, stored_plan={})
    assert plan.kind == "plan_step" and plan.safety_plan == {"warning_signs": "when im alone at night"}


def test_when_risk_comes_back_the_plan_is_offered():
    plan = {"warning_signs": "x"}
    assert step("i want to die", "utter_crisis_listen", plan, intent="express_risk", risk="high").actions \
        == ("utter_crisis_again_plan",)
    back = step("i want to die", "utter_crisis_safe", plan, state=SAFE, intent="express_risk", risk="high")
    assert back.actions[0] == "utter_crisis_again_plan"
    assert step("i want to die", "utter_crisis_listen", {}, intent="express_risk", risk="high").actions \
        == ("utter_crisis_again",)


def test_building_the_plan_keeps_the_crisis_state():
    assert state_from_actions(["utter_crisis_first", sp.START, "utter_safety_plan_step_2"]) == ACTIVE
    assert state_from_actions(["utter_crisis_immediate", sp.START, sp.DONE]) == IMMEDIATE
    assert state_from_actions(["utter_crisis_safe", sp.SHOW]) == SAFE
    assert state_from_actions([sp.START, sp.SAVED]) is None


def test_answers_cannot_inject_markup_or_slots_and_are_bounded():
    cleaned = sp.clean("[tap](javascript:alert(1)) <b>{safety_plan}</b>\n\nnext " + "x" * 500)
    assert not set("[]<>{}") & set(cleaned) and "\n" not in cleaned and len(cleaned) <= sp.MAX_ANSWER
    assert sp.stored("not a dict") == {} and sp.stored({"coping": "a", "evil": "b", "people": 3}) == {"coping": "a"}


def test_no_step_asks_about_method_or_amount_or_for_a_promise():
    from bot.safety.crisis_domain import load_replies
    replies = load_replies()
    for name in sp.STEP_ACTIONS + (sp.DONE, sp.SAVED, sp.PAUSED, sp.SHOW, sp.NONE_YET, sp.RESUME):
        text = replies[name]["text"].lower()
        assert not any(w in text for w in ("how many", "how much", "which method", "what method", "promise", "how would you do", "how would you end")), name


def test_asking_for_the_plan_right_after_a_risk_turn_is_not_a_risk_turn_by_context():
    message = Message("go on with my safety plan", "nlu_fallback", None, context_risk=True)
    plan = decide(message, ACTIVE, sp.RESUME, stored_plan={"warning_signs": "x", "coping": ""})
    assert plan.actions == (sp.STEP_ACTIONS[2],)


@pytest.mark.parametrize("text", ["can we make a plan for when it gets bad", "could you help me make a plan",
                                  "show me the plan so far", "whats on my plan"])
def test_more_ways_of_asking_for_the_plan(text):
    assert sp.is_request(normalise(text))


@pytest.mark.parametrize("text", ["i've made a plan", "i made a plan for tonight", "i have a plan", "what's the plan for today"])
def test_a_plan_of_ones_own_is_not_a_request_for_the_safety_plan(text):
    assert not sp.is_request(normalise(text))


def test_asking_to_see_the_plan_inside_its_first_step_repeats_the_step_not_records_it():
    step = sp.turn(normalise("show me my safety plan"), False, sp.START, {}, True,
                            "show me my safety plan")
    assert step.action == sp.START and step.plan is None


def test_plural_and_casual_requests_start_the_plan():
    assert sp.is_request(normalise("yeah ok lets do one of those safety plans"))


def test_after_a_risk_message_broke_into_the_plan_the_next_answer_is_that_steps():
    plan = {"warning_signs": "i stop eating"}
    answer = sp.turn(normalise("ok fine. i call my aunt and go for a run"), False, sp.RESUME, plan, True,
                     "ok fine. i call my aunt and go for a run")
    assert answer.plan == {"warning_signs": "i stop eating", "coping": "ok fine. i call my aunt and go for a run"}
    assert answer.action == sp.STEP_ACTIONS[2]
    assert sp.turn(normalise("okay"), False, sp.RESUME, plan, True, "okay").action == sp.STEP_ACTIONS[1]
    assert sp.turn(normalise("can you just talk to me"), False, sp.RESUME, plan, True, "can you just talk to me",
                   other_request=True) is None
    # through the crisis conversation: "i'm safe for now" after the resume offer is the safety answer, not a step
    assert decide(Message("i'm safe for now", "affirm"), ACTIVE, sp.RESUME, stored_plan=plan).kind != "plan_step"


def test_asking_for_the_plan_inside_a_step_is_not_risk_on_the_learned_score_alone():
    plan = {"warning_signs": "i stop eating", "coping": "a bath"}
    ask = Message("what was my plan again", "express_risk", "possible", risk_reasons=("encoder:0.95",))
    assert decide(ask, ACTIVE, sp.STEP_ACTIONS[2], stored_plan=plan).actions == (sp.SHOW,)


def test_a_warning_sign_the_learned_score_alone_reads_as_risk_is_recorded_as_the_answer():
    sign = Message("when i stop answering my phone and hide in my room", "express_risk", "possible",
                   risk_reasons=("encoder:0.86",))
    plan = decide(sign, ACTIVE, sp.START, stored_plan={})
    assert plan.actions == (sp.STEP_ACTIONS[1],)
    assert plan.safety_plan == {"warning_signs": "when i stop answering my phone and hide in my room"}
    wish = Message("honestly id rather be dead", "express_risk", "possible", risk_reasons=("passive_ideation",))
    assert decide(wish, ACTIVE, sp.START, stored_plan={}).kind == "again"
