"""Logs keep event names and sizes, never a person's words (bot/runtime/log_privacy.py).

Each test first shows the words reach the log without the change (so the check
can fail), then that they do not with it. Rasa's own structlog set-up
(rasa.utils.log_utils.configure_structlog) and Rasa's own logging calls are used.
"""
from __future__ import annotations

import logging

import pytest
import structlog

from bot.runtime import log_privacy

SECRET = "i took all my pills SECRETMARKER"


@pytest.fixture
def rasa_structlog(monkeypatch):
    """structlog configured as the Rasa server configures it (JSON renderer:
    stderr is not a terminal under pytest); the previous config comes back."""
    from rasa.utils.log_utils import configure_structlog

    saved = structlog.get_config()
    saved_processors = list(saved["processors"])
    configure_structlog(logging.INFO)
    yield
    structlog.configure(**{**saved, "processors": saved_processors})


def _fail_with_local(logger, text):
    words = text  # a frame local, as Rasa's handlers hold the message
    try:
        raise RuntimeError("handling failed")
    except RuntimeError:
        logger.exception("rest.message.received.failure", text=words)


def test_rasa_exception_events_lose_text_and_frame_locals(rasa_structlog, caplog):
    caplog.set_level(logging.INFO)
    logger = structlog.get_logger()
    _fail_with_local(logger, SECRET)  # logged once before: the logger is cached now
    assert "SECRETMARKER" in caplog.text  # as Rasa 3.6 logs it: field and frame locals
    caplog.clear()

    assert log_privacy.install_structlog()
    _fail_with_local(logger, SECRET)
    _fail_with_local(structlog.get_logger(), SECRET)  # a logger made after the change
    assert "SECRETMARKER" not in caplog.text
    assert caplog.text.count("rest.message.received.failure") == 2
    assert f"<withheld: {len(SECRET)} chars>" in caplog.text
    assert "RuntimeError" in caplog.text and "_fail_with_local" in caplog.text  # still debuggable


def test_rasa_parser_warning_on_a_slash_message_loses_the_text(rasa_structlog, caplog):
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
        YAMLStoryReader,
    )
    from rasa.shared.nlu.training_data.message import Message

    caplog.set_level(logging.INFO)
    log_privacy.install_structlog()
    message = Message(data={"text": "/{" + SECRET})
    assert YAMLStoryReader.unpack_regex_message(message) is message  # Rasa's reader could not parse it
    assert "message.parsing.failed" in caplog.text
    assert "SECRETMARKER" not in caplog.text


def test_console_renderer_prints_tracebacks_without_locals(caplog):
    saved = structlog.get_config()
    saved_processors = list(saved["processors"])
    try:
        structlog.configure(
            processors=[structlog.processors.add_log_level, structlog.dev.set_exc_info,
                        structlog.dev.ConsoleRenderer(colors=False)],
            logger_factory=structlog.stdlib.LoggerFactory(), cache_logger_on_first_use=True)
        caplog.set_level(logging.INFO)
        logger = structlog.get_logger()
        log_privacy.install_structlog()
        _fail_with_local(logger, SECRET)
        assert "rest.message.received.failure" in caplog.text and "RuntimeError" in caplog.text
        assert "SECRETMARKER" not in caplog.text
    finally:
        structlog.configure(**{**saved, "processors": saved_processors})


def test_install_twice_adds_the_processor_once(rasa_structlog):
    log_privacy.install_structlog()
    log_privacy.install_structlog()
    assert structlog.get_config()["processors"].count(log_privacy.withhold_user_text) == 1


def test_withheld_keeps_sizes_only():
    assert log_privacy.withheld("abc") == "<withheld: 3 chars>"
    assert log_privacy.withheld([1, 2]) == "<withheld: 2 items>"
    assert log_privacy.withheld(3) == "<withheld>"


def test_access_log_keeps_the_path_and_drops_the_query():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/staff/api/conversations?q=jo.bloggs", "1.1", 200), None)
    assert log_privacy.PathOnlyAccessLog().filter(record)
    line = record.getMessage()
    assert "/staff/api/conversations?<query withheld>" in line and "bloggs" not in line
    config = log_privacy.uvicorn_log_config()
    assert "path_only" in config["handlers"]["access"]["filters"]
