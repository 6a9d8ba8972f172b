"""The person's region and age for crisis lines, and the regional lines as text (action_regional_lines).

Lines come from `bot.safety.resources` (crisis_lines.yml, the one file staff edit).
The crisis replies themselves are domain responses rendered from that file
(bot/safety/crisis_domain.py); SafetyPolicy picks the region with `detect_region`.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from bot.content import REGIONAL_LINES_HEADING
from bot.safety import resources
from bot.safety.crisis_domain import full_lines

# Metadata keys a channel may use for the person's locale.
LOCALE_KEYS = ("locale", "language_code", "language")


def detect_region(text: Optional[str], metadata: Mapping[str, Any], known: Optional[str]) -> Optional[str]:
    """What the person says beats what we knew, which beats the channel's locale."""
    said = resources.region_from_text(text or "")
    if said:
        return said
    if known:
        return known
    for key in LOCALE_KEYS:
        value = metadata.get(key)
        if isinstance(value, str) and value:
            region = resources.region_from_locale(value)
            if region:
                return region
    return None


# What a person says about their own age. An age is a number after "i'm"/"i am"/"im" that no
# unit follows ("i'm 15 minutes away", "17 weeks pregnant"), or "15 years old", "15yo"; school
# years and grades below the last year; or the words people use ("i'm a teen", "underage").
_UNITS = (r"(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|wks?|months?|mins|secs?|seconds?|miles?|mi|km|k|kg|kilos?|"
          r"lbs?|pounds?|stones?|st|floors?|percent|%|times|pills?|tablets?|mg|ml|feet|ft|foot|metres?|meters?|m|"
          r"cm|inch(?:es)?|in|am|pm|o'?clock|dollars?|quid|euros?|bucks|points?|out of|of|x|steps?|ish|people|kids?|"
          r"sons?|daughters?|children|grandkids)")
_AGE = re.compile(
    r"\b(?:i'?m|i am|im|i turn(?:ed)?|i'll be|i will be|just turned|age|aged)\s+(?:only\s+|just\s+|like\s+)?(\d{1,2})\b"
    r"(?!\s*(?:-|\+|/|\.\d|,\d))(?!\s*" + _UNITS + r"\b)"
    r"|\b(\d{1,2})\s*(?:years? old|yrs? old|y/?o|yrs|year old)\b(?![^.?!]{0,12}\b(?:son|daughter|kid|child|brother|"
    r"sister|friend|nephew|niece|cousin|dog|cat)\b)", re.IGNORECASE)
_AGE_OF_OTHER = re.compile(r"\b(?:my|our|his|her|their|a|an|the)\s+(\d{1,2})\s*(?:-| )?(?:year|yr)", re.IGNORECASE)
_YOUTH_WORDS = re.compile(
    r"\b(?:i'?m|i am|im)\s+(?:a\s+|only\s+a\s+|just\s+a\s+|still\s+a\s+)?(?:teen(?:ager)?|minor|kid|child|"
    r"underage|under 18|under eighteen|young teen|schoolgirl|schoolboy|in (?:middle|high|secondary|junior high) school|"
    r"in (?:year|yr) (?:[5-9]|1[0-2])|in (?:grade )?(?:[5-9]|1[01])(?:th)? grade|in grade (?:[5-9]|1[01]))\b"
    r"|\bnot 18 yet\b|\bnot even 18\b|\btoo young\b[^.?!]{0,20}\b(?:to|for)\b[^.?!]{0,10}\b(?:call|therapy|doctor|gp)\b",
    re.IGNORECASE)

_SOMEONE_ELSE = re.compile(r"\b(?:my|his|her|their|our|he|she|they|he's|she's|son|daughter|kid|child|friend|"
                           r"brother|sister|boyfriend|girlfriend|nephew|niece|cousin)\b", re.IGNORECASE)


def detect_youth(text: Optional[str]) -> Optional[bool]:
    """True when the person says they are under 18, False when they say an adult age, else None."""
    text = (text or "").replace("\u2019", "'")
    if _YOUTH_WORDS.search(text):
        return True
    for match in _AGE.finditer(text):
        age = int(match.group(1) or match.group(2))
        if _AGE_OF_OTHER.search(text[max(0, match.start() - 6):match.end() + 10]):
            continue
        if match.group(2) and _SOMEONE_ELSE.search(text[max(0, match.start() - 25):match.start()]):
            continue  # "my son is 15 years old"
        if 8 <= age < 18:
            return True
        if 18 <= age <= 99:
            return False
    return None


def regional_lines_text(region: Optional[str], youth: bool = False) -> str:
    """"Lines for Australia: ..." in the same rows as the crisis replies (crisis_domain.full_lines:
    one formatter for every list of lines the bot shows), tap-to-call/text links included; the
    Telegram channel turns them into plain numbers. For a person who said they are under 18, the
    lines for young people first."""
    lines = resources.lines_for(region)
    return REGIONAL_LINES_HEADING.format(region=lines.name) + "\n" + full_lines(lines, youth)
