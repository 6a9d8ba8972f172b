"""tools/eval/blind_overlap.py: how close a blind batch is to the training texts."""
from pathlib import Path

import yaml

from tools.eval import blind_overlap


def _root(tmp_path: Path) -> Path:
    (tmp_path / "data" / "safety").mkdir(parents=True)
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "safety" / "risk.yml").write_text(yaml.safe_dump(
        [{"text": "ctb soon", "label": "risk", "category": "coded_slang"}]))
    (tmp_path / "data" / "nlu" / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_stretches\n  examples: |\n'
        '    - which [stretches](topic) help my lower back\n')
    return tmp_path


def test_training_texts_come_from_the_risk_sets_and_the_nlu_examples_without_annotations(tmp_path):
    assert blind_overlap.training_texts(_root(tmp_path)) == ["ctb soon", "which stretches help my lower back"]


def test_nearest_gives_the_word_jaccard_and_the_text(tmp_path):
    pool = blind_overlap.training_texts(_root(tmp_path))
    (same, text), (far, _), (nothing, empty) = blind_overlap.nearest(
        ["CTB soon!", "what stretches help with back pain", "hello"], pool)
    assert same == 1.0 and text == "ctb soon"
    assert 0 < far < blind_overlap.THRESHOLD
    assert nothing == 0.0 and empty == ""
