"""Crisis lines: the data file, fallback, locale/text parsing, links and text."""
import re
import textwrap

import pytest

from bot.safety import resources as R
from bot.safety.resources import (
    CrisisLine,
    CrisisLinesError,
    format_lines_text,
    lines_for,
    load_crisis_lines,
    region_from_locale,
    region_from_text,
    sms_link,
    tel_link,
)

REGIONS = ("US", "CA", "GB", "IE", "AU", "INTL")


# ---------------------------------------------------------------- the shipped file
def test_every_region_loads_with_lines():
    table = load_crisis_lines()
    assert set(table) == set(REGIONS)
    for code, region in table.items():
        assert region.region == code
        assert region.name
        assert len(region.lines) >= 1
        for line in region.lines:
            assert line.kind in R.KINDS
            assert line.number is None or re.fullmatch(r"\d+", line.number)
            assert line.display


def _numbers(code):
    return {(line.name, line.kind, line.number, line.keyword) for line in lines_for(code).lines}


def test_us_lines():
    numbers = _numbers("US")
    assert ("988 Suicide & Crisis Lifeline", "call", "988", None) in numbers
    assert ("988 Suicide & Crisis Lifeline", "text", "988", None) in numbers
    assert ("Crisis Text Line", "text", "741741", "HOME") in numbers


def test_ca_lines():
    numbers = _numbers("CA")
    assert ("9-8-8 Suicide Crisis Helpline", "call", "988", None) in numbers
    assert ("9-8-8 Suicide Crisis Helpline", "text", "988", None) in numbers
    assert ("Kids Help Phone", "text", "686868", "CONNECT") in numbers


def test_gb_lines():
    numbers = _numbers("GB")
    assert ("Samaritans", "call", "116123", None) in numbers
    assert ("Shout", "text", "85258", "SHOUT") in numbers
    assert [line.number for line in lines_for("GB").emergency_lines] == ["999"]


def test_ie_lines():
    numbers = _numbers("IE")
    assert ("Samaritans", "call", "116123", None) in numbers
    assert ("Text About It", "text", "50808", "HELLO") in numbers
    emergency = lines_for("IE").emergency_lines
    assert emergency[0].number == "112" and "999" in emergency[0].display


def test_au_lines():
    numbers = _numbers("AU")
    assert ("Lifeline", "call", "131114", None) in numbers
    assert ("Lifeline", "text", "0477131114", None) in numbers
    assert [line.number for line in lines_for("AU").emergency_lines] == ["000"]


def test_international_fallback_lines():
    intl = lines_for("INTL")
    text = format_lines_text(intl)
    assert "local emergency" in text
    assert "findahelpline.com" in text
    assert "988" in text and "116 123" in text
    assert any(line.url == "https://findahelpline.com" for line in intl.lines)


@pytest.mark.parametrize("region, expected", [
    (None, "INTL"), ("", "INTL"), ("xx", "INTL"), ("DE", "INTL"), ("nonsense", "INTL"),
    ("gb", "GB"), ("UK", "GB"), (" us ", "US"), ("ie", "IE"), ("AU", "AU"), ("ca", "CA"),
])
def test_lines_for_and_fallback(region, expected):
    assert lines_for(region).region == expected


def test_loading_is_cached_and_can_be_cleared():
    first = load_crisis_lines()
    assert load_crisis_lines()["GB"] is first["GB"]
    R.clear_cache()
    assert load_crisis_lines()["GB"] == first["GB"]


# ---------------------------------------------------------------- locale and text
@pytest.mark.parametrize("locale, expected", [
    ("en-GB", "GB"), ("en_US", "US"), ("en-IE", "IE"), ("en-AU", "AU"), ("fr-CA", "CA"),
    ("en-UK", "GB"), ("en", None), ("en-US.UTF-8", "US"), ("EN-gb", "GB"), ("de-DE", None),
    ("es-419", None), (None, None), ("", None), ("zh-Hant-TW", None), ("en_CA@euro", "CA"),
])
def test_region_from_locale(locale, expected):
    assert region_from_locale(locale) == expected


@pytest.mark.parametrize("text, expected", [
    ("i'm in the uk", "GB"),
    ("I\u2019m in the UK", "GB"),
    ("im in canada", "CA"),
    ("australia", "AU"),
    ("ireland", "IE"),
    ("i live in the states", "US"),
    ("i live in the usa", "US"),
    ("i live in america", "US"),
    ("england", "GB"),
    ("i'm from scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("new south wales", "AU"),
    ("british columbia", "CA"),
    ("i live in south america", None),
    ("sorry, i write in english. i am polish student", "INTL"),
    ("my english is not so good, i'm from india", "INTL"),
    ("i'm german but i live in manchester", "GB"),
    ("i speak english at home", None),
    ("i am from poland, living in leeds", "GB"),
    ("originally from canada but i live in the usa now", "US"),
    ("from dublin", "IE"),
    ("give us a call", None),
    ("i'm fine thanks", None),
    ("", None),
    (None, None),
])
def test_region_from_text(text, expected):
    assert region_from_text(text) == expected


# ---------------------------------------------------------------- links and text
def test_links():
    call = CrisisLine(name="Samaritans", kind="call", display="116 123", number="116123")
    text = CrisisLine(name="Crisis Text Line", kind="text", display="741741", number="741741",
                      keyword="HOME")
    plain_text = CrisisLine(name="988", kind="text", display="988", number="988")
    web = CrisisLine(name="Find A Helpline", kind="web", display="findahelpline.com",
                     url="https://findahelpline.com")
    assert tel_link(call) == "tel:116123"
    assert sms_link(call) is None
    assert sms_link(text) == "sms:741741?&body=HOME"
    assert tel_link(text) is None
    assert sms_link(plain_text) == "sms:988"
    assert tel_link(web) is None and sms_link(web) is None
    assert R.link_for(web) == "https://findahelpline.com"


def test_every_call_and_text_line_has_a_link():
    for code in REGIONS:
        for line in lines_for(code).lines:
            if line.kind in ("call", "text") and line.number:
                link = R.link_for(line)
                assert link and link.startswith(("tel:", "sms:")), line


def test_format_lines_text_us():
    text = format_lines_text(lines_for("US"))
    assert text.splitlines() == [
        "- **988 Suicide & Crisis Lifeline**: call or text 988 (24/7)",
        "- **Crisis Text Line**: text HOME to 741741 (24/7)",
        "- **Emergency services**: call 911 if you are in immediate danger",
    ]


def test_format_lines_text_gb_plain():
    text = format_lines_text(lines_for("GB"), bullet="", bold=False)
    assert text.splitlines() == [
        "Samaritans: call 116 123 (free, 24/7)",
        "Shout: text SHOUT to 85258 (24/7)",
        "Emergency services: call 999 if you are in immediate danger",
    ]


def test_format_is_one_line_per_service_for_every_region():
    for code in REGIONS:
        region = lines_for(code)
        rows = format_lines_text(region).splitlines()
        assert 1 <= len(rows) <= len(region.lines)
        assert all(row.startswith("- **") for row in rows)


# ---------------------------------------------------------------- validation
VALID = """
regions:
  GB:
    name: United Kingdom
    lines:
      - {name: Samaritans, kind: call, number: "116123", display: "116 123", source: "https://example.org",
         checked: unverified}
  INTL:
    name: International
    lines:
      - {name: Local emergency services, kind: call, display: local number, emergency: true,
         source: "https://example.org", checked: 2026-12-01}
"""


def _write(tmp_path, text):
    path = tmp_path / "lines.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_custom_file(tmp_path):
    table = load_crisis_lines(_write(tmp_path, VALID))
    assert set(table) == {"GB", "INTL"}
    assert lines_for("US", path=_write(tmp_path, VALID)).region == "INTL"


@pytest.mark.parametrize("bad, message", [
    (VALID.replace("regions:", "regionz:"), "unknown key"),
    (VALID.replace("name: United Kingdom", "name: United Kingdom\n    colour: red"),
     "unknown key"),
    (VALID.replace('display: "116 123",', 'display: "116 123", fax: "1",'), "unknown key"),
    (VALID.replace('number: "116123"', 'number: "116 123"'), "digits only"),
    (VALID.replace('number: "116123"', 'number: "+44116123"'), "digits only"),
    (VALID.replace('number: "116123"', "number: 116123"), "quotes"),
    (VALID.replace('number: "116123", ', ""), "needs a 'number'"),
    (VALID.replace("kind: call, number", "kind: fax, number"), "kind must be"),
    (VALID.replace('display: "116 123",', 'display: "116 123", keyword: HOME,'),
     "only for text"),
    (VALID.replace(', source: "https://example.org",\n         checked: unverified}', "}"), "'source'"),
    (VALID.replace("checked: unverified", "checked: last week"), "'checked'"),
    ("""
regions:
  GB:
    name: United Kingdom
    lines: []
  INTL:
    name: International
    lines:
      - {name: x, kind: web, display: x, url: "https://example.org"}
""", "at least one line"),
    (VALID.split("  INTL:")[0], "INTL"),
    (VALID.replace("  GB:", "  gb:"), "two capital letters"),
    ("- just a list", "mapping"),
    ("regions: [", "not valid YAML"),
])
def test_invalid_files_are_rejected_with_a_clear_error(tmp_path, bad, message):
    with pytest.raises(CrisisLinesError, match=re.escape(message)):
        load_crisis_lines(_write(tmp_path, bad))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CrisisLinesError, match="cannot read"):
        load_crisis_lines(tmp_path / "missing.yml")


@pytest.mark.parametrize("text, region", [
    ("im canadian", "CA"),
    ("i'm irish", "IE"),
    ("i'm northern irish", "GB"),
    ("those numbers are american, i'm in australia", "AU"),   # where they are beats a bare mention
    ("i'm an american living in the uk", "GB"),
    ("i'm not in the us, i'm in the uk", "GB"),
    ("i'm overseas, not in america", "INTL"),
    ("i'm in new zealand", "INTL"),                          # no list of its own: international
    ("i am not in the mood", None),
])
def test_region_from_what_the_person_says_later(text, region):
    assert R.region_from_text(text) == region


# ---------------------------------------------------------------- the one judge
def test_the_judge_counts_any_regions_line_in_text_or_buttons():
    from bot.safety.resources import shows_crisis_lines

    assert shows_crisis_lines({"text": "- **Samaritans**: call 116 123 (24/7)"})
    assert shows_crisis_lines({"text": "Lifeline: 13 11 14"})
    assert shows_crisis_lines({"text": "Here are lines", "buttons": [{"title": "Call", "payload": "tel:988"}]})
    assert shows_crisis_lines({"text": "see findahelpline.com"})


def test_the_judge_ignores_the_welcome_emergency_numbers_and_lookalike_numbers():
    from bot.safety.resources import shows_crisis_lines

    assert not shows_crisis_lines({"text": "In an emergency call your local emergency number (911 in the US, "
                                            "999 in the UK, 112 in Ireland, 000 in Australia)."})
    assert not shows_crisis_lines({"text": "try 10,000 steps or 19880 metres"})
    assert not shows_crisis_lines({"text": "Sorry, I didn't get that.",
                                   "buttons": [{"title": "Crisis lines", "payload": "/request_crisis_resources"}]})


def test_the_judge_follows_the_crisis_lines_file(tmp_path):
    from bot.safety.resources import shows_crisis_lines

    custom = tmp_path / "lines.yml"
    custom.write_text("regions:\n  INTL:\n    name: Anywhere\n    lines:\n"
                      "      - {name: Test Line, kind: call, number: '5550123', display: '555 0123',"
                      " source: 'https://example.org', checked: unverified}\n")
    assert shows_crisis_lines({"text": "call 555 0123"}, path=custom)
    assert not shows_crisis_lines({"text": "call 116 123"}, path=custom)
