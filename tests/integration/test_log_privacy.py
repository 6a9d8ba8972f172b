"""The shared test stack's own log files hold no words a person or a reviewer
typed (bot/runtime/log_privacy.py): the web app's access log keeps paths, not query
strings (a staff search is a query string), and the Rasa server and action
server logs keep none of the messages sent here."""
from __future__ import annotations

import time
import urllib.request
import uuid

from bot.safety.resources import shows_crisis_lines

WAIT = 60.0  # generous: logs are flushed by another process on a busy machine


def _log_with(path, needle: str) -> str:
    deadline = time.monotonic() + WAIT
    while True:
        text = path.read_text(errors="replace") if path.exists() else ""
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


def test_the_web_access_log_keeps_the_path_and_withholds_the_query(stack):
    marker = f"bloggs{uuid.uuid4().hex[:8]}"
    with urllib.request.urlopen(f"{stack.settings.web_url}/healthz?q=jo.{marker}%40example.com",  # noqa: S310
                                timeout=WAIT) as response:
        assert response.status == 200
    log = _log_with(stack.log_dir / "web.log", "/healthz?<query withheld>")
    assert "/healthz?<query withheld>" in log  # the request was logged, as uvicorn logs requests
    assert marker not in log


def test_the_bot_logs_hold_none_of_the_messages(stack, chat):
    marker = f"quokka{uuid.uuid4().hex[:8]}"
    sender = chat.new_sender()
    texts = [f"my back hurts {marker}", f"i want to end my life {marker}", f"/greet@1.0 {marker}",
             f'/request_relaxation_exercise{{"exercise": "{marker}"', f"/{{{marker}", f"/nosuchintent {marker}"]
    replies = [chat.send(sender, text) for text in texts]
    assert shows_crisis_lines(replies[1][0])
    chat.send(chat.new_sender(), "hi")  # a later request: the earlier ones' log lines are written by now
    for name in ("rasa.log", "actions.log", "web.log"):
        log = (stack.log_dir / name).read_text(errors="replace")
        assert marker not in log, f"{name} holds a person's words"
