"""How a conversation's events become its summary: both sources of risk flags,
low confidence, replayed slots. Pure functions, no database."""
import json

from bot.web.staff.summary import summarize, walk


def rows(*events):
    out = []
    for i, (kind, data) in enumerate(events, start=1):
        out.append({"id": i, "type_name": kind, "timestamp": 1_700_000_000 + i, "intent_name": None,
                    "action_name": None, "data": json.dumps({"event": kind, **data})})
    return out


def user(text, intent, confidence=0.9, risk=None, channel="rest"):
    parse = {"intent": {"name": intent, "confidence": confidence}}
    if risk:
        parse["risk"] = risk
    return ("user", {"text": text, "parse_data": parse, "input_channel": channel})


def test_nlu_risk_flags_a_conversation_even_when_the_action_server_was_down():
    result = summarize("s", rows(user("kms", "express_risk", 1.0, {"level": "high", "reasons": ["slang"]}),
                                 ("action", {"name": "utter_crisis_lines"})), 0.45)
    assert result["summary"]["flagged"] and result["summary"]["risk_level"] == "high"
    assert result["flags"][0]["source"] == "nlu" and json.loads(result["flags"][0]["reasons"]) == ["slang"]


def test_the_crisis_actions_slots_flag_a_conversation_too_and_merge_with_the_nlu_flag():
    only_slots = summarize("s", rows(user("tired of it all", "express_stress", 0.8),
                                     ("slot", {"name": "risk_flagged", "value": True}),
                                     ("slot", {"name": "risk_flags", "value": [
                                         {"level": "possible", "reasons": ["classifier:0.6"], "intent": "x"}]})), 0.45)
    assert only_slots["summary"]["flagged"] and only_slots["flags"][0]["source"] == "action"
    both = summarize("s", rows(user("i want to die", "express_risk", 1.0, {"level": "possible", "reasons": ["a"]}),
                               ("slot", {"name": "risk_flags", "value": [{"level": "high", "reasons": ["b"]}]}),
                               ("slot", {"name": "risk_level", "value": "high"})), 0.45)
    assert len(both["flags"]) == 1 and both["flags"][0]["source"] == "action+nlu"
    assert both["summary"]["risk_level"] == "high" and json.loads(both["summary"]["risk_reasons"]) == ["a", "b"]


def test_slots_replayed_into_a_new_session_are_not_new_flags_or_answers():
    result = summarize("s", rows(("action", {"name": "action_session_start"}), ("session_started", {}),
                                 ("slot", {"name": "risk_flagged", "value": True}),
                                 ("slot", {"name": "exercise_helped", "value": "yes"}),
                                 ("action", {"name": "action_listen"}),
                                 user("hi", "greet", 0.99)), 0.45)
    assert not result["summary"]["flagged"] and result["summary"]["helped_yes"] == 0


def test_low_confidence_from_fallback_intent_fallback_action_or_threshold():
    def low(*events):
        return summarize("s", rows(*events), 0.45)["summary"]["low_confidence"]
    assert low(user("asdf", "nlu_fallback", 0.45))
    assert low(user("hmm", "greet", 0.9), ("action", {"name": "action_default_fallback"}))
    assert low(user("meh", "greet", 0.3))
    assert not low(user("hello", "greet", 0.9), ("action", {"name": "utter_greet"}))


def test_channel_intents_and_search_text():
    summary = summarize("s", rows(user("Hello There", "greet", channel="telegram"), user("sleep?", "ask_sleep")), 0.45)["summary"]
    assert summary["channel"] == "telegram" and summary["intents"] == ",ask_sleep,greet,"
    assert summary["search_text"] == "hello there\nsleep?" and summary["n_user"] == 2


def test_broken_event_data_does_not_break_the_walk():
    broken = rows(user("hi", "greet"))
    broken.append({"id": 9, "type_name": "bot", "timestamp": None, "intent_name": None, "action_name": None,
                   "data": "{not json"})
    assert [i["kind"] for i in walk(broken, 0.45)["items"]] == ["user", "bot"]
