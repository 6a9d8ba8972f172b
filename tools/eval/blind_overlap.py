"""How close a blind batch is to what the bot was trained on: for each item, the
word Jaccard similarity of its nearest text in data/safety/*.yml and the NLU
examples of data/nlu/*.yml. Blind batches are written by helper sessions that
read none of that data, yet short common phrasings come out alike ("ctb soon");
items at or over the threshold (0.4, as when the training data was checked
against batches 15 and 16) are listed, and `--far-out` writes the others, the
part of the batch no training text is near, for a separate figure.

    python -m tools.eval.blind_overlap tests/safety/blind/batch_20.yml [--far-out var/blind_far]
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Iterable, List, Optional, Set, Tuple

import yaml

from bot.settings import ROOT
from tools.eval.nlu import nearest_by_jaccard

THRESHOLD = 0.4
_WORD = re.compile(r"[a-z']+")
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def words(text: str) -> Set[str]:
    return set(_WORD.findall(text.lower()))


def training_texts(root: Path = ROOT) -> List[str]:
    texts: List[str] = []
    for path in sorted((root / "data" / "safety").glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, list):
            texts += [item["text"] for item in data if isinstance(item, dict) and "text" in item]
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        for block in data.get("nlu", []) or []:
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(_ANNOTATION.sub(r"\1", line[2:]))
    return texts


def nearest(items: Iterable[str], pool: List[str]) -> List[Tuple[float, str]]:
    """(similarity, text) of each item's nearest pool text ("" when none shares a word)."""
    found = nearest_by_jaccard([words(item) for item in items], [(text, words(text)) for text in pool])
    return [(sim, text or "") for sim, text in found]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", nargs="+", type=Path)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--far-out", type=Path, help="write each batch's items under the threshold here")
    args = parser.parse_args(argv)
    pool = training_texts()
    print(f"{len(pool)} training texts")
    for batch in args.batches:
        items = yaml.safe_load(batch.read_text())
        close = nearest([item["text"] for item in items], pool)
        near = [(sim, item, text) for (sim, text), item in zip(close, items) if sim >= args.threshold]
        for label in ("risk", "none"):
            n = sum(item["label"] == label for item in items)
            k = sum(item["label"] == label for _, item, _ in near)
            print(f"{batch}: {label} {n} items, {k} with a training text at word Jaccard >= {args.threshold}")
        for sim, item, text in sorted(near, key=lambda x: -x[0]):
            print(f"  {sim:.2f} [{item['label']}/{item['category']}] {item['text']!r} ~ {text!r}")
        if args.far_out:
            args.far_out.mkdir(parents=True, exist_ok=True)
            far = [item for (sim, _), item in zip(close, items) if sim < args.threshold]
            (args.far_out / batch.name).write_text(yaml.safe_dump(far, allow_unicode=True, sort_keys=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
