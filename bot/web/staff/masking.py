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

# Every run a pattern can match is bounded ({1,64}, not +), so each start
# position costs a bounded amount of work and a whole text is masked in linear
# time: an unbounded `[...]+@` before a 60,000-character word without "@" made
# the regex engine rescan the rest of the word from every position (quadratic),
# and the `re` module holds the GIL while it does, so the whole web app stopped.
# The bounds are the longest real value (an e-mail local part is at most 64
# characters, a DNS label 63, a phone number 15 digits with separators).
_LOCAL = r"[A-Za-z0-9._%+-]{1,64}"
_LABEL = r"[A-Za-z0-9-]{1,63}"
_SEP_DOT = r"(?:\.|\s{0,3}\(dot\)\s{0,3}|\s{0,3}\[dot\]\s{0,3}|\s{1,3}dot\s{1,3})"
_TLD = r"(?:com|org|net|edu|gov|io|co|uk|ie|au|nz|ca|de|fr|info|me|us)\b"

# URLs are found token by token (_mask_url_queries), not by one regex: any
# pattern for "a URL, then its query" rescans a long token from every URL start in it.
_TOKEN = re.compile(r"[^\s<>\"']+")
_URL_START = re.compile(r"https?://|www\.", re.I)
_QUERY_START = re.compile(r"[?#]")
EMAIL = re.compile(_LOCAL + "@" + _LABEL + r"(?:\." + _LABEL + "){1,10}")
# "jo.bloggs at gmail dot com", "jo(at)example.org", "jo [at] example [dot] co [dot] uk"
# Starts only where a run of address characters starts (not at every "." inside one).
_RUN_START = r"(?<![A-Za-z0-9._%+-])\b"
_SPACED_DOT = r"\s{1,3}dot\s{1,3}"
EMAIL_SPELLED = re.compile(
    _RUN_START + _LOCAL + r"\s{0,3}(?:\(at\)|\[at\])\s{0,3}"
    + _LABEL + "(?:" + _SEP_DOT + _LABEL + "){0,8}" + _SEP_DOT + _TLD
    + "|" + _RUN_START + _LOCAL + r"\s{1,3}at\s{1,3}"
    + _LABEL + "(?:" + _SPACED_DOT + _LABEL + "){0,8}" + _SPACED_DOT + _TLD,
    re.I)
IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
UK_NINO = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.I)
# 40 characters hold 15 digits with a separator after each; a longer run of digits and spaces
# is read in 40-character pieces, each masked if it has 7-15 digits.
PHONE = re.compile(r"(?<![\w/.:])(?:\+|00)?\(?\d[\d\s().-]{4,40}\d(?![\w/:]|\.\d)")
UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|[A-Z]{1,2}\d)\s{0,2}\d[A-Z]{2}\b", re.I)
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


def _mask_url_queries(text: str) -> str:
    """Replace the query string and fragment of every URL with "?[masked]"."""
    if "?" not in text and "#" not in text:
        return text
    out, last = [], 0
    for token in _TOKEN.finditer(text):
        word = token.group(0)
        start = _URL_START.search(word)
        if start is None:
            continue
        query = _QUERY_START.search(word, start.end())
        # the part before the query is never empty ("http://?x" is no URL)
        while query is not None and start is not None and query.start() == start.end():
            start = _URL_START.search(word, query.end())
            query = _QUERY_START.search(word, start.end()) if start else None
        if query is None:
            continue
        out.append(text[last:token.start() + query.start()])
        out.append("?[masked]")
        last = token.end()
    out.append(text[last:])
    return "".join(out)


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
    text = _mask_url_queries(text)
    if "@" in text:
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


# Characters no reviewer needs and some readers choke on: NUL and the other C0/C1
# controls (tab and newlines stay), and lone surrogates, which cannot be encoded
# as UTF-8 at all (one would make the page or the export fail).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# The longest text one identifier can match (a URL's part before its query): a cut
# further back than this from the end of what was masked cannot split one.
MAX_MATCH = 2100


def clean(text: str) -> str:
    """`text` without control characters and with lone surrogates as U+FFFD."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def mask_capped(text: str, cap: int, keep: FrozenSet[str] = frozenset(), more: bool = False) -> "tuple[str, bool]":
    """(masked text of at most `cap` characters, whether it was cut).

    Only the first cap + 2 * MAX_MATCH characters are masked; when the text goes
    on (or `more`: the caller already cut it), the last MAX_MATCH characters of
    the masked part are dropped too, so an identifier a cut went through is never
    shown half unmasked."""
    if len(text) <= cap and not more:
        return mask(text, keep), False
    masked = mask(text[:cap + 2 * MAX_MATCH], keep)
    if more or len(text) > cap + 2 * MAX_MATCH:
        masked = masked[:max(0, len(masked) - MAX_MATCH)]
    return masked[:cap], True


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
