"""Crisis lines per region, loaded from ``crisis_lines.yml`` (edited by clinic staff).

    >>> lines = lines_for(region_from_locale("en-GB"))
    >>> print(format_lines_text(lines))          # doctest: +SKIP
    - **Samaritans**: call 116 123 (free, 24/7)
    ...

The file is validated on load: unknown keys, a region without lines, or a number that is
not plain digits raise :class:`CrisisLinesError` with the place of the mistake, so a bad
edit fails loudly at start-up and in the tests instead of in front of someone in crisis.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote

import yaml

DEFAULT_PATH = Path(__file__).with_name("crisis_lines.yml")
FALLBACK_REGION = "INTL"
KINDS = ("call", "text", "chat", "web")
REGION_ALIASES = {"UK": "GB"}

_LINE_KEYS = {"name", "kind", "number", "display", "keyword", "hours", "url", "emergency", "source", "checked"}
_REGION_KEYS = {"name", "lines", "emergency_place", "youth_lines"}
DEFAULT_EMERGENCY_PLACE = "emergency department"
_TOP_KEYS = {"regions"}


class CrisisLinesError(ValueError):
    """The crisis-lines file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class CrisisLine:
    name: str
    kind: str
    display: str
    number: Optional[str] = None
    keyword: Optional[str] = None
    hours: Optional[str] = None
    url: Optional[str] = None
    emergency: bool = False
    source: str = ""
    checked: str = "unverified"


@dataclass(frozen=True)
class RegionLines:
    region: str
    name: str
    lines: Tuple[CrisisLine, ...]
    emergency_place: str = DEFAULT_EMERGENCY_PLACE
    # shown first, before `lines`, to a person who said they are under 18 (crisis replies only)
    youth_lines: Tuple[CrisisLine, ...] = ()

    @property
    def emergency_lines(self) -> Tuple[CrisisLine, ...]:
        return tuple(line for line in self.lines if line.emergency)


# ---------------------------------------------------------------- loading
def load_crisis_lines(path: Union[str, Path, None] = None) -> Dict[str, RegionLines]:
    """All regions from the file (cached per path). Raises CrisisLinesError if invalid."""
    resolved = Path(path).resolve() if path is not None else DEFAULT_PATH.resolve()
    return dict(_load_cached(str(resolved)))


def clear_cache() -> None:
    """Forget loaded files (e.g. after staff edited the YAML)."""
    _load_cached.cache_clear()


@lru_cache(maxsize=8)
def _load_cached(path: str) -> Mapping[str, RegionLines]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise CrisisLinesError(f"{path}: cannot read crisis lines: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CrisisLinesError(f"{path}: not valid YAML: {exc}") from exc
    return parse_crisis_lines(data, source=path)


def parse_crisis_lines(data: Any, source: str = "crisis lines") -> Dict[str, RegionLines]:
    """Validate already-parsed YAML data and build the region table."""
    if not isinstance(data, dict):
        raise CrisisLinesError(f"{source}: the file must be a mapping with a 'regions' key")
    _reject_unknown(data, _TOP_KEYS, source)
    regions = data.get("regions")
    if not isinstance(regions, dict) or not regions:
        raise CrisisLinesError(f"{source}: 'regions' must be a non-empty mapping")
    table: Dict[str, RegionLines] = {}
    for code, block in regions.items():
        where = f"{source}: region {code!r}"
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}|INTL", code):
            raise CrisisLinesError(f"{where}: region codes are two capital letters or INTL")
        if not isinstance(block, dict):
            raise CrisisLinesError(f"{where}: must be a mapping with 'name' and 'lines'")
        _reject_unknown(block, _REGION_KEYS, where)
        name = block.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CrisisLinesError(f"{where}: 'name' is required")
        raw_lines = block.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise CrisisLinesError(f"{where}: needs at least one line under 'lines'")
        lines = tuple(_parse_line(raw, f"{where}, line {i + 1}")
                      for i, raw in enumerate(raw_lines))
        raw_youth = block.get("youth_lines", [])
        if not isinstance(raw_youth, list):
            raise CrisisLinesError(f"{where}: 'youth_lines' must be a list of lines")
        youth = tuple(_parse_line(raw, f"{where}, youth line {i + 1}") for i, raw in enumerate(raw_youth))
        place = block.get("emergency_place", DEFAULT_EMERGENCY_PLACE)
        if not isinstance(place, str) or not place.strip():
            raise CrisisLinesError(f"{where}: 'emergency_place' must be text, e.g. \"A&E\"")
        table[code] = RegionLines(region=code, name=name.strip(), lines=lines, emergency_place=place.strip(),
                                  youth_lines=youth)
    if FALLBACK_REGION not in table:
        raise CrisisLinesError(f"{source}: the {FALLBACK_REGION} (fallback) region is required")
    return table


def _parse_line(raw: Any, where: str) -> CrisisLine:
    if not isinstance(raw, dict):
        raise CrisisLinesError(f"{where}: must be a mapping")
    _reject_unknown(raw, _LINE_KEYS, where)
    for key in ("name", "kind", "display"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CrisisLinesError(f"{where}: '{key}' is required")
    kind = raw["kind"].strip()
    if kind not in KINDS:
        raise CrisisLinesError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    emergency = raw.get("emergency", False)
    if not isinstance(emergency, bool):
        raise CrisisLinesError(f"{where}: 'emergency' must be true or false")
    number = raw.get("number")
    if number is not None:
        if not isinstance(number, str):
            raise CrisisLinesError(
                f"{where}: put the number in quotes (\"0123\") so leading zeros are kept")
        if not re.fullmatch(r"\d+", number):
            raise CrisisLinesError(
                f"{where}: number must be digits only as dialled (no spaces, + or -), "
                f"got {number!r}; put the readable form in 'display'")
    elif kind in ("call", "text") and not emergency:
        raise CrisisLinesError(f"{where}: a {kind} line needs a 'number'")
    keyword = raw.get("keyword")
    if keyword is not None:
        if kind != "text":
            raise CrisisLinesError(f"{where}: 'keyword' is only for text lines")
        if not isinstance(keyword, str) or not re.fullmatch(r"[A-Za-z0-9]+", keyword):
            raise CrisisLinesError(f"{where}: keyword must be a single word, e.g. HOME")
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or not re.match(r"https?://\S+$", url)):
        raise CrisisLinesError(f"{where}: url must start with https://")
    if kind == "web" and url is None:
        raise CrisisLinesError(f"{where}: a web line needs a 'url'")
    hours = raw.get("hours")
    if hours is not None and not isinstance(hours, str):
        raise CrisisLinesError(f"{where}: 'hours' must be text, e.g. \"24/7\"")
    source = raw.get("source")
    if not isinstance(source, str) or not re.match(r"https?://\S+$", source):
        raise CrisisLinesError(f"{where}: 'source' (the web address the number was checked at) is required")
    checked = raw.get("checked")
    if isinstance(checked, (datetime.date, datetime.datetime)):  # YAML reads a bare date as one
        checked = checked.isoformat()
    if not isinstance(checked, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}|unverified", checked):
        raise CrisisLinesError(f"{where}: 'checked' must be a date (YYYY-MM-DD) or \"unverified\"")
    return CrisisLine(
        name=raw["name"].strip(), kind=kind, display=raw["display"].strip(), number=number,
        keyword=keyword, hours=hours.strip() if hours else None, url=url,
        emergency=emergency, source=source, checked=checked,
    )


def _reject_unknown(block: Mapping[str, Any], allowed: set, where: str) -> None:
    unknown = sorted(str(k) for k in block if k not in allowed)
    if unknown:
        raise CrisisLinesError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


# ---------------------------------------------------------------- lookup
def supported_regions(path: Union[str, Path, None] = None) -> Tuple[str, ...]:
    """Region codes in the file, without the INTL fallback."""
    return tuple(code for code in load_crisis_lines(path) if code != FALLBACK_REGION)


def lines_for(region: Optional[str], path: Union[str, Path, None] = None) -> RegionLines:
    """Lines for a region code ("GB", "uk", "US" ...); unknown or None -> INTL."""
    table = load_crisis_lines(path)
    code = (region or "").strip().upper()
    code = REGION_ALIASES.get(code, code)
    return table.get(code) or table[FALLBACK_REGION]


def region_from_locale(locale: Optional[str]) -> Optional[str]:
    """ "en-GB" -> "GB", "en_US.UTF-8" -> "US", "fr-CA" -> "CA", "en-UK" -> "GB", "en" -> None.

    Only regions that have their own lines are returned; anything else gives None (so the
    caller can still try region_from_text, and lines_for falls back to INTL).
    """
    if not locale or not isinstance(locale, str):
        return None
    base = locale.strip().split(".")[0].split("@")[0]
    parts = [p for p in re.split(r"[-_]", base) if p]
    if len(parts) < 2:
        return None
    for part in reversed(parts[1:]):
        if re.fullmatch(r"[A-Za-z]{2}", part):
            code = REGION_ALIASES.get(part.upper(), part.upper())
            return code if code in supported_regions() else None
    return None


_NOT_BEFORE = r"(?<![a-z])"
_NOT_AFTER = r"(?![a-z])"
_REGION_PATTERNS: Tuple[Tuple[str, str], ...] = (
    # more specific names first; each must be a whole word
    ("GB", r"northern ireland|n\. ireland|northern irish"),
    ("CA", r"british columbia|nova scotia|new brunswick|newfoundland|ontario|quebec|"
           r"alberta|manitoba|saskatchewan|toronto|vancouver|montreal|calgary|ottawa|"
           r"winnipeg|canada|canadian"),
    ("AU", r"new south wales|nsw|queensland|tasmania|sydney|melbourne|brisbane|adelaide|"
           r"canberra|australia|australian|aussie"),
    ("US", r"new york|new england|united states(?: of america)?|usa|u\.s\.a\.?|u\.s\.|"
           r"the states|in the us|america|american|california|texas|florida|chicago|los angeles"),
    ("IE", r"republic of ireland|ireland|irish|eire|dublin|galway"),
    ("GB", r"united kingdom|great britain|britain|uk|u\.k\.?|england|scotland|wales|"
           r"london|manchester|glasgow|edinburgh|cardiff|belfast|liverpool|leeds|british|"
           r"english|scottish|welsh"),
    # somewhere we have no lines for: the international list
    ("INTL", r"new zealand|germany|france|spain|portugal|italy|netherlands|belgium|"
             r"switzerland|austria|sweden|norway|denmark|finland|poland|india|pakistan|"
             r"south africa|nigeria|kenya|singapore|hong kong|japan|china|philippines|"
             r"mexico|brazil|argentina|overseas|abroad|another country|somewhere else|"
             r"outside (?:the )?(?:us|usa|uk|states|america)|"
             # nationalities we have no lines for ("i am german student"); a language is removed first
             r"german|french|spanish|italian|dutch|swiss|swedish|norwegian|danish|finnish|polish|indian|"
             r"pakistani|nigerian|kenyan|south african|japanese|chinese|filipino|filipina|mexican|"
             r"brazilian|argentinian|argentine"),
)
# A language, not a place: "sorry, i write in english", "my english is bad", "i speak polish"
_LANGUAGE = re.compile(
    r"\b(?:in|speak|speaks|speaking|write|writes|writing|written|type|typing|text|read|my|bad|broken|good|"
    r"poor|better|learning|learn)\s+(?:english|french|german|spanish|italian|dutch|swedish|norwegian|danish|"
    r"finnish|polish|japanese|chinese)\b|\b(?:english|french|german|spanish|italian|dutch|polish|japanese|"
    r"chinese) (?:is|isn't|is not|not) (?:my|so|very|good|bad|great|perfect|the best)\b")
# "not in the US", "not from america": a place the person is *not* in
_NEGATED_PLACE = re.compile(r"\b(?:not|n't) (?:in|from|living in) (?:the )?[a-z.]+")
_NOT_US = re.compile(r"(south|latin|central|north)\s+america")
_LOCATED = re.compile(r"\b(?:in|from|live in|living in|based in|for)(?: the)?\s+$")
# "from poland, living in leeds": where they live beats where they are from
_FROM = re.compile(r"\bfrom(?: the)?\s+$")
_COMPILED = tuple((code, re.compile(_NOT_BEFORE + f"(?:{rx})" + _NOT_AFTER))
                  for code, rx in _REGION_PATTERNS)


def region_from_text(text: Optional[str]) -> Optional[str]:
    """Where the person says they are: "i'm in the uk" -> "GB", "im in canada" -> "CA".

    The earliest place named wins; more specific names beat the ones they contain
    ("northern ireland" -> GB, "new south wales" -> AU). None when no place is named.
    """
    if not text or not isinstance(text, str):
        return None
    lowered = text.lower().replace("\u2019", "'")
    lowered = _NOT_US.sub(" ", lowered)
    lowered = _NEGATED_PLACE.sub(" ", lowered)
    lowered = _LANGUAGE.sub(" ", lowered)
    found: List[Tuple[int, int, int, str]] = []
    taken: List[Tuple[int, int]] = []
    for code, rx in _COMPILED:
        for m in rx.finditer(lowered):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            # "in australia" / "from canada" beats a bare mention ("those numbers are american")
            before = lowered[:m.start()]
            rank = 2 if _LOCATED.search(before) is None else (1 if _FROM.search(before) else 0)
            found.append((rank, m.start(), -len(m.group(0)), code))
    if not found:
        return None
    code = min(found)[3]
    return code if code in supported_regions() or code == FALLBACK_REGION else None


# ---------------------------------------------------------------- links and text
def tel_link(line: CrisisLine) -> Optional[str]:
    """ "tel:116123" for call lines with a number, else None."""
    if line.kind != "call" or not line.number:
        return None
    return f"tel:{line.number}"


def sms_link(line: CrisisLine) -> Optional[str]:
    """ "sms:741741?&body=HOME" for text lines ("?&body=" works on iOS and Android)."""
    if line.kind != "text" or not line.number:
        return None
    if line.keyword:
        return f"sms:{line.number}?&body={quote(line.keyword)}"
    return f"sms:{line.number}"


def link_for(line: CrisisLine) -> Optional[str]:
    """The one link that fits the line: tel:, sms: or its web page."""
    return tel_link(line) or sms_link(line) or line.url


def line_action(line: CrisisLine) -> str:
    """What to do, in words: "call 116 123", "text HOME to 741741"."""
    if line.kind == "call":
        return f"call {line.display}"
    if line.kind == "text":
        return f"text {line.keyword} to {line.display}" if line.keyword else f"text {line.display}"
    if line.kind == "chat":
        return f"chat at {line.display}"
    return line.display


def format_lines_text(region_lines: RegionLines, bullet: str = "- ", bold: bool = True) -> str:
    """Short plain text, one line per service; call + text of the same number are merged.

    - **988 Suicide & Crisis Lifeline**: call or text 988 (24/7)
    - **Crisis Text Line**: text HOME to 741741 (24/7)
    """
    rows: List[str] = []
    lines = list(region_lines.lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (nxt is not None and nxt.name == line.name and nxt.display == line.display
                and {line.kind, nxt.kind} == {"call", "text"} and not nxt.keyword
                and not line.keyword):
            action = f"call or text {line.display}"
            hours = line.hours or nxt.hours
            i += 2
        else:
            action = line_action(line)
            hours = line.hours
            i += 1
        name = f"**{line.name}**" if bold else line.name
        row = f"{bullet}{name}: {action}"
        if hours:
            row += f" ({hours})"
        if line.emergency:
            row += " if you are in immediate danger"
        rows.append(row)
    return "\n".join(rows)


# ---------------------------------------------------------------- the one judge
def _line_patterns(path: Union[str, Path, None] = None) -> Tuple["re.Pattern[str]", ...]:
    """One pattern per non-emergency line: its display text or number, not inside a longer number."""
    import re

    out = []
    for region in load_crisis_lines(path).values():
        for line in region.lines:
            if line.emergency:
                continue
            for value in {line.display, line.number or ""}:
                value = value.strip()
                if value and any(ch.isdigit() for ch in value):
                    out.append(re.compile(r"(?<![\d.,])" + re.escape(value) + r"(?!\d)"))
                elif value:
                    out.append(re.compile(re.escape(value), re.IGNORECASE))
    return tuple(out)


def shows_crisis_lines(reply: Mapping[str, Any], path: Union[str, Path, None] = None) -> bool:
    """Did this bot message put a crisis line in front of the person?

    The one judge used by `make test`, `make eval-safety` and the dialogue tests:
    any region's crisis line from crisis_lines.yml (its number as displayed or
    dialled, or its web address), in the text or in a button's title, payload or
    link, so compact and region-first crisis replies count as well as the full
    block. The emergency number alone does not count: the welcome message names
    the emergency numbers of every region, and it is not a crisis reply.
    """
    parts = [str(reply.get("text") or "")]
    for button in reply.get("buttons") or []:
        parts += [str(button.get(k) or "") for k in ("title", "payload", "url")]
    custom = reply.get("custom")
    if custom:
        parts.append(str(custom))
    blob = "\n".join(parts)
    return any(p.search(blob) for p in _line_patterns(path))
