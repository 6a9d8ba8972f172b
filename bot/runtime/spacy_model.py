"""The spaCy pipeline Rasa's SpacyNLP loads: blank English + lookup lemmatizer.

spaCy's trained model weights cannot be downloaded on our machines, so we
build the smallest pipeline that gives tokens and lemmas and save it to disk.
"""
from __future__ import annotations

from pathlib import Path


def build_pipeline():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    return nlp


def ensure_spacy_model(path: Path, force: bool = False) -> bool:
    """Build the pipeline at `path` unless it is already there. True if built."""
    if (path / "config.cfg").exists() and not force:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(path)
    return True
