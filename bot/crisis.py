"""The person's region for crisis lines, and the regional lines as text (action_regional_lines).

Lines come from `bot.safety.resources` (crisis_lines.yml, the one file staff edit).
The crisis replies themselves are domain responses rendered from that file
(bot/safety/crisis_domain.py); SafetyPolicy picks the region with `detect_region`.
"""
from __future__ import annotations

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
