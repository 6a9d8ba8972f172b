"""Fixtures for action tests: recorded trackers, a dispatcher, the domain."""
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

TRACKERS = Path(__file__).resolve().parent.parent / "data" / "trackers"


def load_tracker(name: str, **slot_overrides) -> Tracker:
    data = json.loads((TRACKERS / f"{name}.json").read_text())
    data["slots"].update(slot_overrides)
    return Tracker.from_dict(data)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
