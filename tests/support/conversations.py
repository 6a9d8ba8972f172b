"""Conversations drawn from the bot's own test messages: what `make bench`, the
scale test and the same-answers test send."""
from __future__ import annotations

import random
import re
from pathlib import Path
from typing import List, Sequence

import yaml

_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def strip_markup(text: str) -> str:
    """'[box breathing](exercise)' -> 'box breathing' (Rasa's entity annotations)."""
    return _MARKUP.sub(r"\1", text).strip()


def nlu_examples(path: Path) -> List[str]:
    """Every example text of a Rasa NLU yml file."""
    data = yaml.safe_load(path.read_text()) or {}
    texts = []
    for item in data.get("nlu") or []:
        block = item.get("examples") if isinstance(item, dict) else None
        if not block or "intent" not in item:
            continue
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = strip_markup(line[2:])
                if text:
                    texts.append(text)
    return texts


def story_messages(path: Path) -> List[str]:
    """The `user:` texts of a test stories file (button payloads starting with '/' skipped)."""
    data = yaml.safe_load(path.read_text()) or {}
    texts = []
    for story in data.get("stories") or []:
        for step in story.get("steps") or []:
            text = step.get("user") if isinstance(step, dict) else None
            if text and not text.strip().startswith("/"):
                texts.append(strip_markup(text.strip()))
    return texts


def conversation(pool: Sequence[str], turns: int, seed: str) -> List[str]:
    """A repeatable conversation of `turns` messages drawn from pool."""
    rng = random.Random(seed)
    return [rng.choice(pool) for _ in range(turns)]


def long_messages(pool: Sequence[str], turns: int, early_turn: int, seed: str) -> List[str]:
    """The long conversation: drawn like the others, except that its last turn
    repeats the message of `early_turn`, so the two latencies compared differ in
    how long the conversation is, not in which message was sent (a crisis reply
    takes twice as long as a greeting)."""
    messages = conversation(pool, turns, seed)
    messages[-1] = messages[early_turn - 1]
    return messages


