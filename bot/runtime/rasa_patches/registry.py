"""What every patch to Rasa replaced, so all of it can be put back for a block.

A patch calls `replace(owner, name, new, patch)` instead of `setattr`: the
original (the raw attribute from the owner's `__dict__`, so a staticmethod
stays one) is kept with the patch's name. `suspended()` restores every
original, in reverse order, for the length of a block (the same-answers tests
compare the two); `replacements(patch)` lets `tools.perf.ab` switch one patch
on and off.
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Tuple

# The versions the patches are written against (requirements.lock pins them).
RASA = ("rasa", "3.6.21")
SANIC = ("sanic", "21.12.2")
JSONSCHEMA = ("jsonschema", "4.17.3")


@dataclass(frozen=True)
class Patch:
    """One patch: its name, the switch that turns it off (a group of patches
    shares one), the versions it is written for, and how to put it in."""
    name: str
    group: str  # "speedups", "hardening", "admission_gate", "warm_up"
    requires: Tuple[Tuple[str, str], ...]
    apply: Callable[[Any], None]  # called once with the Settings


@dataclass(frozen=True)
class Replacement:
    owner: Any
    name: str
    original: Any
    new: Any
    patch: str


_REPLACED: List[Replacement] = []
_lock = threading.RLock()


def replace(owner: Any, name: str, new: Any, patch: str) -> None:
    with _lock:
        original = owner.__dict__[name]
        _REPLACED.append(Replacement(owner, name, original, new, patch))
        setattr(owner, name, new)


def replacements(patch: Optional[str] = None) -> List[Replacement]:
    return [r for r in _REPLACED if patch is None or r.patch == patch]


@contextlib.contextmanager
def suspended(patches: Optional[Iterable[str]] = None) -> Iterator[None]:
    """Rasa's own functions in place of the replacements of `patches` (default:
    every patch), for the block (tests and measurements; not for use while
    serving: other conversations share them)."""
    names = None if patches is None else set(patches)
    with _lock:
        done = [r for r in _REPLACED if names is None or r.patch in names]
        for r in reversed(done):
            setattr(r.owner, r.name, r.original)
        try:
            yield
        finally:
            for r in done:
                setattr(r.owner, r.name, r.new)


def version_problem(requires: Tuple[Tuple[str, str], ...],
                    installed: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """Why a patch does not fit what is installed, or None when it does."""
    for package, pinned in requires:
        if installed is not None:
            found = installed.get(package)
        else:
            try:
                found = importlib_metadata.version(package)
            except importlib_metadata.PackageNotFoundError:
                found = None
        if found != pinned:
            return f"{package} {found or '(missing)'} is installed, the patches are written for {pinned}"
    return None
