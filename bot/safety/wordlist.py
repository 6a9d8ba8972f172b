"""Common English words, used by the normaliser as a veto.

Fuzzy matching, run-together splitting and double-letter squeezing are only
applied to tokens that are *not* common English words, so "pill" never becomes
"kill", "suited" never becomes "suicide" and "together" is never split.

The list ships as ``data/english_words.txt.gz`` (one lowercase ASCII word per
line). It is derived from spaCy's ``en_lexeme_prob`` table in spacy-lookups-data
(MIT licence): every alphabetic word with log-probability >= -15.5. Rebuild it
with::

    python -m bot.safety.wordlist
"""
from __future__ import annotations

import gzip
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet

WORDLIST_PATH = Path(__file__).with_name("data") / "english_words.txt.gz"
MIN_LOG_PROB = -15.5


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """The shipped common-word set (empty if the file is missing)."""
    try:
        with gzip.open(WORDLIST_PATH, "rt", encoding="utf-8") as handle:
            return frozenset(line.strip() for line in handle if line.strip())
    except OSError:
        return frozenset()


def build(path: Path = WORDLIST_PATH, min_log_prob: float = MIN_LOG_PROB) -> int:
    """Regenerate the word list from spacy-lookups-data. Returns the word count."""
    import spacy_lookups_data  # only needed when rebuilding

    source = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data",
                          "en_lexeme_prob.json.gz")
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        probs = json.load(handle)
    words = sorted({
        word.lower() for word, prob in probs.items()
        if prob >= min_log_prob and word.isascii() and word.isalpha()
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        raw.write(("\n".join(words) + "\n").encode("utf-8"))
    english_words.cache_clear()
    return len(words)


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {build()} words to {WORDLIST_PATH}")
