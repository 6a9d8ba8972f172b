"""Risk in other languages and in learner English (bot/safety/multilingual.py), through the
detector's public API: first-person risk is found in each language, the same language's death
idioms and third-person forms are not, a negation lowers HIGH to POSSIBLE but never to NONE.
Sentences written for this test; none is taken from the blind or labelled sets."""
import pytest

from bot.safety import RiskLevel, assess, explain, multilingual
from bot.safety.multilingual import NON_ENGLISH, fold

NONE, POSSIBLE, HIGH = RiskLevel.NONE, RiskLevel.POSSIBLE, RiskLevel.HIGH

RISK = [  # (text, at least this level)
    ("la verdad es que me quiero morir, ya no puedo", HIGH),
    ("creo que me voy a matar esta semana", HIGH),
    ("no quiero seguir viviendo así", POSSIBLE),
    ("anoche me volví a cortar", HIGH),
    ("eu quero morrer, sério", HIGH),
    ("to pensando em me matar", HIGH),
    ("je veux mourir, j'en ai marre", HIGH),
    ("j'ai plus la force de vivre", POSSIBLE),
    ("voglio morire, non ce la faccio", HIGH),
    ("ich will einfach sterben", HIGH),
    ("ich bring mich um wenn das so weitergeht", HIGH),
    ("ik wil echt dood", HIGH),
    ("chcę umrzeć, serio", HIGH),
    ("vreau să mor", HIGH),
    ("artık ölmek istiyorum", HIGH),
    ("mujhe marna hai yaar", HIGH),
    ("main khud ko khatam kar dunga", HIGH),
    ("gusto ko nang mamatay", HIGH),
    ("ayoko nang mabuhay", POSSIBLE),
    ("aku mau mati aja rasanya", HIGH),
    ("ana 3ayez amoot", HIGH),
    ("أريد أن أموت", HIGH),
    ("хочу умереть", HIGH),
    ("не хочу больше жить", POSSIBLE),
    ("θέλω να πεθάνω", HIGH),
    ("tôi muốn chết", HIGH),
    ("toi muon chet", HIGH),
    ("nataka kufa", HIGH),
    ("i wan die, i don tire", HIGH),
    ("我想死", HIGH),
    ("死にたい", HIGH),
    ("i am want to finish my life", HIGH),
    ("i am thinking for die every night", HIGH),
    ("i make hurt to myself when pain is big", HIGH),
]

ORDINARY = [
    "me muero de risa con este video",
    "me quiero morir de vergüenza, me caí en la oficina",
    "mi espalda me va a matar",
    "mi amigo dice que quiere morir de hambre jaja",
    "tô morrendo de fome",
    "minha mãe vai me matar se eu chegar tarde",
    "je meurs de faim",
    "je veux mourir de rire",
    "voglio morire dal ridere",
    "ich sterbe vor Hunger",
    "sharam se mar jaun aisa laga",
    "gusto ko mamatay sa kakatawa",
    "aku mau mati ketawa",
    "me duele la espalda desde ayer, ¿qué estiramientos me recomiendas?",
    "adiós, gracias por los consejos",
    "i want to die my hair blue",
    "my landlord will end me if i'm late",
    "i want to stop my life insurance policy",
]


@pytest.mark.parametrize("text,level", RISK)
def test_first_person_risk_in_another_language_is_found(text, level):
    result = assess(text)
    assert result.level.rank >= level.rank, (text, result)


@pytest.mark.parametrize("text", ORDINARY)
def test_idioms_third_persons_and_ordinary_talk_are_not_risk(text):
    assert assess(text).level == NONE, (text, explain(text).findings)


def test_a_negation_lowers_high_to_possible_and_never_to_none():
    said = assess("no me voy a matar, tranquila, solo estoy cansada")
    assert said.level == POSSIBLE and "negation" in said.reasons
    assert assess("me voy a matar").level == HIGH


def test_other_language_findings_say_so_learner_english_does_not():
    assert NON_ENGLISH in assess("quiero morirme").reasons
    assert NON_ENGLISH not in assess("i am want to finish my life").reasons


def test_mixed_with_english_both_are_read():
    result = assess("me quiero morir, everything hurts and i'm a burden")
    assert result.level == HIGH and NON_ENGLISH in result.reasons


def test_fold_drops_accents_marks_and_case():
    assert fold("NÃO Quero") == "nao quero"
    assert fold("ölmek  istiyorum") == "olmek istiyorum"
    assert fold("Tự tử") == "tu tu"
    assert fold("j’ai") == "j'ai"


def test_every_phrase_compiles_and_matches_something_it_was_written_for():
    # a phrase that can never match is dead weight that looks like safety
    texts = [t for t, _ in RISK]
    languages = {h.language for t in texts for h in multilingual.hits(t)}
    assert {"es", "pt", "fr", "it", "de", "nl", "pl", "ro", "tr", "hi", "tl", "id", "ar", "ru",
            "el", "vi", "sw", "pcm", "zh", "ja", "en-learner"} <= languages


def test_bad_input_is_no_risk_and_never_raises():
    for text in ("", "   ", "\u0301\u0301", "x" * 50_000, "死" * 10_000):
        multilingual.hits(text)
    assert assess("").level == NONE
