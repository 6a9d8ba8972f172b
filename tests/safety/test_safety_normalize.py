"""Normalisation: every trick the brief lists, and words that must stay as they are."""
import pytest

from bot.safety.normalize import Normalizer, clean_unicode, normalize, osa_distance


@pytest.mark.parametrize("raw, expected", [
    # case
    ("I WANT TO DIE", "i want to die"),
    # unicode compatibility forms: full-width and mathematical script letters
    ("\uff49 \uff57\uff41\uff4e\uff54 \uff54\uff4f \uff44\uff49\uff45", "i want to die"),
    ("𝓲 𝔀𝓪𝓷𝓽 𝓽𝓸 𝓭𝓲𝓮", "i want to die"),
    # zero-width and other invisible characters
    ("i want to k\u200bill myself", "i want to kill myself"),
    ("i want to k\u200dil\u00adl my\ufeffself", "i want to kill myself"),
    # homoglyphs: Cyrillic i / a, Greek omicron, small capitals
    ("i want to k\u0456ll myself", "i want to kill myself"),
    ("i w\u0430nt t\u03bf die", "i want to die"),
    ("\u1d0b\u026a\u029f\u029f myself", "kill myself"),
    # accents and combining marks
    ("súicidal", "suicidal"),
    ("k\u0301i\u0308ll myself", "kill myself"),
    # leetspeak
    ("i want to k1ll myself", "i want to kill myself"),
    ("su1c1de", "suicide"),
    ("$uicide", "suicide"),
    ("i want to d13", "i want to die"),
    ("su!c!dal", "suicidal"),
    ("i w@nt t0 d!e", "i want to die"),
    ("ki11 myself", "kill myself"),
    # censoring
    ("i want to k*ll myself", "i want to kill myself"),
    ("s**cide", "suicide"),
    # repeated letters
    ("i want to diiiiie", "i want to die"),
    ("i want to killl myself", "i want to kill myself"),
    ("im suiciidal", "i am suicidal"),
    # misspellings
    ("i'm sucidal", "i am suicidal"),
    ("i feel suicidle", "i feel suicidal"),
    ("i want to kil myself", "i want to kill myself"),
    ("i want to kill mysef", "i want to kill myself"),
    ("suiside", "suicide"),
    # run-together words
    ("killmyself", "kill myself"),
    ("i wanttodie", "i want to die"),
    ("i want to endmylife", "i want to end my life"),
    ("#wanttodie", "want to die"),
    # spelled out letters
    ("i want to k i l l myself", "i want to kill myself"),
    ("thinking about s.u.i.c.i.d.e", "thinking about suicide"),
    ("su-i-cide", "suicide"),
    # chat spellings and contractions
    ("i wanna die", "i want to die"),
    ("i can't go on", "i can not go on"),
    ("i\u2019m not ok", "i am not ok"),
    ("i want 2 die", "i want to die"),
    ("i wanna kill my self", "i want to kill myself"),
    ("self-harm", "self harm"),
    ("s/h again", "self harm again"),
    ("sewer slide", "sewerslide"),
    ("no one would miss me", "noone would miss me"),
])
def test_each_trick_is_normalised(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [
    "pill", "skill", "bill", "suited", "together", "overdoes", "i overdid it", "deadline",
    "deadlift", "painkiller", "my self care routine", "killer", "dye", "@john",
])
def test_ordinary_words_are_not_repaired_into_risk_words(raw):
    assert normalize(raw) == raw


def test_kms_after_a_number_is_kilometres():
    assert normalize("I ran 10 kms today") == "i ran 10 km today"
    assert normalize("how many kms should i walk") == "how many km should i walk"
    assert normalize("kms") == "kms"


def test_symbols_in_numbers_are_left_alone():
    assert normalize("wake up at 4am") == "wake up at 4am"
    assert normalize("$50 for physio") == "$50 for physio"


def test_control_characters_become_spaces():
    assert normalize("i want to\x00die\x07") == "i want to die"
    assert normalize("line\r\nbreak\ttab") == "line break tab"


def test_lone_surrogates_and_format_characters_are_removed():
    cleaned = clean_unicode("a\ud800b\u202ec")
    assert cleaned == "abc"
    cleaned.encode("utf-8")  # must be encodable for spaCy


def test_sentence_punctuation_is_kept_as_tokens():
    assert normalize("i can't go on, i'm done.") == "i can not go on , i am done ."


@pytest.mark.parametrize("value", [None, 123, b"bytes", ""])
def test_non_text_input_does_not_raise(value):
    assert isinstance(normalize(value), str)


def test_huge_input_is_handled():
    text = "a" * 100_000 + " k1ll myself " + "\u200b" * 1000
    assert normalize(text).endswith("kill myself")


def test_edit_distance_counts_swaps_as_one_edit():
    assert osa_distance("myslef", "myself", 2) == 1
    assert osa_distance("suicidle", "suicidal", 3) == 2
    assert osa_distance("abc", "xyz", 1) == 2  # capped at limit + 1


def test_fuzzy_matching_only_targets_long_key_words():
    n = Normalizer()
    assert n.resolve("sucide") == "suicide"
    assert n.resolve("mysef") == "myself"
    assert n.resolve("bill") is None      # a real word, never "kill"
    assert n.resolve("pill") == "pill"    # a pattern word stays itself
    assert n.resolve("hello") is None
