"""What a clinician reads first about one conversation: the summary card, and
the bot's markdown rendered as safe HTML for the chat view.

Both work on the masked transcript (`queries.transcript`), so nothing here
sees more than the page may show.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from markupsafe import Markup, escape

from bot.flows.crisis_conversation import DIRECT_QUESTIONS, SAFETY_QUESTIONS
from bot.safety.resources import shows_crisis_lines

RED_FLAG_INTENT = "report_red_flag"
QUESTION_LABELS = {**{name: "Thoughts of ending their life?" for name in DIRECT_QUESTIONS},
                   **{name: "Safe right now?" for name in SAFETY_QUESTIONS}}

# The bot's replies use a small part of Markdown: **bold**, [label](url) and
# line breaks (domain/*.yml, crisis_replies.yml). Rendering only that part, after
# escaping everything, keeps any HTML a message carries inert (a person's own
# words are echoed in some replies, e.g. their safety plan); a general Markdown
# library passes raw HTML through and would need a sanitiser on top.
_LINK = re.compile(r"\[([^\[\]\n]{1,200})\]\(([^()\s]{1,500})\)")
_BOLD = re.compile(r"\*\*([^*\n]{1,500})\*\*")
_SAFE_SCHEME = re.compile(r"^(?:https?://|tel:|sms:|mailto:)", re.IGNORECASE)


def render_markdown(text: str) -> Markup:
    """Escaped text with **bold** as <strong>, [label](url) as a link (http(s),
    tel, sms and mailto only; anything else stays as written) and line breaks."""
    out = str(escape(text or ""))

    def link(match: "re.Match[str]") -> str:
        label, url = match.group(1), match.group(2)
        # the URL was escaped with the rest (&amp;, &#39;); it is put back in an
        # attribute as escaped text, so no quote can end the attribute
        if not _SAFE_SCHEME.match(url):
            return match.group(0)
        external = url.lower().startswith("http")
        extra = ' rel="noopener noreferrer nofollow" target="_blank"' if external else ""
        return f'<a href="{url}"{extra}>{label}</a>'

    out = _LINK.sub(link, out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = out.replace("\n", "<br>")
    return Markup(out)


def _answer_after(events: List[Dict[str, Any]], start: int) -> Optional[Dict[str, Any]]:
    for e in events[start + 1:]:
        if e["kind"] == "user":
            return e
        if e["kind"] == "action" and e.get("name") in QUESTION_LABELS:
            return None  # asked again before any answer
    return None


def case_card(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The facts of the crisis and the care path, in order: when the crisis
    lines were shown and for which region, the person's answers to the crisis
    questions, red flags, exercises and whether they helped."""
    lines_shown: List[Dict[str, str]] = []
    answers: List[Dict[str, Any]] = []
    red_flags: List[Dict[str, str]] = []
    exercises: List[Dict[str, str]] = []
    helped: List[Dict[str, str]] = []
    region = ""
    for index, e in enumerate(events):
        kind = e["kind"]
        if kind == "slot":
            name, value = e.get("name"), e.get("value") or ""
            if name == "region" and value not in ("", "null", "None"):
                region = value
            elif name == "exercise" and value not in ("", "null", "None"):
                exercises.append({"time": e["time"], "exercise": value})
            elif name == "exercise_helped" and value not in ("", "null", "None"):
                helped.append({"time": e["time"], "answer": value.replace("_", " ")})
        elif kind == "bot":
            reply = {"text": e.get("text") or "", "buttons": [{"title": b} for b in e.get("buttons") or []]}
            if shows_crisis_lines(reply):
                lines_shown.append({"time": e["time"], "region": region or "not known (every region's lines)"})
        elif kind == "action" and e.get("name") in QUESTION_LABELS:
            answer = _answer_after(events, index)
            answers.append({"time": e["time"], "question": QUESTION_LABELS[e["name"]],
                            "answer": answer["text"] if answer else "", "answered": bool(answer)})
        elif kind == "user" and e.get("intent") == RED_FLAG_INTENT:
            red_flags.append({"time": e["time"], "text": e["text"]})
    return {"lines_shown": lines_shown, "answers": answers, "red_flags": red_flags, "exercises": exercises,
            "helped": helped}


def chat_rows(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events as a chat: person and bot messages in order, each run of
    technical events (actions, slots, loops) between them gathered into one
    group shown behind a "details" toggle."""
    rows: List[Dict[str, Any]] = []
    for e in events:
        if e["kind"] in ("user", "bot"):
            rows.append({"kind": e["kind"], "event": e,
                         "html": render_markdown(e["text"]) if e["kind"] == "bot" else None})
        else:
            if not rows or rows[-1]["kind"] != "details":
                rows.append({"kind": "details", "events": []})
            rows[-1]["events"].append(e)
    return rows
