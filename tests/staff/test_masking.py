"""The masker hides identifiers people type and keeps what staff need to read."""
import pytest

from bot.settings import ROOT
from bot.web.staff.masking import mask, published_numbers


@pytest.mark.parametrize("text, expected", [
    ("mail me at jo.bloggs+x@example.co.uk now", "mail me at [email] now"),
    ("JO.BLOGGS@EXAMPLE.COM", "[email]"),
    ("jo at gmail dot com", "[email]"),
    ("jo(at)example.org", "[email]"),
    ("jo [at] example [dot] co [dot] uk", "[email]"),
    ("call 07700 900123 or +44 (0)20 7946 0958", "call [phone] or [phone]"),
    ("(555) 123-4567", "[phone]"),
    ("555.123.4567", "[phone]"),
    ("+1-202-555-0173!", "[phone]!"),
    ("0044 7700 900 123", "[phone]"),
    ("card 4111 1111 1111 1111 thanks", "card [card] thanks"),
    ("4111-1111-1111-1111", "[card]"),
    ("see https://x.com/a?token=abc#f and www.foo.org/p?q=1", "see https://x.com/a?[masked] and www.foo.org/p?[masked]"),
    ("I live at SW1A 1AA", "I live at [postcode]"),
    ("postcode m1 1ae.", "postcode [postcode]."),
    ("ssn 123-45-6789", "ssn [id]"),
    ("NI number AB 12 34 56 C", "NI number [id]"),
    ("my ip is 192.168.0.1", "my ip is [ip]"),
    ("zip 90210-1234", "zip [postcode]"),
])
def test_identifiers_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "pain 7/10 for 3 weeks since 2024-05-12 at 10:30",
    "I'm 45, born 12.03.1979",
    "i had 2 kids and 3 dogs in 2019",
    "I looked at webmd.com and nhs.uk",
    "my back has hurt for 10 years, 5 days a week",
    "call 988 or text HOME to 741741, samaritans 116 123",
    "sleeping 4-5 hours, pain 8 out of 10",
    "",
])
def test_everyday_text_is_left_alone(text):
    assert mask(text) == text


def test_published_crisis_numbers_stay_readable_in_bot_replies_but_not_in_user_text():
    keep = published_numbers([], ["Clinic: 020 7946 0000"])
    reply = "You can call us on 020 7946 0000, or email help@clinic.example"
    assert mask(reply, keep) == "You can call us on 020 7946 0000, or email [email]"
    assert mask(reply) == "You can call us on [phone], or email [email]"
    assert mask("my number is 07700 900123", keep) == "my number is [phone]"


def test_crisis_lines_the_bot_sends_are_kept_readable():
    keep = published_numbers([*sorted((ROOT / "domain").glob("*.yml")), ROOT / "bot" / "safety" / "crisis_lines.yml"])
    assert "0477131114" in keep  # Lifeline Australia's text number, 10 digits
    reply = "Text Lifeline on 0477 13 11 14 or call 13 11 14."
    assert mask(reply, keep) == reply
    assert mask(reply) == "Text Lifeline on [phone] or call 13 11 14."
