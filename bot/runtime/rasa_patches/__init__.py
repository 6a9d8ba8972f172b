"""Every change Unknot makes to Rasa's (and Sanic's, jsonschema's) own code, in one place.

One module per patch, one registry (`PATCHES`, in the order they go in):

  speedups (UNKNOT_SPEEDUPS; profiled hot spots, docs/performance.md; nothing here
  changes what the bot answers: tests/integration/test_speedups_same_answers.py)
    jsonschema_checks   a custom action's response schema is checked once
    event_classes       Event.resolve_by_type remembers its answers
    endpoint_sessions   one HTTP session for the action server, not one per call
    graph_runner        model graphs run directly, not through dask
    rule_index          RulePolicy tests only the rules that can match the last action
    state_replay        dialogue states replayed from where they stopped
  admission_gate (MAX_CONCURRENT_MESSAGES, 0 = off; with the speedups)
    admission_gate      a few messages in the processor at once, risk first
  hardening (UNKNOT_HARDENING; docs/deployment.md "Robustness")
    http_framing        bad HTTP framing gets a 4xx, bodies capped and timed
    risk_on_payloads    a typed "/intent" payload keeps RiskGuard's result
  warm_up (RASA_WARM_UP)
    warm_up             one made-up message through a model as it is loaded

Nothing is patched on import. `install(settings)` puts in the patches the
settings switch on, once per process; the Rasa server calls it when it builds
Unknot's tracker store (bot/storage/tracker_store.py, named by endpoints.yml),
which happens before it loads the model and before it accepts a connection.
A patch whose pinned versions are not the installed ones is refused with one
error line in the log, and the server runs on Rasa's own code. `suspended()`
puts Rasa's own code back, for every patch (or the groups named), for the length of a block.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.runtime.rasa_patches import (
    admission_gate,
    endpoint_sessions,
    event_classes,
    graph_runner,
    http_framing,
    jsonschema_checks,
    registry,
    risk_on_payloads,
    rule_index,
    state_replay,
    warm_up,
)
from bot.runtime.rasa_patches.registry import (
    Patch,
    Replacement,
    replacements,
    version_problem,
)

__all__ = ["PATCHES", "Patch", "Replacement", "enabled_groups", "install", "installed", "replacements",
           "suspended", "version_problem"]

logger = logging.getLogger(__name__)

PATCHES: tuple = tuple(m.PATCH for m in (
    jsonschema_checks, event_classes, endpoint_sessions, graph_runner, rule_index, state_replay,
    admission_gate, http_framing, risk_on_payloads, warm_up))

# What a refused patch costs, for the log line.
_WITHOUT = {
    "speedups": "slower replies",
    "admission_gate": "risk messages no longer go ahead of a queue",
    "hardening": "malformed HTTP framing can hang this server and typed payloads skip the risk check",
    "warm_up": "the first reply after a start is slow",
}

_installed: Dict[str, Patch] = {}
_lock = threading.Lock()


def enabled_groups(settings: Any) -> List[str]:
    """The groups of patches the settings switch on."""
    groups = []
    if settings.speedups:
        groups.append("speedups")
        if settings.max_concurrent_messages > 0:
            groups.append("admission_gate")
    if settings.hardening:
        groups.append("hardening")
    if settings.warm_up:
        groups.append("warm_up")
    return groups


def install(settings: Any = None, groups: Optional[Iterable[str]] = None,
            versions: Optional[Mapping[str, str]] = None) -> List[str]:
    """Put in the patches of `groups` (default: those the settings switch on)
    that are not in yet; returns the names of every patch in now. `versions`
    stands in for the installed package versions (tests)."""
    if settings is None:
        from bot.settings import load_settings

        settings = load_settings()
    wanted = set(enabled_groups(settings) if groups is None else groups)
    with _lock:
        refused: Dict[str, str] = {}
        for patch in PATCHES:
            if patch.name in _installed or patch.group not in wanted:
                continue
            problem = version_problem(patch.requires, versions)
            if problem:
                refused[patch.name] = problem
                continue
            patch.apply(settings)
            _installed[patch.name] = patch
        if refused:
            costs = sorted({_WITHOUT[p.group] for p in PATCHES if p.name in refused})
            logger.error("Rasa patches NOT installed (%s): %s. Running on Rasa's own code: %s.",
                         ", ".join(refused), sorted(set(refused.values()))[0], "; ".join(costs))
        return list(_installed)


def suspended(*groups: str) -> Any:
    """A context manager: Rasa's own code back for the patches of `groups`
    (default: every patch) while the block runs."""
    return registry.suspended(None if not groups else [p.name for p in PATCHES if p.group in groups])


def installed() -> List[str]:
    return list(_installed)
