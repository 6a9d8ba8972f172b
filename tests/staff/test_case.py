"""The summary card and the safe markdown of the transcript page (bot/web/staff/case.py)."""
from __future__ import annotations

from bot.web.staff.case import case_card, chat_rows, render_markdown


def test_markdown_bold_links_and_line_breaks_and_nothing_else():
    html = str(render_markdown("**Call now:** [988](tel:988) or [chat](https://988lifeline.org/chat?a=1&b=2)\nok"))
    assert "<strong>Call now:</strong>" in html
    assert '<a href="tel:988">988</a>' in html
    assert '<a href="https://988lifeline.org/chat?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">' \
           'chat</a>' in html
    assert html.endswith("<br>ok")


def test_markdown_keeps_html_and_unsafe_links_inert():
    html = str(render_markdown('<img src=x onerror="alert(1)"> [x](javascript:alert(1)) [y](https://a.example/"onmouseover=1)'))
    assert "<img" not in html and "&lt;img" in html
    assert 'href="javascript' not in html and "[x](javascript:alert(1))" in html
    assert '"onmouseover' not in html  # the quote stays escaped inside the attribute: no new attribute
    assert "&#34;onmouseover" in html or "&quot;onmouseover" in html


def _events():
    return [
        {"id": 1, "kind": "user", "time": "t1", "text": "i want to die", "intent": "express_risk"},
        {"id": 2, "kind": "slot", "time": "t1", "name": "region", "value": "GB"},
        {"id": 3, "kind": "action", "time": "t1", "name": "utter_crisis_first"},
        {"id": 4, "kind": "bot", "time": "t1", "text": "Call Samaritans on [116 123](tel:116123)", "buttons": []},
        {"id": 5, "kind": "action", "time": "t1", "name": "utter_crisis_ask_direct"},
        {"id": 6, "kind": "bot", "time": "t1", "text": "Are you thinking about ending your life?", "buttons": []},
        {"id": 7, "kind": "user", "time": "t2", "text": "yes", "intent": "affirm"},
        {"id": 8, "kind": "action", "time": "t2", "name": "utter_crisis_confirmed"},
        {"id": 9, "kind": "user", "time": "t3", "text": "my legs are numb between them", "intent": "report_red_flag"},
        {"id": 10, "kind": "slot", "time": "t4", "name": "exercise", "value": "breathing"},
        {"id": 11, "kind": "slot", "time": "t5", "name": "exercise_helped", "value": "a_little"},
    ]


def test_the_card_has_the_lines_the_answers_red_flags_and_exercises():
    card = case_card(_events())
    assert card["lines_shown"] == [{"time": "t1", "region": "GB"}]
    assert [(a["question"], a["answer"]) for a in card["answers"]] == [
        ("Thoughts of ending their life?", "yes"), ("Safe right now?", "my legs are numb between them")]
    assert card["red_flags"] == [{"time": "t3", "text": "my legs are numb between them"}]
    assert card["exercises"] == [{"time": "t4", "exercise": "breathing"}]
    assert card["helped"] == [{"time": "t5", "answer": "a little"}]


def test_an_unanswered_question_says_so_and_the_chat_groups_technical_rows():
    events = _events()[:6]
    card = case_card(events)
    assert card["answers"][-1]["answered"] is False
    rows = chat_rows(events)
    assert [r["kind"] for r in rows] == ["user", "details", "bot", "details", "bot"]
    assert [e["id"] for e in rows[1]["events"]] == [2, 3]
    assert '<a href="tel:116123">116 123</a>' in str(rows[2]["html"])
