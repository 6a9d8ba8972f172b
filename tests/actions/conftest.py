"""Fixtures for action tests: a dispatcher (recorded trackers: tests/support/trackers.py)."""

import pytest
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
