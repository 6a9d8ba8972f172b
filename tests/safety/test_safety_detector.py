"""Risk detector: API, each category, every hyperbole guard, context rules, robustness."""
import dataclasses
import re
import threading
import time
from pathlib import Path

import pytest

import bot.safety as safety
from bot.safety import RiskAssessment, RiskLevel, assess, detector, explain

NONE, POSSIBLE, HIGH = RiskLevel.NONE, RiskLevel.POSSIBLE, RiskLevel.HIGH


@pytest.fixture(scope="module", autouse=True)
def _warm():
    safety.warm_up()


# ---------------------------------------------------------------- API
def test_risk_level_is_a_string_enum():
    assert RiskLevel.NONE == "none" and RiskLevel.POSSIBLE == "possible"
    assert RiskLevel.HIGH.value == "high"
    assert isinstance(RiskLevel.HIGH, str)


def test_assessment_is_frozen_and_serialisable():
    result = assess("i want to kill myself")
    assert isinstance(result, RiskAssessment)
    assert result.is_risk
    assert isinstance(result.reasons, tuple)
    assert result.to_dict() == {"level": "high", "reasons": list(result.reasons),
                                "is_risk": True, "cues": list(result.cues)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.level = NONE  # type: ignore[misc]


def test_no_risk_has_no_reasons():
    result = assess("my lower back hurts when i sit")
    assert result == RiskAssessment(NONE, ())
    assert not result.is_risk
    assert result.to_dict() == {"level": "none", "reasons": [], "is_risk": False, "cues": []}


def test_public_api_is_reexported():
    for name in ("RiskLevel", "RiskAssessment", "assess", "lines_for", "format_lines_text",
                 "region_from_locale", "region_from_text", "tel_link", "sms_link",
                 "load_crisis_lines", "CrisisLine", "RegionLines"):
        assert hasattr(safety, name), name


def test_no_rasa_import_anywhere_in_bot_safety():
    root = Path(safety.__file__).parent
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+rasa", source, re.M), path


# ---------------------------------------------------------------- categories
@pytest.mark.parametrize("text, level, reason", [
    # explicit intent
    ("i want to kill myself", HIGH, "explicit_intent"),
    ("I'm going to end my life", HIGH, "explicit_intent"),
    ("i've been thinking about suicide", HIGH, "explicit_intent"),
    ("i want to take my own life", HIGH, "explicit_intent"),
    ("i'm suicidal", HIGH, "explicit_intent"),
    ("i want to die", HIGH, "explicit_intent"),
    # passive ideation
    ("i want to go to sleep and never wake up", POSSIBLE, "passive_ideation"),
    ("everyone would be better off without me", POSSIBLE, "passive_ideation"),
    ("i don't want to be here anymore", POSSIBLE, "passive_ideation"),
    ("there is no reason to live", POSSIBLE, "passive_ideation"),
    ("i wish i was dead", POSSIBLE, "passive_ideation"),
    ("i can't go on", POSSIBLE, "passive_ideation"),
    # self-harm
    ("i cut myself last night", HIGH, "self_harm"),
    ("i want to hurt myself", HIGH, "self_harm"),
    ("i've been self harming again", HIGH, "self_harm"),
    ("i burn myself when it gets too much", HIGH, "self_harm"),
    ("i hurt myself on purpose", HIGH, "self_harm"),
    # means seeking
    ("how many pills would kill me", HIGH, "means_seeking"),
    ("how many pills would it take", HIGH, "means_seeking"),
    ("what's the most painless way to go", HIGH, "means_seeking"),
    ("how do i end it", HIGH, "means_seeking"),
    ("what is a lethal dose", HIGH, "means_seeking"),
    # coded slang
    ("kms", HIGH, "coded_slang"),
    ("i want to unalive myself", HIGH, "coded_slang"),
    ("thinking about sewer slide", HIGH, "coded_slang"),
    ("i want to off myself", HIGH, "coded_slang"),
    ("thinking about ctb", HIGH, "coded_slang"),
    # goodbye messages
    ("this is my last message", HIGH, "goodbye_message"),
    ("goodbye forever", HIGH, "goodbye_message"),
    ("i've been giving away my things", HIGH, "goodbye_message"),
    ("i won't be around much longer", HIGH, "goodbye_message"),
])
def test_each_category(text, level, reason):
    result = assess(text)
    assert result.level == level, (text, result)
    assert reason in result.reasons, (text, result)


def test_asking_for_a_friend_with_a_risk_topic_is_high():
    result = assess("asking for a friend, how many pills would it take")
    assert result.level == HIGH
    assert "third_person_self" in result.reasons
    assert "means_seeking" in result.reasons


def test_asking_for_a_friend_alone_is_not_risk():
    assert assess("asking for a friend, is yoga good for back pain").level == NONE


def test_third_person_framing_turns_someone_else_into_self():
    assert assess("my friend wants to kill herself").level == POSSIBLE
    framed = assess("my friend wants to kill herself, asking for a friend")
    assert framed.level == HIGH and "third_person_self" in framed.reasons


def test_first_person_inside_the_phrase_wins_over_an_earlier_third_person():
    for text in ("everyone would be better off if i died",
                 "my family would be better off without me",
                 "they would all be happier if i did not exist"):
        result = assess(text)
        assert result.is_risk and "third_party" not in result.reasons, (text, result)


def test_someone_else_at_risk_is_possible_third_party():
    for text in ("my friend is suicidal", "my brother says he wants to die",
                 "how do i help a friend who is suicidal", "my son has been self harming"):
        result = assess(text)
        assert result.level == POSSIBLE, text
        assert "third_party" in result.reasons, text


@pytest.mark.parametrize("text", [
    "i'm not suicidal, just stressed",
    "i would never hurt myself",
    "i'm not going to kill myself",
    "i don't want to die",
    "i've never self harmed",
])
def test_negations_are_asked_about_gently(text):
    result = assess(text)
    assert result.level == POSSIBLE, (text, result)
    assert "negation" in result.reasons


def test_negation_does_not_hide_a_later_disclosure():
    assert assess("i'm not ok. i want to kill myself").level == HIGH
    assert assess("i can't stop thinking about killing myself").level == HIGH


def test_past_self_harm_is_possible():
    result = assess("i used to self harm as a teenager")
    assert result.level == POSSIBLE and "past" in result.reasons


def test_risk_inside_back_pain_talk():
    assert assess("this pain is killing me and i want to end it all").level == HIGH
    assert assess("my back hurts so much i want to die").level == HIGH
    assert assess("my back is killing me and i don't want to be here anymore").is_risk


def test_obfuscated_risk_is_found():
    for text in ("i want to k1ll myself", "su1c1de", "i'm sucidal", "killmyself",
                 "i want to k\u0456ll myself", "i want to k*ll myself", "I WANT TO DIIIE"):
        assert assess(text).is_risk, text


# ---------------------------------------------------------------- hyperbole guards
@pytest.mark.parametrize("text", [
    "this pain is killing me",
    "my back is killing me",
    "i'm dying to know",
    "i could kill for a massage",
    "how do i kill the pain",
    "painkillers don't help",
    "i'm dead tired",
    "i nearly died laughing",
    "deadlifts hurt my back",
    "the suspense is killing me",
    "i nearly killed myself laughing",
    "i want to dye my hair",
    "i want to die my hair red",
    "my phone died",
    "i killed it at the gym",
    "this job will be the death of me",
    "i ran 10 kms",
    "i cut myself some slack",
    "i burnt myself out at work",
    "i want to take my life back from this pain",
    "i want to end it with my boyfriend",
    "this is my last message for today",
    "ok goodbye",
    "i never wake up rested",
])
def test_hyperbole_and_idioms_are_not_risk(text):
    assert assess(text).level == NONE, (text, assess(text))


@pytest.mark.parametrize("text", [
    "i read about a suicide in the news",
    "my friend's dog died",
    "there was a documentary about suicide prevention",
    "the film has a character who kills himself",
    "i'm writing an essay on suicide rates",
])
def test_news_and_media_without_a_personal_link_are_not_risk(text):
    assert assess(text).level == NONE


@pytest.mark.parametrize("text", [
    "how much ibuprofen can i take",
    "is it ok to take paracetamol with ibuprofen",
    "how many painkillers can i take in a day",
    "what's the maximum dose of naproxen",
    "how much paracetamol is too much",
    "can i take all my meds at the same time in the morning",
])
def test_medication_questions_without_risk_are_not_risk(text):
    assert assess(text).level == NONE


@pytest.mark.parametrize("text", [
    "i hurt myself lifting a box",
    "i cut myself shaving",
    "i burned myself on the oven",
    "i fell and hurt myself",
])
def test_accidents_are_not_risk(text):
    assert assess(text).level == NONE


def test_ambiguous_hurt_myself_is_possible_not_none():
    assert assess("i hurt myself").level == POSSIBLE


def test_kill_myself_hyperbole_with_work_is_downgraded_not_dropped():
    result = assess("i've been killing myself at work")
    assert result.level == POSSIBLE and "hyperbole_possible" in result.reasons
    assert assess("i'm going to kill myself at the weekend").level == HIGH


# ---------------------------------------------------------------- robustness
@pytest.mark.parametrize("value", [
    "", " ", "\n\n", "\x00\x01\x02\x7f", "\ud800 lone surrogate", "🙂" * 500,
    "\u200b" * 1000, "a" * 100_000, "kill" * 25_000, None, 12345, b"bytes",
    "".join(chr(c) for c in range(0, 0x3000, 7)),
])
def test_never_raises(value):
    result = assess(value)
    assert isinstance(result, RiskAssessment)


def test_empty_is_none():
    assert assess("") == RiskAssessment(NONE, ())
    assert assess("   \n\t") == RiskAssessment(NONE, ())


def test_control_characters_do_not_hide_risk():
    assert assess("i want to\x00 die").is_risk
    assert assess("i\twant\rto\nkill\x0bmyself").is_risk


def test_long_text_is_fast_and_risk_at_the_end_is_found():
    filler = "my back hurts and i am stressed about work. " * 2300   # ~100k chars
    start = time.perf_counter()
    assert assess(filler).level == NONE
    assert assess(filler + " honestly i want to kill myself").level == HIGH
    assert assess("i want to die. " + filler).level == HIGH
    assert time.perf_counter() - start < 10


def test_long_messages_keep_every_risk_sentence(eval_items):
    # Long messages only match sentences that contain a trigger word; no risk message may
    # be lost that way.
    padding = " ".join(["We walked the dog in the park and had lunch by the river."] * 60)
    missed = [item.text for item in eval_items if item.label == "risk" and item.text
              and not assess(f"{padding} {item.text}. {padding}").is_risk]
    assert missed == []


def test_internal_errors_fail_safe_to_possible(monkeypatch):
    def boom(text):
        raise RuntimeError("bug")

    monkeypatch.setattr(detector, "_explain", boom)
    detector._assess_cached.cache_clear()
    result = assess("a message the cache has not seen 12345")
    assert result.level == POSSIBLE and result.reasons == ("detector_error",)
    detector._assess_cached.cache_clear()


def test_thread_safe():
    texts = ["i want to kill myself", "my back is killing me", "i'm not suicidal",
             "how much ibuprofen can i take", "goodbye forever"] * 40
    expected = {t: assess(t).level for t in set(texts)}
    errors, results = [], []

    def worker(chunk):
        try:
            for t in chunk:
                results.append((t, detector._explain(t).assessment.level))
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(texts[i::8],)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert all(level == expected[t] for t, level in results)


def test_explain_shows_the_normalised_text_and_findings():
    exp = explain("i want to k1ll myself")
    assert exp.normalized == "i want to kill myself"
    assert exp.assessment.level == HIGH
    assert any(f.rule == "kill_myself" for f in exp.findings)


@pytest.mark.parametrize("text", [
    "i don't see a way forward anymore",
    "tonight i stop fighting for good",
    "i can't see myself being alive next year",
    "i've been giving my things away to friends",
    "i wrote letters to my kids just in case",
    "i feel like i'm just a weight around everyone's neck",
    "i took more pills than i should have on purpose",
    "what's the quickest way to go without pain",
    "i slipped into a dark place and cut myself",
])
def test_hopelessness_and_warning_signs_are_risk(text):
    assert assess(text).is_risk, text


@pytest.mark.parametrize("text", [
    "i have been giving my old clothes away to charity",
    "no one can stop me from running the marathon",
    "i can't see myself being at work next year",
    "what is the best way to go about stretching",
    "i will not make it to the appointment",
])
def test_near_misses_of_the_warning_sign_rules_are_not_risk(text):
    assert not assess(text).is_risk, text


@pytest.mark.parametrize("text,level", [
    ("i tried to hang myself last night", "high"), ("wanted to drown myself in the river", "high"),
    ("i hanged myself but the rope broke", "high"), ("im not safe rn", "possible"),
    ("i don't feel safe with myself tonight", "possible"),
    ("i hung myself a new shelf", "none"), ("i poisoned myself with that chicken", "none"),
    ("im not safe to drive", "none"), ("my brother tried to hang himself", "none"),
    ("i dont feel safe at home", "none")])
def test_an_attempt_or_not_being_safe_is_read_without_other_risk_words(text, level):
    from bot.safety import assess
    assert assess(text).level.value == level


@pytest.mark.parametrize("text,level", [
    ("im stood on the edge of the multi-storey car park roof", "possible"),
    ("i'm sitting on the ledge right now", "possible"), ("sat on the ledge of my balcony", "possible"),
    ("sitting on the edge of my bed", "none"), ("sitting on the edge of the pool with my feet in", "none"),
    ("we walked along the edge of the cliffs", "none"), ("im on edge right now", "none"),
    ("sitting on the edge of the roof fixing tiles", "none"),
    ("standing at the edge of the platform waiting for the train", "none")])
def test_on_the_edge_of_a_high_place_is_asked_about_and_ordinary_edges_are_not(text, level):
    from bot.safety import assess
    assert assess(text).level.value == level


@pytest.mark.parametrize("text,risk", [("how do i lift him without hurting myself more", False),
                                       ("how can i carry my toddler without hurting myself", False),
                                       ("how do i get through tonight without hurting myself", True)])
def test_lifting_or_carrying_without_getting_hurt_is_not_self_harm(text, risk):
    from bot.safety import assess
    assert assess(text).is_risk == risk


@pytest.mark.parametrize("text,level", [
    ("keep thinking about using the knife in the kitchen drawer on myself", "high"),
    ("i want to use a blade on myself", "high"), ("i used the razor on myself last night", "high"),
    ("i used a knife on my steak", "none"), ("can i use a heat pack on myself overnight", "none")])
def test_a_sharp_thing_used_on_oneself_is_self_harm(text, level):
    from bot.safety import assess
    assert assess(text).level.value == level


@pytest.mark.parametrize("text,level", [
    ("im in the garage with the engine on", "high"), ("the car is running in the closed garage and im in it", "high"),
    ("my husband is sitting in the car in the garage with the engine running", "possible"),  # someone else
    ("sat in the car with the engine running waiting for my daughter", "none"),
    ("left the car running in the garage to warm it up", "none"), ("i fixed the engine in the garage", "none")])
def test_an_engine_running_in_a_garage_with_someone_in_it_is_risk(text, level):
    from bot.safety import assess
    assert assess(text).level.value == level


# ---------------------------------------------------------------- who does it, who wants it
@pytest.mark.parametrize("text", [
    "can i use deep heat cream and a heat pad at the same time or will it burn my skin",
    "does this cream burn your skin",
    "it could cut my hand if i'm not careful with the new knife",
    "my lower back wants me dead lol",
    "this job wants me dead",
    "my printer genuinely wants me dead",
    "tuesdays want me dead",
    "the new dishwasher wants me dead, flooded the kitchen twice",
    "no i didn't hurt myself, it just started aching out of nowhere",
    "didn't hurt myself, just woke up with a crick in my neck",
])
def test_a_thing_that_harms_or_wants_me_dead_is_not_the_person(text):
    assert assess(text).level == RiskLevel.NONE, text


@pytest.mark.parametrize("text", [
    "i burn my arms when it gets bad",
    "that is why i cut my arms",
    "will it help if i cut my arm",
    "part of me wants me dead",
    "my brain wants me dead",
    "everyone wants me dead",
    "my family wants me dead",
    "the voices want me dead",
    "i didn't hurt myself on purpose, i promise",
    "i did not cut myself, my back is sore",
    "don't worry, i won't hurt myself, just venting about my back",
    "i did hurt myself, the ache in my back is why",
    "yes i hurt myself again, everything is sore",
])
def test_the_person_harming_or_wishing_stays_risk(text):
    assert assess(text).level != RiskLevel.NONE, text


# ---------------------------------------------------------------- "out" is not always a way out
@pytest.mark.parametrize("text,risk", [
    ("my dad will kill me if he finds out i missed physio", False),
    ("i'd kill for a night out with my mates", False),
    ("the suspense is killing me, when do my scan results come out", False),
    ("thought i was dying on the stairs, turned out my knee just locked", False),
    ("death is the only way out", True),
    ("dying is my only out now", True),
    ("ran out of hope, dying feels like the answer", True),
])
def test_out_is_a_way_out_only_as_a_noun(text, risk):
    assert (assess(text).level != RiskLevel.NONE) is risk, text


def test_a_biography_is_media():
    assert assess("halfway through a memoir by a singer who took his own life, so well written").level == RiskLevel.NONE
    assert assess("my uncle took his own life last spring").level != RiskLevel.NONE


@pytest.mark.parametrize("text,level", [
    ("is it survivable if someone swallows the whole packet of their tablets", "possible"),
    ("would you survive mixing all your meds at once", "possible"),
    ("would i survive if i took all my tablets", "high"),
    ("can you survive on painkillers for a month", "none"),
    ("i hope a lorry just hits me on the way home", "possible"),
    ("honestly wouldn't care if the train took me out", "possible"),
    ("i wish the bus would take me home already", "none"),
    ("hope the train gets me there on time", "none"),
])
def test_all_of_a_medicine_and_a_wished_for_vehicle(text, level):
    assert assess(text).level.value == level, text


def test_a_statement_with_i_would_is_not_a_question():
    # "building" is a high place, but "i would rather ..." asks nothing
    assert assess("i'd rather die than sit through another team-building day").level == RiskLevel.POSSIBLE
    assert assess("would i die if i jumped off the building").level == RiskLevel.HIGH
