"""Render the crisis replies (crisis_replies.yml) with the numbers in crisis_lines.yml.

One source for every number: staff edit crisis_lines.yml, and the next `make train`
renders each reply once per region into var/domain/crisis.yml, which training combines
with the domain files (var/domain/ holds them all: domain/*.yml are linked in). The replies are plain
domain responses, so the first crisis reply and every later one are sent by Rasa itself,
with the action server down. Each response gets one variation per region, chosen by the
`region` slot, and one without a condition (the international lines) for an unknown region.

    python -m bot crisis-domain        # (re)write var/domain/ ; `make train` runs it
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from bot.safety import resources
from bot.settings import ROOT

REPLIES_PATH = Path(__file__).with_name("crisis_replies.yml")
TRAINING_DOMAIN = ROOT / "var" / "domain"
DOMAIN_DIR = ROOT / "domain"  # the hand-written domain, one file per flow (mirroring data/)
GENERATED = TRAINING_DOMAIN / "crisis.yml"
REGION_SLOT = "region"
YOUTH_SUFFIX = "_youth"  # the twin of a reply with lines, for a person under 18
_PLACEHOLDER = re.compile(r"\{(lines|short_lines|text_lines|emergency|emergency_place)\}")
# Slots Rasa itself fills in when it sends the reply (the person's own safety plan).
SLOT_PLACEHOLDERS = ("safety_plan_text",)


def _tap(line: resources.CrisisLine, label: str) -> str:
    link = resources.tel_link(line) or resources.sms_link(line) or line.url
    return f"[{label}]({link})" if link else label


def _emergency_line(region: resources.RegionLines) -> Optional[resources.CrisisLine]:
    return next(iter(region.emergency_lines), None)


def emergency_text(region: resources.RegionLines) -> str:
    line = _emergency_line(region)
    if line is None or not line.number:
        return "call your local emergency number"
    return f"call {_tap(line, line.display)}"


def full_lines(region: resources.RegionLines, youth: bool = False) -> str:
    """Every line in the file's order: "- **Samaritans**: [call 116 123](tel:116123) (free, 24/7)".

    One row per line, joined by single newlines: Rasa's REST channel splits a text on blank
    lines into separate messages, and the lines must stay one message."""
    rows = []
    # the file's order: staff decide what comes first (lines for young people before the rest)
    ordered = (list(region.youth_lines) if youth else []) + list(region.lines)
    skip = set()
    for i, line in enumerate(ordered):
        if i in skip:
            continue
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if (nxt is not None and nxt.name == line.name and nxt.display == line.display and line.kind == "call"
                and nxt.kind == "text" and not nxt.keyword):
            # "988: call or text" as one row, both tappable
            skip.add(i + 1)
            action = f"{_tap(line, 'call')} or {_tap(nxt, 'text')} {line.display}"
        elif line.number or line.url:
            action = _tap(line, resources.line_action(line))
        else:
            action = resources.line_action(line)
        row = f"- **{line.name}**: {action}"
        if line.hours:
            row += f" ({line.hours})"
        if line.emergency:
            row += " if you are in immediate danger"
        rows.append(row)
    return "\n".join(rows)


def short_lines(region: resources.RegionLines, youth: bool = False) -> str:
    """One row: the first call line, the first text line, the emergency number (for a young
    person the region's first line for young people leads)."""
    parts: List[str] = []
    first_youth = next((x for x in region.youth_lines if x.number or x.url), None) if youth else None
    if first_youth is not None:
        link = _tap(first_youth, resources.line_action(first_youth) if first_youth.number else first_youth.display)
        parts.append(f"**{first_youth.name}** " + link)
    if region.region == resources.FALLBACK_REGION:
        # where we don't know the country: the local emergency number and the directory, not US lines
        parts.append("**Emergency**: your local emergency number")
        parts += [f"**{x.name}** " + _tap(x, x.display) for x in region.lines if x.kind == "web" and x.url][:1]
        return " · ".join(parts)
    call = next((x for x in region.lines if x.kind == "call" and not x.emergency and x.number), None)
    text = next((x for x in region.lines if x.kind == "text" and x.number), None)
    web = next((x for x in region.lines if x.kind in ("web", "chat") and x.url), None)
    if call:
        parts.append(f"**{call.name}** " + _tap(call, resources.line_action(call)))
    if text:
        name = "" if call and text.name == call.name else f"**{text.name}** "
        parts.append(name + _tap(text, resources.line_action(text)))
    if not call and not text and web:
        parts.append(f"**{web.name}** " + _tap(web, web.display))
    emergency = _emergency_line(region)
    if emergency is not None and emergency.number:
        parts.append("**Emergency** " + _tap(emergency, emergency.display))
    else:
        parts.append("**Emergency**: your local emergency number")
    return " · ".join(parts)


def text_lines(region: resources.RegionLines, youth: bool = False) -> str:
    rows = []
    for line in (list(region.youth_lines) if youth else []) + list(region.lines):
        if line.kind in ("text", "chat") or (line.kind == "web" and line.url):
            label = resources.line_action(line) if line.kind != "web" else line.display
            row = f"- **{line.name}**: {_tap(line, label)}"
            if line.hours:
                row += f" ({line.hours})"
            rows.append(row)
    if not rows:  # a region with call lines only: the international web directory
        intl = resources.lines_for(resources.FALLBACK_REGION)
        rows = [f"- **{x.name}**: {_tap(x, x.display)}" for x in intl.lines if x.kind == "web" and x.url]
    return "\n".join(rows)


def fill(template: str, region: resources.RegionLines, youth: bool = False) -> str:
    values = {"lines": full_lines(region, youth), "short_lines": short_lines(region, youth),
              "text_lines": text_lines(region, youth), "emergency": emergency_text(region),
              "emergency_place": region.emergency_place}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def load_replies(path: Path = REPLIES_PATH) -> Dict[str, Dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    replies = data.get("responses")
    if not isinstance(replies, dict) or not replies:
        raise ValueError(f"{path}: needs a 'responses' mapping")
    for name, reply in replies.items():
        if not name.startswith("utter_") or not isinstance(reply, dict) or not isinstance(reply.get("text"), str):
            raise ValueError(f"{path}: {name!r} needs a name starting utter_ and a 'text'")
        leftover = [x for x in re.findall(r"\{(\w+)\}", _PLACEHOLDER.sub("", reply["text"]))
                    if x not in SLOT_PLACEHOLDERS]
        if leftover:
            raise ValueError(f"{path}: {name}: unknown placeholder(s) {leftover}")
    return replies


def render(replies: Optional[Mapping[str, Dict[str, Any]]] = None,
           lines_path: Optional[Path] = None) -> Dict[str, Any]:
    """The domain part: {"responses": {name: [variation per region..., default]}}.

    Every reply that shows lines also gets a twin, `<name>_youth`, with the lines for young
    people first; SafetyPolicy sends the twin once the person has said they are under 18."""
    replies = replies if replies is not None else load_replies()
    table = resources.load_crisis_lines(lines_path)
    responses: Dict[str, List[Dict[str, Any]]] = {}
    for name, reply in replies.items():
        with_lines = bool(_PLACEHOLDER.search(reply["text"]))
        for youth in ((False, True) if with_lines else (False,)):
            variations: List[Dict[str, Any]] = []
            if with_lines:
                for code, region in table.items():
                    if code == resources.FALLBACK_REGION:
                        continue
                    variations.append({"condition": [{"type": "slot", "name": REGION_SLOT, "value": code}],
                                       **_variation(reply, region, youth)})
            variations.append(_variation(reply, table[resources.FALLBACK_REGION], youth))
            responses[name + YOUTH_SUFFIX if youth else name] = variations
    return {"version": "3.1", "responses": responses}


def _variation(reply: Mapping[str, Any], region: resources.RegionLines, youth: bool = False) -> Dict[str, Any]:
    out: Dict[str, Any] = {"text": fill(reply["text"], region, youth)}
    if reply.get("buttons"):
        out["buttons"] = [dict(b) for b in reply["buttons"]]
    return out


def domain_files(domain_dir: Path = DOMAIN_DIR) -> List[Path]:
    return sorted(domain_dir.glob("*.yml"))


def domain_dict(domain_dir: Path = DOMAIN_DIR) -> Dict[str, Any]:
    """The domain files merged as Rasa merges a domain folder: lists joined, mappings
    joined (a name defined twice is an error here, as it would be a silent override there)."""
    merged: Dict[str, Any] = {}
    for path in domain_files(domain_dir):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in part.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(v for v in value if v not in merged.get(key, []))
            elif isinstance(value, dict) and key != "session_config":
                into = merged.setdefault(key, {})
                twice = set(into) & set(value)
                if twice:
                    raise ValueError(f"{path.name}: {key} {sorted(twice)} are defined in another domain file too")
                into.update(value)
            else:
                merged[key] = value
    return merged


def training_domain_dict(domain_dir: Path = DOMAIN_DIR) -> Dict[str, Any]:
    """The domain files as one dict with the rendered crisis replies added (what training sees)."""
    domain = domain_dict(domain_dir)
    domain["responses"] = {**domain.get("responses", {}), **render()["responses"]}
    return domain


def write_training_domain(target: Path = TRAINING_DOMAIN, domain_dir: Path = DOMAIN_DIR) -> Path:
    """var/domain/: every domain file (a link each) + crisis.yml (rendered). Returns the directory."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = {path.name: path for path in domain_files(domain_dir)}
    for link in target.iterdir():  # links to files that are gone (or moved) would train too
        if link.is_symlink() and (link.name not in wanted or Path(os.readlink(link)) != wanted[link.name]):
            link.unlink()
    for name, path in wanted.items():
        if not (target / name).exists():
            (target / name).symlink_to(path)
    text = ("# Generated by bot/safety/crisis_domain.py from crisis_replies.yml and crisis_lines.yml.\n"
            "# Do not edit: edit those two files and run `make train`.\n"
            + yaml.safe_dump(render(), sort_keys=False, allow_unicode=True, width=10_000))
    generated = target / GENERATED.name
    if not generated.exists() or generated.read_text(encoding="utf-8") != text:
        generated.write_text(text, encoding="utf-8")
    return target


def main() -> int:
    path = write_training_domain()
    print(f"crisis replies rendered for {len(resources.load_crisis_lines())} regions: {path}")
    return 0
