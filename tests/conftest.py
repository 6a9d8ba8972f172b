"""Shared fixtures. The heavy session ones (test model, the running stack) are
here so tests/integration and tests/e2e share one; their helpers live in
tests/support/stack.py."""
from pathlib import Path

import pytest

from bot.safety.crisis_domain import training_domain_dict
from bot.safety.evaluate import DEFAULT_SET as EVAL_SET
from bot.safety.evaluate import load_set
from tests.fakes.telegram_api import FakeTelegramApi
from tests.support.stack import Chat, start_test_stack, train_test_model

ROOT = Path(__file__).resolve().parent.parent

# A test is `slow` when it needs the trained test model or a running server: read
# from the fixtures it uses (directly or through other fixtures), so a new test is
# marked by what it needs, not by hand. `make test-fast` runs the others.
NEEDS_THE_MODEL_OR_A_SERVER = {"test_model", "stack", "chat", "browser"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if NEEDS_THE_MODEL_OR_A_SERVER & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def eval_items():
    """The labelled safety set (tests/safety and the safety evaluation's own tests)."""
    return load_set(EVAL_SET)


@pytest.fixture(scope="session")
def domain():
    return training_domain_dict()  # domain/*.yml + the crisis replies rendered from crisis_lines.yml


@pytest.fixture(scope="session")
def domain_responses(domain):
    return set(domain["responses"])


@pytest.fixture(scope="session")
def test_model() -> Path:
    return train_test_model()


@pytest.fixture(scope="session")
def telegram_api():
    """The fake Telegram Bot API (loopback, free port); the stack's Telegram channel talks to it."""
    with FakeTelegramApi() as api:
        yield api


@pytest.fixture(scope="session")
def stack(test_model, telegram_api):
    running = start_test_stack(test_model, telegram_api.settings_env())
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chat(stack) -> Chat:
    return Chat(stack)
