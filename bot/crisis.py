"""What `action_crisis_support` says and records, as plain functions.

Region-specific lines come from `bot.safety.resources` (one data file staff can
edit); this module only decides the region, the wording around the lines and
the flag that staff review reads.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from bot.safety import resources

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


def risk_flag(latest_message: Mapping[str, Any], now: datetime) -> Dict[str, Any]:
    """The structured record of one risk turn: level, reasons, time (no message text)."""
    risk = latest_message.get("risk") or {}
    intent = (latest_message.get("intent") or {}).get("name")
    level = risk.get("level") or ("high" if intent == "express_risk" else "possible")
    if level == "none":
        # reached here through the intent classifier or a request for crisis lines, not the detector
        level = "high" if intent == "express_risk" else "possible"
    reasons = list(risk.get("reasons") or [])
    if not reasons:
        reasons = [f"intent:{intent}"] if intent else []
    return {"level": level, "reasons": reasons, "intent": intent, "time": now.isoformat(timespec="seconds")}


# Channels whose clients render markdown links, so tel:/sms: links can be tapped.
LINK_CHANNELS = {"rest", "socketio"}


def tap_links(region_lines: resources.RegionLines) -> str:
    """"Tap to call or text: [Samaritans 116 123](tel:116123) · ..." (markdown)."""
    links = []
    for line in region_lines.lines:
        link = resources.tel_link(line) or resources.sms_link(line)
        if link:
            verb = "call" if link.startswith("tel:") else "text"
            links.append(f"[{verb} {line.name} {line.display}]({link})")
    return ("Tap to " + " · ".join(links)) if links else ""


def regional_lines_text(region: Optional[str], channel: Optional[str] = None) -> str:
    """"Lines for Australia: ..." with tap-to-call/text links where the channel renders them."""
    lines = resources.lines_for(region)
    text = f"Lines for {lines.name}:\n\n{resources.format_lines_text(lines)}"
    if channel in LINK_CHANNELS and tap_links(lines):
        text += "\n\n" + tap_links(lines)
    return text


def crisis_messages(region: Optional[str], level: str, channel: Optional[str] = None) -> List[Dict[str, Any]]:
    """The messages after the default lines: regional lines, grounding, a plan, a question."""
    messages: List[Dict[str, Any]] = [
        {"text": regional_lines_text(region, channel)},
        {"response": "utter_crisis_grounding"},
        {"response": "utter_crisis_safety_plan"},
        {"response": "utter_crisis_ask_direct" if level == "high" else "utter_crisis_ask_possible"},
    ]
    return messages
