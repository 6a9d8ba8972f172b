"""`make run` tells people where to chat: the web app's demo page."""
from bot.cli import _print_how_to_chat


def test_run_prints_the_chat_url(capsys):
    _print_how_to_chat("127.0.0.1", 5005, "http://127.0.0.1:8000")
    out = capsys.readouterr().out
    assert "Chat at http://127.0.0.1:8000" in out
    assert "var/log/web.log" in out
