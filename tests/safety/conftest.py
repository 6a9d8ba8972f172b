from pathlib import Path

import pytest

from bot.safety.evaluate import load_set

EVAL_SET = Path(__file__).with_name("risk_eval.yml")


@pytest.fixture(scope="session")
def eval_items():
    return load_set(EVAL_SET)
