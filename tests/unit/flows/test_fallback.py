from bot.content import INTENT_LABELS
from bot.flows.fallback import affirmation_question


def test_guess_is_asked_in_plain_words_with_yes_no_buttons():
    text, buttons = affirmation_question("ask_sleep")
    assert "sleep and back pain" in text
    assert buttons[:2] == [{"title": "Yes", "payload": "/ask_sleep"}, {"title": "No", "payload": "/deny"}]


def test_not_understood_keeps_the_crisis_lines_one_tap_away():
    # unseen risk phrasings end up here: the lines must be one tap away
    for guess in ("ask_sleep", None):
        _, buttons = affirmation_question(guess)
        assert {"title": "Crisis lines", "payload": "/request_crisis_resources"} in buttons


def test_unknown_or_missing_guess_offers_the_menu():
    for guess in (None, "nlu_fallback", "express_risk"):
        text, buttons = affirmation_question(guess)
        assert "another way" in text and buttons[0]["payload"] == "/show_menu"


def test_every_label_is_a_domain_intent(domain):
    assert set(INTENT_LABELS) <= set(domain["intents"])
