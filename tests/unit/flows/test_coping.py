"""Understanding the coping form's answers and choosing tips."""
import pytest

from bot.flows.coping import (
    ACUTE,
    CHRONIC,
    SUBACUTE,
    choose_tips,
    parse_duration,
    parse_location,
    parse_severity,
)


@pytest.mark.parametrize("text,expected", [
    ("lower back", "lower back"),
    ("my lowr back, near the hips", "lower back"),
    ("between my shoulder blades", "upper back"),
    ("Neck and shoulders", "neck and shoulders"),
    ("all over my back", "all over"),
    ("it's my back", "back (unspecified)"),
])
def test_location_is_understood(text, expected):
    assert parse_location(text) == expected


@pytest.mark.parametrize("text", ["", None, "pizza", "yes", "i dont know"])
def test_unclear_location_is_none(text):
    assert parse_location(text) is None


@pytest.mark.parametrize("text,expected", [
    ("since yesterday", ACUTE), ("2 days", ACUTE), ("about a week", ACUTE),
    ("a couple of weeks", SUBACUTE), ("about 3 weeks", SUBACUTE), ("6 weeks", SUBACUTE),
    ("a few months", CHRONIC), ("years", CHRONIC), ("since last year", CHRONIC), ("more than three months", CHRONIC),
])
def test_duration_bands(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", None, "dunno", "lower back", "banana"])
def test_unclear_duration_is_none(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize("value,expected", [
    ("7", 7.0), ("about a 6", 6.0), ("8/10", 8.0), ("7 out of 10", 7.0), ("five", 5.0), ("0", 0.0),
    ("10", 10.0), (4, 4.0), (6.5, 6.5), ("6,5", 6.5),
])
def test_severity(value, expected):
    assert parse_severity(value) == expected


@pytest.mark.parametrize("value", ["11", "-1", "3/5", "lots", "", None, True, 42])
def test_invalid_severity_is_none(value):
    assert parse_severity(value) is None


def test_red_flag_replaces_tips_with_urgent_care_first():
    tips = choose_tips("lower back", ACUTE, 3, red_flag=True)
    assert tips[0] == "utter_red_flag_urgent"
    assert "utter_tip_exercise" not in tips


def test_mild_recent_pain_gets_self_care_first_and_professional_last():
    tips = choose_tips("lower back", ACUTE, 3, red_flag=False)
    assert tips[0] == "utter_tip_relaxation"
    assert tips[-1] == "utter_tip_see_professional"
    for tip in ("utter_tip_stretches", "utter_tip_exercise", "utter_tip_posture", "utter_tip_sleep",
                "utter_tip_massage_physio", "utter_tip_pain_relief", "utter_tip_therapy"):
        assert tip in tips


def test_severe_pain_says_get_it_seen_soon_and_holds_back_exercise():
    tips = choose_tips("lower back", ACUTE, 8, red_flag=False)
    assert tips[:2] == ["utter_tip_severe_pain", "utter_tip_see_professional"]
    assert "utter_tip_exercise" not in tips


def test_long_lasting_pain_puts_professional_help_first():
    assert choose_tips("upper back", CHRONIC, 4, red_flag=False)[0] == "utter_tip_see_professional"


def test_neck_pain_puts_posture_before_stretches():
    tips = choose_tips("neck and shoulders", ACUTE, 3, red_flag=False)
    assert tips.index("utter_tip_posture") < tips.index("utter_tip_stretches")


def test_every_tip_exists_in_the_domain(domain_responses):
    for args in [("lower back", ACUTE, 2, False), ("neck and shoulders", CHRONIC, 9, False), (None, None, None, True)]:
        for tip in choose_tips(*args):
            assert tip in domain_responses
