"""What Unknot's replies look like on Telegram, as plain functions.

Domain responses are written in the small piece of markdown the web widget
renders (`**bold**`, `[label](url)`). Telegram gets them in its HTML parse mode:
everything escaped that must be (`&`, `<`, `>`; quotes inside attributes), bold
as <b>, web links as <a>, and tel:/sms: links as their plain label, because
Telegram does not make those clickable. A reply longer than Telegram's limit is
split at paragraph boundaries (then lines, sentences, words) and every piece is
converted on its own, so a tag never spans two messages.
"""
from __future__ import annotations

import html
import json
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

# sendMessage accepts 1-4096 characters after entity parsing. We measure the
# HTML we send (tags included, so always an over-estimate) in UTF-16 code units,
# the unit Telegram counts in.
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes
BUTTONS_PER_ROW = 1  # our titles are sentences ("Can stress cause back pain?"): one per row reads best

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^()\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)
_WEB_URL = re.compile(r"https?://[^\s<>]+\Z")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _inline(text: str) -> str:
    """Escape, then turn **bold** into <b>. Unpaired ** stays as literal text."""
    return _BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", html.escape(text, quote=False))


def to_html(text: str) -> str:
    """Markdown-ish reply text -> Telegram HTML (parse_mode="HTML")."""
    out: List[str] = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(_inline(text[last:match.start()]))
        label, url = match.group(1), match.group(2)
        if _WEB_URL.match(url):
            out.append(f'<a href="{html.escape(url, quote=True)}">{_inline(label)}</a>')
        else:
            # tel:, sms: and anything else Telegram would not open: the label
            # carries the number ("call Samaritans 116 123").
            out.append(_inline(label))
        last = match.end()
    out.append(_inline(text[last:]))
    return "".join(out)


_SEPARATORS = ("\n\n", "\n", ". ", " ")


def _split_source(text: str, limit: int, separators: Sequence[str] = _SEPARATORS) -> List[str]:
    """Pieces of `text` whose HTML fits `limit`, cut at the coarsest boundary that works."""
    if utf16_len(to_html(text)) <= limit:
        return [text]
    if not separators:
        # one "word" longer than a message: cut it by characters
        pieces, run = [], ""
        for char in text:
            if run and utf16_len(to_html(run + char)) > limit:
                pieces.append(run)
                run = ""
            run += char
        return pieces + ([run] if run else [])
    sep, finer = separators[0], separators[1:]
    parts = text.split(sep)
    # keep the separator with the part before it (". " ends a sentence), except paragraph/line breaks
    keep = sep.strip() if sep.strip() else ""
    parts = [p + keep if i < len(parts) - 1 else p for i, p in enumerate(parts)]
    joiner = sep[len(keep):] if keep else sep
    chunks: List[str] = []
    current: Optional[str] = None
    for part in parts:
        for piece in _split_source(part, limit, finer):
            candidate = piece if current is None else current + joiner + piece
            if current is not None and utf16_len(to_html(candidate)) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current is not None:
        chunks.append(current)
    return chunks


def split_html(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """The reply as one or more Telegram HTML messages, each within `limit`."""
    pieces = [p.strip() for p in _split_source(text.strip(), limit)]
    return [to_html(p) for p in pieces if p]


def callback_data(button: Mapping[str, Any]) -> str:
    """The button's payload as callback_data (1-64 bytes).

    Our payloads ("/ask_coping_tips", '/request_relaxation_exercise{"exercise": "breathing"}')
    fit. A longer one is compacted; if it still does not fit, the title is sent instead and
    is understood like typed text."""
    payload = str(button.get("payload") or button.get("title") or "")
    if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
        return payload
    brace = payload.find("{")
    if payload.startswith("/") and brace > 0:
        try:
            compact = payload[:brace] + json.dumps(json.loads(payload[brace:]), separators=(",", ":"))
        except ValueError:
            compact = payload
        if len(compact.encode()) <= CALLBACK_DATA_LIMIT:
            return compact
    title = str(button.get("title") or "")
    return title.encode()[:CALLBACK_DATA_LIMIT].decode(errors="ignore") or "menu"


def inline_keyboard(buttons: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """Rasa buttons -> reply_markup with an inline keyboard (None when there are none)."""
    rows: List[List[Dict[str, str]]] = []
    for button in buttons or ():
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        url = button.get("url")
        key = {"text": title, "url": url} if isinstance(url, str) and _WEB_URL.match(url) else \
            {"text": title, "callback_data": callback_data(button)}
        if not rows or len(rows[-1]) >= BUTTONS_PER_ROW:
            rows.append([])
        rows[-1].append(key)
    return {"inline_keyboard": rows} if rows else None


def outgoing_messages(text: str, buttons: Sequence[Mapping[str, Any]] = (),
                      limit: int = TEXT_LIMIT) -> List[Dict[str, Any]]:
    """sendMessage parameters (without chat_id) for one bot reply. Buttons go on the last part."""
    parts = split_html(text or "", limit)
    keyboard = inline_keyboard(buttons)
    if not parts and keyboard:
        parts = [html.escape("Choose one:", quote=False)]
    messages = [{"text": part, "parse_mode": "HTML", "disable_web_page_preview": True} for part in parts]
    if messages and keyboard:
        messages[-1]["reply_markup"] = keyboard
    return messages
