"""Recorded trackers (tests/data/trackers/*.json) for the action tests."""
import json
from pathlib import Path

from rasa_sdk import Tracker

TRACKERS = Path(__file__).resolve().parent.parent / "data" / "trackers"


def load_tracker(name: str, **slot_overrides) -> Tracker:
    data = json.loads((TRACKERS / f"{name}.json").read_text())
    data["slots"].update(slot_overrides)
    return Tracker.from_dict(data)


