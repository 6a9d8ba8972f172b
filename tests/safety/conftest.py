import pytest

from bot.safety.evaluate import DEFAULT_SET as EVAL_SET
from bot.safety.evaluate import load_set


@pytest.fixture(scope="session")
def eval_items():
    return load_set(EVAL_SET)
