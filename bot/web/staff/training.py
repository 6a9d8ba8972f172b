"""'Send to training data': chosen user messages with their corrected intent,
as Rasa NLU YAML ready to add to data/nlu/ (after a human read, as always)."""
from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

import yaml

from bot.safety.crisis_domain import DOMAIN_DIR, domain_dict


def known_intents(domain_dir=DOMAIN_DIR) -> List[str]:
    domain = domain_dict(domain_dir)
    names = []
    for entry in domain.get("intents") or []:
        names.append(next(iter(entry)) if isinstance(entry, dict) else str(entry))
    return names


class _Literal(str):
    pass


def _literal(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


def nlu_yaml(examples: Iterable[Tuple[str, str]], source: str = "") -> str:
    """examples: (intent, text) pairs; texts are single-lined and de-duplicated."""
    grouped: Dict[str, List[str]] = {}
    for intent, text in examples:
        line = " ".join((text or "").split())
        if line and line not in grouped.setdefault(intent, []):
            grouped[intent].append(line)
    grouped = {k: v for k, v in grouped.items() if v}
    class NluDumper(yaml.SafeDumper):
        """SafeDumper plus block literals, for this export only (the class is not shared)."""

    dumper = NluDumper
    dumper.add_representer(_Literal, _literal)
    doc = {"version": "3.1", "nlu": [
        {"intent": intent, "examples": _Literal("".join(f"- {t}\n" for t in texts))}
        for intent, texts in sorted(grouped.items())]}
    header = "# Exported from Unknot staff review" + (f" ({source})" if source else "") + \
             ". Masked text; read before adding to data/nlu/.\n"
    return header + yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000)
