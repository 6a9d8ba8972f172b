"""Mask personal identifiers in conversation text before staff see or export it.

What is masked: e-mail addresses (also "name at gmail dot com"), the query
string and fragment of URLs, IP addresses, card numbers (13-19 digits passing the Luhn check; other runs of 16+ digits too),
US SSNs and UK National Insurance numbers, phone numbers (7-15 digits), UK
postcodes and US ZIP+4 codes. Deliberately kept: short numbers people use about
their pain ("7/10", "3 weeks", "2 years"), dates and times.

Bot replies go through the same masker with `keep`: the phone numbers Unknot
itself publishes (crisis lines, the clinic contact) stay readable, so a
reviewer can check the person was given the right line, while anything a reply
echoed back from the person is still masked. User text is never exempt.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import FrozenSet, Iterable

_SEP_DOT = r"(?:\.|\s*\(dot\)\s*|\s*\[dot\]\s*|\s+dot\s+)"
_TLD = r"(?:com|org|net|edu|gov|io|co|uk|ie|au|nz|ca|de|fr|info|me|us)\b"

URL_QUERY = re.compile(r"(?P<base>(?:https?://|www\.)[^\s?#<>\"']+)(?P<rest>[?#][^\s<>\"']*)", re.I)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# "jo.bloggs at gmail dot com", "jo(at)example.org", "jo [at] example [dot] co [dot] uk"
EMAIL_SPELLED = re.compile(
    r"\b[A-Za-z0-9._%+-]+\s*(?:\(at\)|\[at\])\s*[A-Za-z0-9-]+(?:" + _SEP_DOT + r"[A-Za-z0-9-]+)*" + _SEP_DOT + _TLD
    + r"|\b[A-Za-z0-9._%+-]+\s+at\s+[A-Za-z0-9-]+(?:\s+dot\s+[A-Za-z0-9-]+)*\s+dot\s+" + _TLD, re.I)
IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
UK_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)
PHONE = re.compile(r"(?<![\w/.:])(?:\+|00)?\(?\d[\d\s().-]{4,}\d(?![\w/:]|\.\d)")
UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|[A-Z]{1,2}\d)\s*\d[A-Z]{2}\b", re.I)
ZIP4 = re.compile(r"\b\d{5}-\d{4}\b")
_DATE_LIKE = re.compile(r"^\d{4}[-.]\d{1,2}[-.]\d{1,2}$|^\d{1,2}[-.]\d{1,2}[-.]\d{2,4}$")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone(match: "re.Match[str]", keep: FrozenSet[str]) -> str:
    raw = match.group(0)
    found = digits(raw)
    if not 7 <= len(found) <= 15 or _DATE_LIKE.match(raw.strip()) or found in keep:
        return raw
    return "[phone]"


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card(match: "re.Match[str]", keep: FrozenSet[str]) -> str:
    found = digits(match.group(0))
    if found in keep:
        return match.group(0)
    if luhn_ok(found):
        return "[card]"
    # Not a card number: up to 15 digits is left to the phone rule, longer is masked.
    return "[number]" if len(found) > 15 else match.group(0)


def mask(text: str, keep: FrozenSet[str] = frozenset()) -> str:
    """Return `text` with identifiers replaced by [email], [phone], ... placeholders.
    `keep`: digit strings of published numbers (crisis lines) left as they are."""
    if not text:
        return text
    text = URL_QUERY.sub(lambda m: m.group("base") + "?[masked]", text)
    text = EMAIL.sub("[email]", text)
    text = EMAIL_SPELLED.sub("[email]", text)
    text = IPV4.sub("[ip]", text)
    text = SSN.sub("[id]", text)
    text = CARD.sub(lambda m: _card(m, keep), text)
    text = UK_NINO.sub("[id]", text)
    text = ZIP4.sub("[postcode]", text)
    text = PHONE.sub(lambda m: _phone(m, keep), text)
    text = UK_POSTCODE.sub("[postcode]", text)
    return text


def published_numbers(paths: Iterable[Path], extra: Iterable[str] = ()) -> FrozenSet[str]:
    """Digit strings of every phone-like number in the bot's own content files."""
    found = set()
    for path in paths:
        try:
            text = path.read_text()
        except OSError:
            continue
        for match in PHONE.finditer(text):
            found.add(digits(match.group(0)))
    for value in extra:
        for match in PHONE.finditer(value or ""):
            found.add(digits(match.group(0)))
    return frozenset(d for d in found if len(d) >= 7)
