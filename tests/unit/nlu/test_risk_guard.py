"""RiskGuard: detector or classifier can force express_risk; reasons are recorded."""
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.risk_guard import WINDOW_CHARS, RiskGuard, guard_decision, text_windows


def _shipped_config():
    """RiskGuard's settings as config.yml ships them (its defaults under them)."""
    import yaml

    from bot.settings import ROOT

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    shipped = next(c for c in pipeline if c["name"].endswith("RiskGuard"))
    return {**RiskGuard.get_default_config(), **{k: v for k, v in shipped.items() if k != "name"}}


CONFIG = _shipped_config()
SHIPPED = float(CONFIG["intent_threshold"])  # the intent classifier's "all but certain"


def parse(text, intent="ask_sleep", confidence=0.9, ranking=None):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", ranking or [{"name": intent, "confidence": confidence}], add_to_output=True)
    RiskGuard(CONFIG, None, None).process([message])  # no learned risk score: detector + intent classifier
    return message


def test_detector_forces_the_risk_intent_even_over_a_confident_classifier():
    message = parse("i want to kill myself", intent="ask_sleep", confidence=0.99)
    assert message.get("intent") == {"name": "express_risk", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "express_risk"
    assert message.get("risk")["level"] in ("high", "possible") and message.get("risk")["reasons"]


def test_detector_overrides_nlu_fallback():
    message = parse("kms", intent="nlu_fallback", confidence=0.45)
    assert message.get("intent")["name"] == "express_risk"


def test_classifier_alone_counts_above_the_threshold():
    above = min(1.0, SHIPPED + 0.01)
    decision = guard_decision("i feel like giving up on everything", {"name": "express_risk", "confidence": above},
                              [{"name": "express_risk", "confidence": above}], "express_risk", SHIPPED)
    assert decision["forced"] and any(r.startswith("classifier:") for r in decision["reasons"])


def test_hyperbole_is_left_alone_and_recorded_as_none():
    message = parse("this back pain is killing me", intent="express_stress", confidence=0.9)
    assert message.get("intent")["name"] == "express_stress"
    assert message.get("risk") == {"level": "none", "reasons": [], "classifier_confidence": 0.0, "score": 0.0, "cues": []}


def test_low_classifier_risk_below_threshold_is_not_forced():
    decision = guard_decision("how do i sleep better", {"name": "ask_sleep", "confidence": 0.7},
                              [{"name": "ask_sleep", "confidence": 0.7}, {"name": "express_risk", "confidence": 0.2}],
                              "express_risk", SHIPPED)
    assert not decision["forced"]
    # just under the shipped threshold, on top of the ranking: not forced either
    under = SHIPPED - 0.01
    decision = guard_decision("how do i sleep better", {"name": "express_risk", "confidence": under},
                              [{"name": "express_risk", "confidence": under}], "express_risk", SHIPPED)
    assert not decision["forced"]


def test_classifier_risk_below_the_threshold_is_demoted_to_the_next_intent():
    ranking = [{"name": "express_risk", "confidence": 0.48}, {"name": "ask_exercise", "confidence": 0.46}]
    message = parse("i want to live an active life again", intent="express_risk", confidence=0.48, ranking=ranking)
    assert message.get("intent")["name"] == "ask_exercise"
    assert message.get("risk") == {"level": "none", "reasons": [], "classifier_confidence": 0.48, "score": 0.0, "cues": []}


def test_demotion_falls_back_when_the_next_intent_is_unsure():
    ranking = [{"name": "express_risk", "confidence": 0.48}, {"name": "ask_exercise", "confidence": 0.2}]
    message = parse("my cat died", intent="express_risk", confidence=0.48, ranking=ranking)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": CONFIG["fallback_threshold"]}


def test_detector_risk_is_never_demoted_whatever_the_classifier_says():
    ranking = [{"name": "express_risk", "confidence": 0.1}, {"name": "greet", "confidence": 0.9}]
    message = parse("i don't see a way forward anymore", intent="greet", confidence=0.9, ranking=ranking)
    assert message.get("intent") == {"name": "express_risk", "confidence": 1.0}


def test_the_learned_classifier_raises_risk_in_its_band_and_says_so():
    decision = guard_decision("i keep thinking about not being around", {"name": "express_stress", "confidence": 0.9},
                              [{"name": "express_stress", "confidence": 0.9}], "express_risk", 0.98,
                              score=0.71, score_level="possible")
    assert decision["forced"] and decision["level"] == "possible"
    assert "encoder:0.71" in decision["reasons"] and decision["score"] == 0.71


def test_a_classifier_score_below_its_band_raises_nothing():
    decision = guard_decision("how do i sit at my desk", {"name": "ask_posture", "confidence": 0.9},
                              [{"name": "ask_posture", "confidence": 0.9}], "express_risk", 0.98,
                              score=0.2, score_level="none")
    assert not decision["forced"] and decision["level"] == "none" and decision["score"] == 0.2


def test_the_classifier_never_lowers_what_the_detector_says():
    decision = guard_decision("i want to kill myself", None, [], "express_risk", 0.98, score=0.01, score_level="none")
    assert decision["level"] == "high"


ORDINARY_WEAK_HIT = "can't do this anymore, my team lead micromanages everything"


def test_a_weak_detector_hit_stands_unless_the_learned_score_is_all_but_sure_it_is_ordinary():
    ranking = [{"name": "express_stress", "confidence": 0.9}]
    plain = guard_decision(ORDINARY_WEAK_HIT, ranking[0], ranking, "express_risk", 0.98, score=0.01, score_level="none")
    assert plain["forced"] and plain["level"] == "possible"  # no veto configured: the detector alone raises it
    vetoed = guard_decision(ORDINARY_WEAK_HIT, ranking[0], ranking, "express_risk", 0.98, score=0.01,
                            score_level="none", detector_veto=0.05)
    assert not vetoed["forced"] and vetoed["level"] == "none"
    unsure = guard_decision(ORDINARY_WEAK_HIT, ranking[0], ranking, "express_risk", 0.98, score=0.3,
                            score_level="none", detector_veto=0.05)
    assert unsure["forced"] and unsure["level"] == "possible"


def test_the_veto_never_touches_a_high_detector_hit_or_a_missing_score():
    high = guard_decision("i want to kill myself", None, [], "express_risk", 0.98, score=0.0, score_level="none",
                          detector_veto=0.05)
    assert high["level"] == "high"
    no_score = guard_decision(ORDINARY_WEAK_HIT, None, [], "express_risk", 0.98, score=None, detector_veto=0.05)
    assert no_score["level"] == "possible"


def test_a_long_text_is_read_in_windows_that_keep_each_sentence_whole():
    filler = "My lower back aches by the evening and I sit on the sofa until late. " * 90
    wish = "I don't want to be alive anymore."
    windows = text_windows(filler + wish + " " + filler)
    assert len(windows) > 10 and all(len(w) <= WINDOW_CHARS for w in windows)
    assert any(wish in w for w in windows)
    # one endless "sentence": cut with an overlap, so a short phrase is whole in some window
    endless = "a" * 20_000 + " i want to die " + "b" * 3_000
    assert any("i want to die" in w for w in text_windows(endless))
    assert text_windows("Short one. Two.") == ["Short one. Two."]


def test_talk_about_a_crisis_service_is_answered_as_talk_not_as_a_request():
    message = parse("saw a poster for the crisis text line at the station, good idea",
                    intent="request_crisis_resources", confidence=0.9)
    assert message.get("intent")["name"] == "out_of_scope"
    assert message.get("risk")["level"] == "none" and message.get("risk")["service_talk"] is True


def test_a_request_for_a_crisis_service_stays_a_request():
    message = parse("can i have the crisis line number", intent="request_crisis_resources", confidence=0.9)
    # the detector's help_seeking makes it a risk turn; either way the crisis lines are shown
    assert message.get("intent")["name"] in ("request_crisis_resources", "express_risk")
    assert not message.get("risk").get("service_talk")


def test_talk_about_a_service_keeps_a_question_of_its_own():
    message = parse("i volunteer on a helpline and the shifts hurt my back, posture tips?",
                    intent="ask_posture", confidence=0.8)
    assert message.get("intent")["name"] == "ask_posture" and not message.get("risk").get("service_talk")


def test_service_talk_drops_only_the_services_name_never_risk():
    text = "read about crisis lines in the news, i want to kill myself"
    assert guard_decision(text, None, [], "express_risk", 0.98, service_talk=True)["forced"]
    name_only = "the radio did a piece on a crisis line"
    assert not guard_decision(name_only, None, [], "express_risk", 0.98, service_talk=True)["forced"]
    # the learned score in its band still raises it
    assert guard_decision(name_only, None, [], "express_risk", 0.98, score=0.9, score_level="possible",
                          service_talk=True)["level"] == "possible"
