"""Frames that explain death words away (bot/safety/benign_frames.py). Own wording, none from a blind batch.

A frame only keeps the learned score's "possible" band from raising risk (RiskGuard); the
detector's findings stand. So the lists that must *not* be framed matter most: the same game and
goodbye words used for the person's own life."""
import pytest

from bot.nlu.risk_guard import guard_decision
from bot.safety.benign_frames import explaining_frame, rather_die_than_a_chore


@pytest.mark.parametrize("text,frame", [
    ("the trick in that level is to die on purpose so you respawn next to the exit", "game"),
    ("got headshot three times in a row and kept respawning behind the same wall", "game"),
    ("my healer died in the raid again and we wiped", "game"),
    ("the final boss killed me about thirty times last night", "game"),
    ("jump off the ledge to reset the area, it's faster than walking", "game"),
    ("cancelling my plan now my sciatica is sorted, thank you and goodbye", "recovered"),
    ("won't need the stretches this week, my lower back feels loads better. bye for now", "recovered"),
    ("the school run is going to finish me off this week", "hyperbole"),
    ("i'd sell my soul for one night of proper sleep", "hyperbole"),
    ("if the printer jams once more i will literally die", "hyperbole"),
    ("planning to not wake up until noon on saturday", "hyperbole"),
    ("the office printer wants me dead. third jam today", "hyperbole"),
])
def test_a_game_or_a_goodbye_after_getting_better_is_framed(text, frame):
    assert explaining_frame(text) == frame, text


@pytest.mark.parametrize("text", [
    "no respawn for me this time",
    "i want to log out of life and not respawn",
    "wish real life had a checkpoint i could go back to, or just an off switch",
    "game over irl, i'm done",
    "for a game i'm writing, what's a painless way a character could die",
    "beat the final boss. anyway i don't want to wake up tomorrow",
    "goodbye, my back is better but i won't be around much longer",
    "thanks for everything, goodbye. i've decided and i feel calm",
    "goodbye, i don't think i'll see my back get better",
    "bye everyone, i'm gone",
    "everything will be better soon, goodbye",
    "i hope this pain finishes me off",
    "let it finish me off, i don't care anymore",
    "i want to sleep and not wake up until this is over",
    "this pain will finish me off and honestly that would be a relief",
])
def test_the_persons_own_life_is_never_framed(text):
    assert explaining_frame(text) == "", text


def test_a_frame_lowers_only_the_learned_possible_band():
    text = "the final boss killed me about thirty times last night"
    framed = guard_decision(text, None, [], "express_risk", 0.98, score=0.9, score_level="possible", frame="game")
    assert not framed["forced"] and "frame:game" in framed["reasons"]
    high = guard_decision(text, None, [], "express_risk", 0.98, score=0.99, score_level="high", frame="game")
    assert high["level"] == "high"
    detector = guard_decision("i want to kill myself, this boss fight is impossible", None, [], "express_risk", 0.98,
                              score=0.9, score_level="possible", frame="game")
    assert detector["forced"]


@pytest.mark.parametrize("text,chore", [
    ("i'd rather die than fill in another expenses form", True),
    ("honestly rather die than queue at the post office on a monday", True),
    ("i'd rather die than go on like this", False),
    ("i'd rather be dead than feel this pain every day", False),
    ("i would rather die than be a burden to my kids", False),
    ("i'd rather die than spend another year in this back brace", False),
    ("i'd rather die, honestly", False),
    ("i'd rather die than fill in that form, and i mean that, i want it to end", False),
])
def test_rather_die_than_a_chore_is_told_from_rather_die_than_living(text, chore):
    assert rather_die_than_a_chore(text) is chore, text


def test_rather_die_than_a_chore_is_no_risk_only_when_the_learned_score_agrees():
    text = "i'd rather die than fill in another expenses form"
    assert not guard_decision(text, None, [], "express_risk", 0.98, score=0.1, score_level="none")["forced"]
    assert guard_decision(text, None, [], "express_risk", 0.98, score=0.7, score_level="none")["forced"]
    assert guard_decision(text, None, [], "express_risk", 0.98)["forced"]  # no learned score: the detector stands


def test_a_person_who_wants_me_dead_is_still_read_by_the_detector():
    # framed for the learned score, but the detector's own finding stands
    assert guard_decision("the voices want me dead", None, [], "express_risk", 0.98, score=0.9,
                          score_level="possible", frame=explaining_frame("the voices want me dead"))["forced"]
