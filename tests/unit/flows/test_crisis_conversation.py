"""The crisis conversation's reading of each message (bot/flows/crisis_conversation.py), pure Python.

The phrasings are general shapes (an act, means at hand, doubt, refusing to call), several
wordings each, none copied from the blind dialogue set."""
import pytest

from bot.flows.crisis_conversation import (
    ACTED,
    ACTIVE,
    ASK_DIRECT,
    IMMEDIATE,
    SAFE,
    Message,
    decide,
    raise_level,
    state_from_actions,
)


def kind(text, state=ACTIVE, last=ASK_DIRECT, intent="nlu_fallback", risk=None, **kw):
    plan = decide(Message(text, intent, risk), state, last, **kw)
    return plan.kind if plan else None


@pytest.mark.parametrize("text,intent", [("yes", "affirm"), ("yeah", "affirm"), ("no i mean it", "deny"),
                                         ("actually yes", "affirm"), ("i lied, i am", "nlu_fallback"),
                                         ("im serious", "nlu_fallback"), ("yes i am", "affirm")])
def test_confirmations_of_the_direct_question_are_not_retractions(text, intent):
    assert kind(text, intent=intent) == "confirmed"


@pytest.mark.parametrize("text", ["maybe", "kinda", "sort of", "i don't know", "idk", "dunno", "...", "not really"])
def test_doubt_gets_a_gentle_follow_up_with_the_lines(text):
    assert kind(text) == "unsure"


@pytest.mark.parametrize("text,intent", [("no", "deny"), ("no, i'm ok", "deny"), ("nah im fine", "deny"),
                                         ("i was just venting", "nlu_fallback")])
def test_a_clear_no_is_respected(text, intent):
    assert kind(text, intent=intent) == "safe"


@pytest.mark.parametrize("text", ["i took some of them already", "i've taken all my tablets", "i overdosed",
                                  "i cut myself earlier", "just swallowed a whole packet", "i did it already",
                                  "i feel really drowsy", "there's blood everywhere"])
def test_an_act_or_its_aftermath_in_a_crisis_is_the_most_urgent_branch(text):
    assert kind(text) == "acted"


@pytest.mark.parametrize("text", ["i didn't take anything", "i'm thinking about taking them", "should i take them"])
def test_no_act_when_it_is_negated_or_only_thought_of(text):
    assert kind(text) != "acted"


def test_outside_a_crisis_a_medicine_mention_is_not_an_act():
    assert kind("i took some ibuprofen for my back", state=None, last=None, intent="ask_pain_medication") is None
    assert kind("i overdosed an hour ago", state=None, last=None, intent="express_risk", risk="high") == "acted"


@pytest.mark.parametrize("text", ["i have the pills here", "the blade is next to me", "got a rope in my room",
                                  "i've been saving my meds", "tonight", "i wrote a note for my mum",
                                  "i'm not safe", "i gave away my cat", "i'm on the bridge"])
def test_means_a_plan_or_not_being_safe_is_immediate_danger(text):
    assert kind(text) == "immediate"


@pytest.mark.parametrize("text", ["i can't call anyone", "i don't want to talk on the phone", "i'd rather text",
                                  "no phone credit", "i won't go to the hospital"])
def test_refusing_to_call_gets_texting_options(text):
    assert kind(text, last="utter_crisis_confirmed") == "wont_call"
    assert kind(text, state=IMMEDIATE, last="utter_crisis_immediate") == "wont_call"
    plan = decide(Message(text, "nlu_fallback"), ACTED, "utter_crisis_acted")
    assert plan.actions == ("utter_crisis_acted_wont_call",)  # the emergency ask stays


@pytest.mark.parametrize("text", ["can you just talk to me", "stay with me", "are you still there",
                                  "are you a real person"])
def test_asking_for_company_gets_an_honest_warm_reply(text):
    assert kind(text, last="utter_crisis_confirmed") == "talk"


def test_grounding_goes_step_by_step():
    assert decide(Message("grounding exercise"), ACTIVE, ASK_DIRECT).actions == ("utter_crisis_grounding_1",)
    assert decide(Message("next"), ACTIVE, "utter_crisis_grounding_1").actions == ("utter_crisis_grounding_2",)
    assert decide(Message("ok"), ACTIVE, "utter_crisis_grounding_3").actions == ("utter_crisis_grounding_done",)


def test_a_topic_request_gets_one_check_and_a_safe_answer_gets_the_topic():
    assert kind("tell me about posture", intent="ask_posture", last="utter_crisis_confirmed") == "check_topic"
    plan = decide(Message("yes i'm safe", "affirm"), ACTIVE, "utter_crisis_check_topic", pending_topic="ask_posture",
                  topic_answers={"ask_posture": (("utter_explain_posture", "utter_tip_posture"), False)})
    assert plan.actions == ("utter_crisis_go_on", "utter_explain_posture", "utter_tip_posture") and plan.end_crisis
    not_safe = decide(Message("not really", "deny"), ACTIVE, "utter_crisis_check_topic", pending_topic="ask_posture")
    assert not_safe.kind == "immediate"


def test_after_a_safe_answer_a_topic_is_simply_answered():
    plan = decide(Message("how does posture matter", "ask_posture"), SAFE, "utter_crisis_safe")
    assert plan.handover and plan.end_crisis and plan.actions == ()


def test_later_risk_turns_get_the_compact_reply():
    assert decide(Message("i just want to disappear", "express_risk", "high"), ACTIVE,
                  "utter_crisis_confirmed").actions == ("utter_crisis_again",)


def test_someone_else_at_risk_is_the_helper_branch():
    for text in ("my friend took a bunch of pills", "my son says he wants to die", "my gf keeps talking about suicide"):
        assert kind(text, state=None, last=None, intent="express_risk", risk="possible") == "helper"
    assert kind("my mum says i should rest my back", state=None, last=None, intent="ask_exercise") is None


def test_distress_without_risk_wording_gets_a_check_not_the_fallback():
    assert kind("everything is pointless and i'm exhausted", state=None, last=None) == "distress"
    assert kind("it's heavier than that", state="distress", last="utter_distress_check") == "first"
    assert kind("mostly the pain and stress", state="distress", last="utter_distress_check") == "distress_ok"


def test_coming_back_after_a_crisis_starts_with_a_kind_check():
    assert kind("hi", state=None, last=None, intent="greet", first_of_session=True, carried=ACTIVE) == "welcome_back"
    assert kind("hi", state=None, last=None, intent="greet", first_of_session=True, carried=SAFE) is None


def test_the_state_read_from_the_replies():
    assert state_from_actions(["utter_crisis_first", "utter_crisis_ask_direct"]) == ACTIVE
    assert state_from_actions(["utter_crisis_first", "utter_crisis_immediate", "utter_crisis_talk"]) == IMMEDIATE
    assert state_from_actions(["utter_crisis_acted", "utter_crisis_safe"]) == ACTED  # never lowered by a reply
    assert state_from_actions(["utter_crisis_first", "utter_crisis_safe"]) == SAFE
    assert state_from_actions(["utter_crisis_first", "utter_crisis_safe", "utter_tip_sleep"]) is None
    assert state_from_actions(["utter_crisis_go_on"], carried=ACTIVE) is None
    assert state_from_actions(["utter_tip_sleep"], carried=ACTIVE) == ACTIVE


def test_levels_only_rise():
    assert raise_level(None, "possible") == "possible"
    assert raise_level("high", "possible") == "high"
    assert raise_level("high", "acted") == "acted"


def test_someone_helping_another_person_is_not_dropped_after_the_first_reply():
    assert state_from_actions(["utter_crisis_helper"]) == "helper"
    for text, intent in (("she won't answer her door", "nlu_fallback"), ("what do i say to him", "out_of_scope"),
                         ("his pills are on the table", "express_risk")):
        plan = decide(Message(text, intent, "possible" if intent == "express_risk" else None), "helper",
                      "utter_crisis_helper")
        assert plan.actions == ("utter_crisis_helper_listen",), text
    # their own risk is their own crisis; a topic of their own is simply answered
    assert decide(Message("honestly i want to die too", "express_risk", "high"), "helper", "utter_crisis_helper").kind \
        == "first"
    assert decide(Message("how does sleep affect back pain", "ask_sleep"), "helper", "utter_crisis_helper") is None
    assert state_from_actions(["utter_crisis_helper", "utter_tip_sleep"]) is None


@pytest.mark.parametrize("text", ["will you call someone for me?", "can you ring an ambulance", "call help for me"])
def test_asking_the_bot_to_call_gets_the_honest_reply(text):
    assert kind(text, last="utter_crisis_confirmed") == "talk"


@pytest.mark.parametrize("last", ["utter_crisis_grounding_1", "utter_crisis_grounding_3", "utter_crisis_check_topic",
                                  "utter_safety_plan_step_3", "utter_crisis_helper"])
def test_a_risk_message_inside_any_crisis_step_gets_the_lines(last):
    state = "helper" if last == "utter_crisis_helper" else ACTIVE
    plan = decide(Message("i want to die", "express_risk", "high"), state, last)
    assert plan.actions[0] in ("utter_crisis_again", "utter_crisis_first"), plan


def test_a_safe_answer_that_also_asks_for_a_topic_gets_both():
    topics = {"ask_sleep": (("utter_tip_sleep",), False)}
    plan = decide(Message("nah i'm fine really, how do i sleep with this back", "ask_sleep"), ACTIVE, ASK_DIRECT,
                  topic_answers=topics)
    assert plan.actions == ("utter_crisis_safe_go_on", "utter_tip_sleep") and plan.end_crisis
    plan = decide(Message("yes i'm safe, what helps sleep", "ask_sleep"), ACTIVE, "utter_crisis_confirmed",
                  topic_answers=topics)
    assert plan.actions[-1] == "utter_tip_sleep"
    assert kind("no, i'm ok", intent="deny") == "safe"  # no topic: the plain safe answer


@pytest.mark.parametrize("text", ["whats even the point of trying", "what is the point anymore"])
def test_pointlessness_without_apostrophes_is_distress(text):
    assert kind(text, state=None, last="utter_menu") == "distress"


@pytest.mark.parametrize("text", ["could you phone my mum for me", "can u text the helpline for me",
                                  "send someone round please", "get an ambulance here"])
def test_asking_the_bot_to_contact_someone_gets_the_honest_reply(text):
    assert kind(text, last="utter_crisis_confirmed") == "talk"


# ------------------------------------------------------------------ found by blind dialogue set 03 (spent)
@pytest.mark.parametrize("text", ["i want to die. could we do a safety plan",
                                  "i keep thinking of killing myself, can you help me make a plan for the bad nights"])
def test_a_plan_asked_for_in_the_risk_message_starts_after_the_lines(text):
    plan = decide(Message(text, "express_risk", "high"), None)
    assert plan.actions == ("utter_crisis_first", "utter_safety_plan_start") and plan.level == "high"
    assert state_from_actions(list(plan.actions)) == ACTIVE  # the crisis is on, the answers are the plan's
    again = decide(Message("i want to die again. lets do my safety plan", "express_risk", "high"), ACTIVE,
                   "utter_crisis_listen")
    assert again.actions == ("utter_crisis_again", "utter_safety_plan_start")


@pytest.mark.parametrize("text", ["i wanna hurt myself so bad right now", "the urge to cut is huge tonight",
                                  "im scared ill hurt myself", "trying not to cut tonight"])
def test_a_wish_or_an_urge_is_not_an_act(text):
    assert kind(text, risk="high", last="utter_crisis_listen") not in ("acted", "acted_again")


@pytest.mark.parametrize("text", ["just tried to end it and it didnt work", "already tried to kill myself today"])
def test_an_attempt_said_without_i_is_an_act(text):
    assert kind(text, state=None, last=None, risk="high", intent="express_risk") == "acted"


@pytest.mark.parametrize("text", ["will you ring an ambulance for me", "can u call 999 for me"])
def test_asking_the_bot_to_call_after_an_act_gets_the_honest_reply_and_the_emergency_ask(text):
    plan = decide(Message(text, "nlu_fallback"), ACTED, "utter_crisis_acted")
    assert plan.actions == ("utter_crisis_acted_talk",) and state_from_actions(list(plan.actions), ACTED) == ACTED


PLAN = {"warning_signs": "i stop answering my phone", "coping": ""}


@pytest.mark.parametrize("text", ["what was my plan again", "show me the plan so far", "whats on my plan"])
def test_asking_for_the_plan_is_not_risk_when_only_the_learned_score_says_so(text):
    encoder_only = Message(text, "express_risk", "possible", risk_reasons=("encoder:0.91",))
    for state, last in ((None, "utter_safety_plan_saved"), (SAFE, "utter_crisis_safe"), (ACTIVE, "utter_crisis_listen")):
        assert decide(encoder_only, state, last, stored_plan=PLAN).actions == ("utter_safety_plan_show",)
    # the pattern detector's own finding still counts
    detector = Message(text + ", i want to kill myself", "express_risk", "high",
                       risk_reasons=("explicit_intent", "encoder:0.99"))
    assert decide(detector, ACTIVE, "utter_crisis_listen", stored_plan=PLAN).kind == "again"


@pytest.mark.parametrize("text", ["im feeling safe now, can we move on", "i'm ok now, lets carry on",
                                  "no i'm fine, i want to get back to my back exercises"])
def test_safe_and_choosing_to_go_on_ends_the_crisis_state(text):
    plan = decide(Message(text, "deny"), ACTIVE, "utter_crisis_listen")
    assert plan.kind == "go_on" and plan.end_crisis and plan.actions == ("utter_crisis_safe_moving_on",)
    later = decide(Message("can we move on now", "nlu_fallback"), SAFE, "utter_crisis_safe")
    assert later.kind == "go_on" and later.end_crisis


def test_cant_go_on_is_never_read_as_going_on():
    plan = decide(Message("i can't go on", "express_risk", "possible"), SAFE, "utter_crisis_safe")
    assert plan.kind == "again" and not plan.end_crisis


def test_a_clear_safe_answer_is_not_overruled_by_the_learned_score_alone():
    learned = Message("im safe. not going to do anything", "express_risk", "high", risk_reasons=("encoder:0.99",))
    assert decide(learned, ACTIVE, "utter_crisis_listen").kind == "safe"
    negated = Message("i'm not going to kill myself, i'm safe", "express_risk", "possible",
                      risk_reasons=("explicit_intent", "negation"))
    assert decide(negated, ACTIVE, "utter_crisis_listen").kind == "safe"
    both = Message("i'm safe but i want to die", "express_risk", "high", risk_reasons=("explicit_intent",))
    assert decide(both, ACTIVE, "utter_crisis_listen").kind == "again"


def test_inside_a_crisis_the_earlier_turns_count_only_for_a_dose_a_height_or_a_time():
    plain = Message("ok whats the texting one again", "nlu_fallback", context_risk=True)
    assert decide(plain, ACTIVE, "utter_crisis_talk").kind == "wont_call"  # the text options
    dose = Message("how many of them would it take", "nlu_fallback", context_risk=True,
                   context_cues=("dose_or_quantity_question",))
    assert decide(dose, ACTIVE, "utter_crisis_listen").kind == "again"


def test_can_we_talk_about_another_topic_is_a_topic_request_not_talk_to_me():
    topic = decide(Message("can we talk about something else? like stretches for my back", "ask_stretches"),
                   ACTIVE, "utter_crisis_listen")
    assert topic.kind == "check_topic"
    assert kind("can we just talk about it", last="utter_crisis_listen") == "talk"


@pytest.mark.parametrize("text", ["i took like 25 of my painkillers about an hour ago",
                                  "swallowed a whole box of my sleeping tablets",
                                  "earlier tonight. necked a load of my meds with wine",
                                  "i just took a handful of pills"])
def test_an_amount_no_label_allows_is_an_act_in_a_first_message_without_risk_words(text):
    plan = decide(Message(text, "ask_pain_medication"), None, None)
    assert plan.kind == "acted" and plan.level == "acted"


@pytest.mark.parametrize("text", ["i took 2 ibuprofen for my back", "took 20 minutes to walk here",
                                  "i took 12 ibuprofen over the last 3 days is that ok", "i had 10 hours sleep",
                                  "i took 10 deep breaths", "my dog ate a whole packet of biscuits",
                                  "can i take 2 paracetamol every 6 hours"])
def test_ordinary_amounts_are_not_an_act(text):
    assert decide(Message(text, "ask_pain_medication"), None, None) is None


def test_someone_else_taking_an_amount_gets_the_helper_branch():
    assert decide(Message("my son took 20 of my pills", "nlu_fallback"), None, None).kind == "helper"


@pytest.mark.parametrize("text,act", [("i swallowed all my pills at once", True),
                                      ("took all the tablets in the drawer", True),
                                      ("i took all my meds this morning like the doctor said", False),
                                      ("i took all my tablets with me on holiday", False)])
def test_all_of_them_is_an_act_only_at_once_or_from_the_packet(text, act):
    plan = decide(Message(text, "ask_pain_medication"), None, None)
    assert (plan is not None and plan.kind == "acted") == act


def test_talk_about_crisis_services_outside_a_crisis_gets_its_own_reply_and_keeps_a_form():
    plan = decide(Message("saw a crisis line poster at work", "out_of_scope", "none", service_talk=True), None, None)
    assert plan.kind == "service_talk" and plan.actions == ("utter_crisis_services_talk",) and plan.keeps_loop
    assert state_from_actions(list(plan.actions)) is None  # no crisis started


def test_talk_about_crisis_services_inside_a_crisis_gets_the_lines():
    message = Message("they had a helpline advert on the radio", "out_of_scope", "none", service_talk=True)
    assert decide(message, ACTIVE, "utter_crisis_listen").kind == "lines_again"


def test_risk_in_the_same_message_wins_over_service_talk():
    plan = decide(Message("saw a helpline poster, i want to die", "express_risk", "high", service_talk=True), None, None)
    assert plan.kind == "first"


# ---- set 04 (spent, pre-build run 2026-12-07): general shapes behind its failures, other wordings
@pytest.mark.parametrize("text,last", [
    ("yeah ok, i do think about ending it", "utter_crisis_unsure"),      # to "are you safe right now?"
    ("yes. i want to kill myself", "utter_crisis_confirmed"),
    ("yep i've been thinking about suicide, happy now", ASK_DIRECT)])
def test_a_yes_said_with_the_risk_itself_is_a_confirmation_never_i_am_safe(text, last):
    assert kind(text, last=last, intent="express_risk", risk="high") == "confirmed"


@pytest.mark.parametrize("text,last", [("yeah im safe, not gonna hurt myself", "utter_crisis_confirmed"),
                                       ("yes i'm ok now, i won't kill myself", "utter_crisis_unsure")])
def test_a_yes_to_are_you_safe_with_negated_risk_words_is_safe(text, last):
    plan = decide(Message(text, "affirm", "high", risk_reasons=("self_harm", "negation")), ACTIVE, last)
    assert plan.kind == "safe"


@pytest.mark.parametrize("text", ["no... well. idk. yeah, sometimes", "i lied, i'm not ok", "actually yes"])
def test_taking_back_a_no_is_a_confirmation_not_a_new_question(text):
    assert kind(text, state=SAFE, last="utter_crisis_safe") == "confirmed"


@pytest.mark.parametrize("text,intent", [("yeah ok", "affirm"), ("yes let's do the coping steps", "ask_coping_steps"),
                                         ("ok thanks", "thank")])
def test_after_a_clear_no_an_ordinary_yes_is_not_a_confirmation(text, intent):
    assert kind(text, state=SAFE, last="utter_crisis_safe", intent=intent) != "confirmed"


@pytest.mark.parametrize("text", ["why do you even care, you're a website", "ur just a program lol",
                                  "are u an ai", "does a bot even care"])
def test_asking_what_the_bot_is_gets_the_honest_reply(text):
    assert kind(text, last="utter_crisis_again") == "talk"


@pytest.mark.parametrize("text", ["took a bunch of my muscle relaxants half an hour ago",
                                  "i just had a bunch of sleeping tablets", "swallowed heaps of my valium"])
def test_a_bunch_of_a_medicine_taken_is_an_act_even_in_a_first_message(text):
    assert kind(text, state=None, last=None, intent="ask_pain_medication") == "acted"


@pytest.mark.parametrize("text", ["maine 20 tablets ek saath kha liye", "abhi 12-15 painkillers kha gaya",
                                  "bhai 30 sleeping pills le liye"])
def test_an_amount_taken_in_hindi_word_order_is_an_act(text):
    assert kind(text, state=None, last=None, intent="out_of_scope") == "acted"


@pytest.mark.parametrize("text", ["maine 2 tablets kha liye sir dard ke liye", "20 painkillers ka box hai ghar pe"])
def test_an_ordinary_amount_or_a_box_at_home_is_not_an_act(text):
    assert kind(text, state=None, last=None, intent="out_of_scope") != "acted"


@pytest.mark.parametrize("text", ["standing on the edge of the bridge right now", "i'm at the top of the car park now",
                                  "sat on top of the block of flats rn, can't feel my back anymore"])
def test_being_at_a_height_right_now_gets_the_first_crisis_reply_with_no_risk_word(text):
    plan = decide(Message(text, "out_of_scope", None), None, None)
    assert plan is not None and plan.kind == "first" and plan.level == "possible"


@pytest.mark.parametrize("text", ["my flat is at the top of the building, the stairs kill my back",
                                  "i work on roofs and my back aches", "we walked to the top of the cliffs last summer",
                                  "my son is standing on the roof right now"])
def test_a_height_that_is_not_where_the_person_is_now_is_not_a_crisis(text):
    plan = decide(Message(text, "out_of_scope", None), None, None)
    assert plan is None or plan.kind != "first"


@pytest.mark.parametrize("text", ["ok what do i text and where", "so whats the texting one", "how do i text them",
                                  "calling is not possible here", "my parents will hear me if i call"])
def test_asking_how_to_text_or_that_calling_is_not_possible_gets_the_text_options(text):
    assert kind(text, last="utter_crisis_again") == "wont_call"


def test_in_immediate_danger_a_topic_check_keeps_the_emergency_ask():
    plan = decide(Message("how do i do the stretches", "ask_stretches", None), IMMEDIATE, "utter_crisis_immediate")
    assert plan.kind == "check_topic" and plan.actions[0] == "utter_crisis_immediate_again"


@pytest.mark.parametrize("text", ["i'm on the balcony and i want to jump", "gonna jump off the bridge tonight",
                                  "top floor, thinking about throwing myself out the window"])
def test_wanting_to_jump_with_a_height_is_immediate_danger(text):
    plan = decide(Message(text, "nlu_fallback", None), None, None)
    assert plan is not None and plan.kind == "immediate"


@pytest.mark.parametrize("text", ["i can't jump anymore with this back", "i used to jump off the roof of the shed as a kid",
                                  "my friend wants to jump off the bridge"])
def test_jumping_without_a_wish_to_now_is_not_immediate(text):
    plan = decide(Message(text, "nlu_fallback", None), None, None)
    assert plan is None or plan.kind != "immediate"
