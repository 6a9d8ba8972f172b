"""Every custom action, run on recorded trackers: dispatched messages and returned events."""
import asyncio

import pytest
from rasa_sdk.events import SlotSet

from actions.coping import ActionCopingTips, ValidateCopingForm
from actions.guide import ActionGuide, previous_bot_action
from actions.safety import ActionRegionalLines
from actions.support import ActionDefaultAskAffirmation, ActionRequestHuman
from tests.support.trackers import load_tracker


def run(action, dispatcher, tracker, domain):
    return asyncio.run(action.run(dispatcher, tracker, domain))


def responses(dispatcher):
    return [m.get("response") for m in dispatcher.messages]


def test_guide_continues_the_walkthrough_from_the_recorded_step(dispatcher, domain):
    tracker = load_tracker("walkthrough_step2")
    assert previous_bot_action(tracker) == "action_guide"
    events = run(ActionGuide(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_explain_inactivity"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        "/request_next_step", "/ask_coping_tips", "/request_stop"]
    assert SlotSet("guide_step", 2.0) in events and SlotSet("guide", "explain") in events


def test_coping_tips_fit_the_recorded_answers_and_clear_them(dispatcher, domain):
    events = run(ActionCopingTips(), dispatcher, load_tracker("coping_form_done"), domain)
    sent = responses(dispatcher)
    assert sent[0] == "utter_tips_header"
    assert sent[1:3] == ["utter_tip_severe_pain", "utter_tip_see_professional"]  # 8/10
    assert "utter_tip_exercise" not in sent
    assert sent[-1] == "utter_tips_offer_exercise"
    assert all(r in domain["responses"] for r in sent)
    assert events == [SlotSet(s, None) for s in ("pain_location", "pain_duration", "pain_severity",
                                                  "red_flag_screen")]


def test_coping_tips_with_a_red_flag_start_with_urgent_care(dispatcher, domain):
    run(ActionCopingTips(), dispatcher, load_tracker("coping_form_done", red_flag_screen=True), domain)
    assert responses(dispatcher)[0] == "utter_red_flag_urgent"


@pytest.mark.parametrize("slot,value,expected", [
    ("pain_location", "between my shoulder blades", "upper back"),
    ("pain_duration", "about 3 weeks", "weeks"),
    ("pain_severity", "7/10", 7.0),
    ("red_flag_screen", False, False),
])
def test_form_validation_accepts_and_normalises(dispatcher, domain, slot, value, expected):
    validate = getattr(ValidateCopingForm(), f"validate_{slot}")
    result = validate(value, dispatcher, load_tracker("coping_form_done"), domain)
    assert result == {slot: expected}
    assert dispatcher.messages == []


@pytest.mark.parametrize("slot,value", [
    ("pain_location", "pizza"), ("pain_duration", "bananas"), ("pain_severity", "11"), ("red_flag_screen", "maybe"),
])
def test_form_validation_re_asks_kindly(dispatcher, domain, slot, value):
    validate = getattr(ValidateCopingForm(), f"validate_{slot}")
    assert validate(value, dispatcher, load_tracker("coping_form_done"), domain) == {slot: None}
    assert responses(dispatcher) == [f"utter_invalid_{slot}"]
    assert f"utter_invalid_{slot}" in domain["responses"]


def said(text: str, channel: str = "rest"):
    """A tracker whose last user message is `text`, sent over `channel`."""
    tracker = load_tracker("risk_en_gb")
    tracker.latest_message = {"text": text, "intent": {"name": "inform_region", "confidence": 0.9}, "entities": []}
    tracker.events[1] = {**tracker.events[1], "text": text, "input_channel": channel}
    return tracker


def test_regional_lines_follow_where_the_person_says_they_are(dispatcher, domain):
    events = run(ActionRegionalLines(), dispatcher, said("those numbers are american, i'm in australia"), domain)
    text = dispatcher.messages[0]["text"]
    assert "Lines for Australia" in text and "13 11 14" in text
    assert "tel:131114" in text  # one tap on the web channels
    assert events == [SlotSet("region", "AU")]


def test_regional_lines_for_a_young_person_lead_with_the_lines_for_young_people(dispatcher, domain):
    tracker = said("i'm in australia")
    tracker.slots["youth"] = True
    run(ActionRegionalLines(), dispatcher, tracker, domain)
    text = dispatcher.messages[0]["text"]
    assert text.index("1800 55 1800") < text.index("13 11 14")  # Kids Helpline first, Lifeline too


def test_regional_lines_for_a_country_without_its_own_list_are_international(dispatcher, domain):
    events = run(ActionRegionalLines(), dispatcher, said("i'm in germany"), domain)
    assert "Lines for International" in dispatcher.messages[0]["text"]
    assert events == [SlotSet("region", "INTL")]


def test_regional_lines_ask_which_country_when_none_is_named(dispatcher, domain):
    events = run(ActionRegionalLines(), dispatcher, said("what's the number where i am"), domain)
    assert responses(dispatcher) == ["utter_ask_region"] and events == []


def test_request_human_without_contact_is_honest(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("CLINIC_CONTACT", "")
    run(ActionRequestHuman(), dispatcher, load_tracker("risk_en_gb"), domain)
    assert responses(dispatcher) == ["utter_no_human_contact"]


def test_request_human_gives_the_configured_contact(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("CLINIC_CONTACT", "call 555 0100, Mon-Fri 9-5")
    monkeypatch.setenv("CLINIC_NAME", "Riverside Back Clinic")
    run(ActionRequestHuman(), dispatcher, load_tracker("risk_en_gb"), domain)
    text = dispatcher.messages[0]["text"]
    assert "Riverside Back Clinic" in text and "call 555 0100, Mon-Fri 9-5" in text


def test_fallback_asks_about_the_runner_up_intent(dispatcher, domain):
    tracker = load_tracker("walkthrough_step2")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45}, {"name": "ask_sleep", "confidence": 0.3}]
    run(ActionDefaultAskAffirmation(), dispatcher, tracker, domain)
    assert "sleep and back pain" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/ask_sleep"
