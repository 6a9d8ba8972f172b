"""Safety: crisis-risk detection and crisis-line resources (pure Python, no Rasa imports).

    from bot.safety import assess, lines_for, format_lines_text, region_from_locale
    risk = assess(text)
    if risk.is_risk:
        reply = format_lines_text(lines_for(region_from_locale(locale)))

See docs in detector.py (how messages are judged), resources.py / crisis_lines.yml
(the lines per region) and evaluate.py (``python -m bot.safety.evaluate``).
"""
from .detector import (
    RiskAssessment,
    RiskLevel,
    assess,
    explain,
    normalize_text,
    warm_up,
)
from .normalize import normalize
from .resources import (
    CrisisLine,
    CrisisLinesError,
    RegionLines,
    format_lines_text,
    lines_for,
    link_for,
    load_crisis_lines,
    region_from_locale,
    region_from_text,
    sms_link,
    supported_regions,
    tel_link,
)

__all__ = [
    "CrisisLine", "CrisisLinesError", "RegionLines", "RiskAssessment", "RiskLevel", "assess",
    "explain", "format_lines_text", "lines_for", "link_for", "load_crisis_lines", "normalize",
    "normalize_text", "region_from_locale", "region_from_text", "sms_link",
    "supported_regions", "tel_link", "warm_up",
]
