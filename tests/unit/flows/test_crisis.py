"""The crisis replies rendered from crisis_lines.yml (one source for every number) and the region."""
import re
from pathlib import Path

import pytest
import yaml

from bot.flows.crisis import detect_region
from bot.safety import crisis_domain, resources
from bot.safety.dialogue_judge import first_line_regions
from bot.settings import ROOT


def test_region_what_they_say_beats_what_we_knew_beats_the_locale():
    assert detect_region("i'm in australia", {"locale": "en-GB"}, known="US") == "AU"
    assert detect_region("i want to die", {"locale": "en-GB"}, known="US") == "US"
    assert detect_region("i want to die", {"locale": "en-GB"}, known=None) == "GB"
    assert detect_region("i want to die", {"language_code": "en-ca"}, known=None) == "CA"
    assert detect_region("i want to die", {}, known=None) is None


def variations(name, rendered=None):
    """{region code or None (no condition): text} for one rendered response."""
    rendered = rendered or crisis_domain.render()
    out = {}
    for v in rendered["responses"][name]:
        code = v["condition"][0]["value"] if v.get("condition") else None
        out[code] = v["text"]
    return out


@pytest.mark.parametrize("region", [r for r in resources.load_crisis_lines() if r != "INTL"])
def test_the_first_reply_leads_with_the_regions_own_lines(region):
    text = variations("utter_crisis_first")[region]
    assert region in first_line_regions([{"text": text}])
    assert resources.shows_crisis_lines({"text": text})
    emergency = resources.lines_for(region).emergency_lines[0]
    assert f"(tel:{emergency.number})" in text  # the emergency number, one tap away


def test_an_unknown_region_gets_the_local_emergency_number_first_not_us_lines():
    text = variations("utter_crisis_first")[None]
    assert first_line_regions([{"text": text}]) == ("INTL",)
    assert text.index("local emergency number") < text.index("988")


def test_no_crisis_reply_has_a_blank_line_so_rest_keeps_it_one_message():
    for name, reply in crisis_domain.render()["responses"].items():
        for v in reply:
            assert "\n\n" not in v["text"], name


def test_every_crisis_reply_that_names_lines_shows_them_for_every_region():
    rendered = crisis_domain.render()
    for name, template in crisis_domain.load_replies().items():
        if "{short_lines}" in template["text"] or "{lines}" in template["text"]:
            for code, text in variations(name, rendered).items():
                assert resources.shows_crisis_lines({"text": text}), (name, code)


def test_an_edited_line_reaches_the_very_first_reply(tmp_path):
    edited = tmp_path / "crisis_lines.yml"
    text = (ROOT / "bot" / "safety" / "crisis_lines.yml").read_text()
    text = text.replace('number: "116123"\n        display: "116 123"', 'number: "116999"\n        display: "116 999"', 1)
    edited.write_text(text)
    resources.clear_cache()
    try:
        first = variations("utter_crisis_first", crisis_domain.render(lines_path=edited))["GB"]
    finally:
        resources.clear_cache()
    assert "116 999" in first and "(tel:116999)" in first and "116 123" not in first


def test_an_unknown_placeholder_is_refused(tmp_path):
    bad = tmp_path / "replies.yml"
    bad.write_text(yaml.safe_dump({"responses": {"utter_crisis_x": {"text": "call {hotline}"}}}))
    with pytest.raises(ValueError, match="hotline"):
        crisis_domain.load_replies(bad)


def test_the_training_domain_is_the_domain_files_plus_the_rendered_replies(tmp_path):
    target = crisis_domain.write_training_domain(tmp_path / "domain")
    linked = sorted(p.name for p in target.iterdir() if p.is_symlink())
    assert linked == sorted(p.name for p in (ROOT / "domain").glob("*.yml")) and len(linked) > 1
    assert all((target / name).resolve() == (ROOT / "domain" / name).resolve() for name in linked)
    (target / "old.yml").symlink_to(ROOT / "config.yml")  # a domain file that is gone must not train
    crisis_domain.write_training_domain(tmp_path / "domain")
    assert not (target / "old.yml").exists()
    rendered = yaml.safe_load((target / "crisis.yml").read_text())
    replies = crisis_domain.load_replies()
    with_lines = {n + crisis_domain.YOUTH_SUFFIX for n, r in replies.items()
                  if crisis_domain._PLACEHOLDER.search(r["text"])}
    assert set(rendered["responses"]) == set(replies) | with_lines  # the young-person twins of replies with lines
    hand_written = crisis_domain.domain_dict()["responses"]
    assert not set(hand_written) & set(rendered["responses"]), "a response is both hand-written and rendered"


# Crisis and emergency numbers a person could be shown. Any of them in what the bot says must
# come from crisis_lines.yml (rendered at training time), never be typed in by hand.
KNOWN_NUMBERS = ("911", "999", "112", "000", "988", "116 123", "116123", "741741", "85258", "13 11 14",
                 "131114", "50808", "686868", "1-800-273-8255")
# Detector patterns recognise a person naming a line ("i called 988"); they are never shown.
NOT_SHOWN = {ROOT / "bot" / "safety" / "patterns.py"}


def _strings_in_python(path: Path):
    """Every string literal of a module except docstrings (what code can send or show)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def _strings_in_yaml(data, where=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _strings_in_yaml(v, f"{where}/{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings_in_yaml(v, f"{where}[{i}]")
    elif isinstance(data, str):
        yield where, data


def test_no_crisis_or_emergency_number_is_typed_in_outside_crisis_lines_yml():
    found = []

    def scan(where, text):
        for number in KNOWN_NUMBERS:
            if re.search(r"(?<![\w.\-:/])" + re.escape(number) + r"(?![\w\-])", text):
                found.append(f"{where}: {number}")

    for path in (*sorted((ROOT / "domain").glob("*.yml")), ROOT / "bot" / "safety" / "crisis_replies.yml"):
        for where, text in _strings_in_yaml(yaml.safe_load(path.read_text())):
            scan(f"{path.name}{where}", text)
    for path in [p for d in ("bot", "actions") for p in (ROOT / d).rglob("*.py")]:
        if path not in NOT_SHOWN:
            for lineno, text in _strings_in_python(path):
                scan(f"{path.relative_to(ROOT)}:{lineno}", text)
    assert found == []


def test_young_people_get_their_lines_first_and_adults_never_see_them():
    responses = crisis_domain.render()["responses"]
    table = resources.load_crisis_lines()
    for name in ("utter_crisis_first", "utter_crisis_confirmed", "utter_crisis_immediate", "utter_crisis_lines_again"):
        for variation in responses[name + crisis_domain.YOUTH_SUFFIX]:
            code = variation["condition"][0]["value"] if variation.get("condition") else resources.FALLBACK_REGION
            youth = table[code].youth_lines
            if youth:
                assert youth[0].display in variation["text"], (name, code)
                assert variation["text"].index(youth[0].display) < min(
                    variation["text"].find(x.display) for x in table[code].lines
                    if x.display in variation["text"] and not x.emergency)  # the emergency ask may lead
        for variation in responses[name]:
            code = variation["condition"][0]["value"] if variation.get("condition") else resources.FALLBACK_REGION
            assert all(x.display not in variation["text"] for x in table[code].youth_lines
                       if x.display not in {y.display for y in table[code].lines}), (name, code)


@pytest.mark.parametrize("text,youth", [
    ("im 15 and i want to die", True), ("i’m 14 years old", True), ("i'm in year 10", True),
    ("im a teenager and cant cope", True), ("not 18 yet", True), ("im in 10th grade", True),
    ("im 15 minutes from home", None), ("i am 17 weeks pregnant", None), ("my 16 year old wants to die", None),
    ("my son is 15 years old", None), ("i took 15 pills", None), ("i slept 15 hours", None),
    ("im 34", False), ("i'm 19 and tired of everything", False)])
def test_what_a_person_says_about_their_age(text, youth):
    from bot.flows.crisis import detect_youth
    assert detect_youth(text) is youth
