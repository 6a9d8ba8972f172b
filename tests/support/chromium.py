"""Debian's Chromium for the Playwright browser tests.

`playwright install` cannot download browsers here, so the tests drive the
distribution's `chromium`, installing it with apt when it is missing (the
machines the tests run on start without it). They skip, with the reason, only
when that is impossible.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def ensure_chromium() -> Optional[str]:
    """Install Debian's chromium when missing; return why it is unavailable, or None."""
    if CHROMIUM.exists():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "chromium is not installed and this user cannot apt-get install it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Another checkout may be running apt at the same time: wait for its lock.
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    for cmd in (["apt-get", *lock, "update", "-q"], ["apt-get", *lock, "install", "-y", "-q", "chromium"]):
        try:
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(cmd)}` timed out"
        if result.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {result.stderr[-500:]}"
    return None if CHROMIUM.exists() else "apt-get installed chromium but /usr/bin/chromium is missing"


if __name__ == "__main__":
    print(ensure_chromium() or f"{CHROMIUM} ready")
