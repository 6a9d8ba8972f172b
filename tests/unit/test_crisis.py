"""What action_crisis_support decides: region, flag, and the messages around the lines."""
from datetime import datetime, timezone

from bot.crisis import crisis_messages, detect_region, risk_flag

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def test_region_what_they_say_beats_what_we_knew_beats_the_locale():
    assert detect_region("i'm in australia", {"locale": "en-GB"}, known="US") == "AU"
    assert detect_region("i want to die", {"locale": "en-GB"}, known="US") == "US"
    assert detect_region("i want to die", {"locale": "en-GB"}, known=None) == "GB"
    assert detect_region("i want to die", {"language_code": "en-ca"}, known=None) == "CA"
    assert detect_region("i want to die", {}, known=None) is None


def test_flag_records_level_reasons_and_time_but_no_text():
    flag = risk_flag({"text": "secret words", "intent": {"name": "express_risk"},
                      "risk": {"level": "possible", "reasons": ["passive_ideation"]}}, NOW)
    assert flag == {"level": "possible", "reasons": ["passive_ideation"], "intent": "express_risk",
                    "time": "2026-11-20T12:00:00+00:00"}


def test_flag_without_detector_reasons_names_the_intent():
    flag = risk_flag({"intent": {"name": "request_crisis_resources"}, "risk": {"level": "none", "reasons": []}}, NOW)
    assert flag["level"] == "possible" and flag["reasons"] == ["intent:request_crisis_resources"]


def test_messages_end_with_the_direct_question_matching_the_level():
    assert crisis_messages("GB", "high")[-1] == {"response": "utter_crisis_ask_direct"}
    assert crisis_messages("GB", "possible")[-1] == {"response": "utter_crisis_ask_possible"}
    responses = [m.get("response") for m in crisis_messages(None, "high")]
    assert "utter_crisis_grounding" in responses and "utter_crisis_safety_plan" in responses


def test_tap_to_call_links_only_where_the_channel_renders_them():
    web = crisis_messages("US", "high", channel="socketio")[0]["text"]
    assert "(tel:988)" in web and "(sms:741741?&body=HOME)" in web
    telegram = crisis_messages("US", "high", channel="telegram")[0]["text"]
    assert "tel:" not in telegram and "988" in telegram


def test_unknown_region_gets_the_international_lines():
    assert "findahelpline.com" in crisis_messages(None, "high")[0]["text"]
