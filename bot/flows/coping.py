"""The coping-steps form: understanding the answers and choosing tips.

Pure logic, no Rasa import. `actions/coping.py` adapts it to rasa-sdk.
Parsers return None when they cannot understand an answer, so the form can ask
again kindly instead of storing nonsense.
"""
from __future__ import annotations

import re
from typing import List, Optional

# ----------------------------------------------------------------- location
LOCATIONS = {  # checked in order; the more specific phrases first
    "lower back": ("lower", "low back", "lumbar", "bottom of my back", "base of my spine", "hip", "hips",
                   "tailbone", "sciatic", "buttock", "lowerback", "lower bak", "small of my back"),
    "upper back": ("upper", "shoulder blade", "shoulderblade", "between my shoulders", "thoracic",
                   "middle of my back", "mid back", "midback", "middle back", "rib"),
    "neck and shoulders": ("neck", "shoulder", "trap", "top of my back"),
    "all over": ("all over", "everywhere", "whole back", "entire back", "whole of my back", "all of it",
                 "all of my back", "whole thing"),
}


def parse_location(text: Optional[str]) -> Optional[str]:
    """Map a free-text answer to one of the LOCATIONS keys; None if unclear."""
    if not text:
        return None
    low = " ".join(str(text).lower().split())
    found = []
    for name, words in LOCATIONS.items():
        hits = [w for w in words if w in low]
        if hits:
            found.append(name)
            for w in hits:  # "shoulder blade" must not also count as "shoulder"
                low = low.replace(w, " ")
    if "all over" in found or len(found) > 2:
        return "all over"
    if found:
        return " and ".join(found)
    if re.search(r"\b(back|spine|bak)\b", low):
        return "back (unspecified)"
    return None


# ----------------------------------------------------------------- duration
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "couple": 2, "a couple": 2, "three": 3, "few": 3, "a few": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "several": 4,
    "eleven": 11, "twelve": 12,
}
_UNIT_DAYS = {"hour": 1 / 24, "day": 1, "night": 1, "week": 7, "wk": 7, "month": 30, "year": 365, "yr": 365}
_DURATION = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|a couple|a few|couple|few|several|an?|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|eleven|twelve)?\s*(?:of\s+)?(?P<unit>hour|day|night|week|wk|month|year|yr)s?\b"
)

ACUTE = "days"          # under about two weeks
SUBACUTE = "weeks"      # two weeks to three months
CHRONIC = "months"      # three months or more


def parse_duration_days(text: Optional[str]) -> Optional[float]:
    """Roughly how many days the pain has lasted, or None if the answer is unclear."""
    if not text:
        return None
    low = " ".join(str(text).lower().split())
    if re.search(r"\b(today|this morning|tonight|yesterday|last night)\b", low):
        return 1.0
    if re.search(r"\b(ages|forever|years and years|as long as i can remember|always)\b", low):
        return 365.0
    best: Optional[float] = None
    for match in _DURATION.finditer(low):
        num = match.group("num")
        if num is None:
            count = 1.0
        elif num[0].isdigit():
            count = float(num)
        else:
            count = float(_NUMBER_WORDS.get(num, 1))
        days = count * _UNIT_DAYS[match.group("unit")]
        best = days if best is None else max(best, days)
    if best is None:
        since = re.search(r"\bsince (last )?(week|month|year|christmas|summer|winter|spring|autumn|fall)\b", low)
        if since:
            return {"week": 7.0, "month": 30.0}.get(since.group(2), 180.0)
    return best


def duration_band(days: float) -> str:
    if days < 14:
        return ACUTE
    if days < 90:
        return SUBACUTE
    return CHRONIC


def parse_duration(text: Optional[str]) -> Optional[str]:
    days = parse_duration_days(text)
    return None if days is None or days < 0 else duration_band(days)


# ----------------------------------------------------------------- severity
_SEVERITY_WORDS = {
    "zero": 0, "none": 0, "no pain": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}


def parse_severity(value: object) -> Optional[float]:
    """A 0–10 pain score from "7", "7/10", "about a six", 6.5; None if out of range or unclear."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if 0 <= number <= 10 else None
    low = " ".join(str(value).lower().split())
    match = re.search(r"(-?\d+(?:[.,]\d+)?)\s*(?:/|out of)?\s*(\d+)?", low)
    if match:
        number = float(match.group(1).replace(",", "."))
        scale = match.group(2)
        if scale and scale not in ("10",):
            return None
        return number if 0 <= number <= 10 else None
    words = [w for w in _SEVERITY_WORDS if re.search(rf"\b{w}\b", low)]
    if len(words) == 1:
        return float(_SEVERITY_WORDS[words[0]])
    return None


# -------------------------------------------------------------------- tips
SEVERE = 7


def choose_tips(location: Optional[str], duration: Optional[str], severity: Optional[float],
                red_flag: Optional[bool]) -> List[str]:
    """Response names of the tips that fit the answers, most relevant first.

    A red flag replaces the tips with urgent-care advice; severe pain puts
    "get it looked at soon" first and holds back exercise; long-lasting pain
    puts professional help and therapy near the top.
    """
    if red_flag:
        return ["utter_red_flag_urgent", "utter_tip_relaxation"]
    tips: List[str] = []
    severe = severity is not None and severity >= SEVERE
    if severe:
        tips.append("utter_tip_severe_pain")
    tips.append("utter_tip_relaxation")
    if location == "neck and shoulders" or location == "upper back":
        tips.append("utter_tip_posture")
        tips.append("utter_tip_stretches")
    else:
        tips.append("utter_tip_stretches")
        tips.append("utter_tip_posture")
    if not severe:
        tips.append("utter_tip_exercise")
    tips.append("utter_tip_sleep")
    tips.append("utter_tip_massage_physio")
    tips.append("utter_tip_pain_relief")
    tips.append("utter_tip_therapy")
    if duration in (SUBACUTE, CHRONIC) or severe:
        # move professional help up: it should not be the last thing read
        tips.insert(1 if severe else 0, "utter_tip_see_professional")
    else:
        tips.append("utter_tip_see_professional")
    return tips
