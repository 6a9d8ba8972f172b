"""Telegram formatting: HTML escaping, splitting, buttons -> inline keyboards.

Every produced message is also run through the fake Bot API's HTML parser (the
same rules Telegram applies), so "valid HTML" is checked, not assumed."""

from bot.channels.telegram.format import (
    CALLBACK_DATA_LIMIT,
    TEXT_LIMIT,
    callback_data,
    inline_keyboard,
    outgoing_messages,
    split_html,
    to_html,
    utf16_len,
)
from bot.safety.crisis_domain import training_domain_dict
from bot.safety.resources import shows_crisis_lines
from tests.fakes.telegram_api import parse_html


def test_everything_telegram_would_read_as_markup_is_escaped():
    html = to_html('if x < 3 & y > 2 then <b>"not bold"</b> &amp;')
    assert html == 'if x &lt; 3 &amp; y &gt; 2 then &lt;b&gt;"not bold"&lt;/b&gt; &amp;amp;'
    assert parse_html(html) == 'if x < 3 & y > 2 then <b>"not bold"</b> &amp;'


def test_markdown_bold_becomes_b_and_unpaired_stars_stay_text():
    assert to_html("call **988** now") == "call <b>988</b> now"
    assert to_html("5 ** 2 and **open") == "5 ** 2 and **open"
    assert to_html("**a & b**") == "<b>a &amp; b</b>"


def test_web_links_become_anchors_and_tel_links_plain_numbers():
    assert to_html("[Find a line](https://findahelpline.com/?a=1&b=\"2\")") == \
        '<a href="https://findahelpline.com/?a=1&amp;b=&quot;2&quot;">Find a line</a>'
    assert to_html("Tap to [call Samaritans 116 123](tel:116123) · [text SHOUT 85258](sms:85258?&body=SHOUT)") == \
        "Tap to call Samaritans 116 123 · text SHOUT 85258"
    assert to_html("[x](javascript:alert(1))") == "[x](javascript:alert(1))"


def test_every_domain_response_is_valid_telegram_html_and_keeps_its_numbers():
    domain = training_domain_dict()
    for name, variants in domain["responses"].items():
        for variant in variants:
            for message in outgoing_messages(variant.get("text") or "", variant.get("buttons") or []):
                plain = parse_html(message["text"])
                assert "**" not in plain, name
    first = {(v.get("condition") or [{"value": None}])[0]["value"]: v["text"]
             for v in domain["responses"]["utter_crisis_first"]}
    shown = "".join(parse_html(m["text"]) for m in outgoing_messages(first["US"]))
    for number in ("988", "741741", "911"):
        assert number in shown


def test_crisis_lines_for_every_region_survive_escaping_on_telegram():
    # tel:/sms: links cannot be opened on Telegram: their label, which carries the number, is shown
    for variant in training_domain_dict()["responses"]["utter_crisis_first"]:
        shown = "\n".join(parse_html(m["text"]) for m in outgoing_messages(variant["text"]))
        assert "tel:" not in shown and "sms:" not in shown
        assert shows_crisis_lines({"text": shown})
        if (variant.get("condition") or [{}])[0].get("value") == "US":
            us = shown
    assert "988 Suicide & Crisis Lifeline" in us  # the "&" is escaped, not lost


def test_short_replies_stay_whole():
    assert split_html("one\n\ntwo") == ["one\n\ntwo"]


def test_long_replies_split_at_paragraphs_within_the_limit():
    paragraphs = [(f"Paragraph {i}: " + "calm breath " * 60).strip() for i in range(20)]
    parts = split_html("\n\n".join(paragraphs), limit=TEXT_LIMIT)
    assert len(parts) > 1
    assert all(utf16_len(p) <= TEXT_LIMIT for p in parts)
    # no paragraph is cut: every part is a run of whole paragraphs
    rejoined = [para for part in parts for para in part.split("\n\n")]
    assert rejoined == paragraphs


def test_a_paragraph_longer_than_the_limit_is_cut_at_sentences_then_words():
    sentences = " ".join(f"Sentence {i} is about a tense back & a calm mind." for i in range(200))
    parts = split_html(sentences, limit=500)
    assert all(utf16_len(p) <= 500 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parse_html(p) for p in parts) == sentences
    words = split_html("word " * 300, limit=100)
    assert all(utf16_len(p) <= 100 for p in words) and " ".join(words).split() == ["word"] * 300
    assert all(utf16_len(p) <= 10 for p in split_html("x" * 95, limit=10))


def test_splitting_counts_escapes_emoji_and_never_breaks_a_tag():
    text = "\n\n".join(["**bold & brave** 😊 " * 40] * 5)
    parts = split_html(text, limit=1000)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= 1000
        parse_html(part)  # balanced tags, no bare "&"


def test_buttons_become_an_inline_keyboard_on_the_last_part_only():
    buttons = [{"title": "Coping steps", "payload": "/ask_coping_tips"},
               {"title": "Breathing exercise", "payload": '/request_relaxation_exercise{"exercise": "breathing"}'}]
    messages = outgoing_messages("\n\n".join(["a " * 1500] * 3), buttons)
    assert len(messages) > 1
    assert all("reply_markup" not in m for m in messages[:-1])
    assert messages[-1]["reply_markup"] == {"inline_keyboard": [
        [{"text": "Coping steps", "callback_data": "/ask_coping_tips"}],
        [{"text": "Breathing exercise", "callback_data": '/request_relaxation_exercise{"exercise": "breathing"}'}],
    ]}
    assert all(m["parse_mode"] == "HTML" for m in messages)


def test_every_button_payload_in_the_domain_fits_callback_data_unchanged():
    domain = training_domain_dict()
    for variants in domain["responses"].values():
        for variant in variants:
            for button in variant.get("buttons") or []:
                payload = button["payload"].replace("{{", "{").replace("}}", "}")
                assert callback_data({"title": button["title"], "payload": payload}) == payload


def test_too_long_payloads_are_compacted_or_fall_back_to_the_title():
    long_json = '/inform{"pain_location": "lower back", "pain_duration": "three weeks"}'
    compact = callback_data({"title": "x", "payload": long_json})
    assert compact == '/inform{"pain_location":"lower back","pain_duration":"three weeks"}' or \
        len(compact.encode()) <= CALLBACK_DATA_LIMIT
    assert len(compact.encode()) <= CALLBACK_DATA_LIMIT
    assert callback_data({"title": "Tell me more", "payload": "/" + "a" * 100}) == "Tell me more"


def test_buttons_without_a_title_are_skipped_and_no_buttons_means_no_keyboard():
    assert inline_keyboard([]) is None
    assert inline_keyboard([{"title": "", "payload": ""}]) is None
    assert outgoing_messages("", [{"title": "Menu", "payload": "/show_menu"}])[0]["text"] == "Choose one:"
