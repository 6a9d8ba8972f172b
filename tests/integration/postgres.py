"""A throwaway PostgreSQL server on 127.0.0.1 for tests.

Installs Debian's `postgresql` package when the server binaries are missing
(the machines CI runs on start without it); skips with the reason only when
that is impossible (not root, no apt).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest


def _bin_dir() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _install() -> Optional[str]:
    """Install the server; return why it could not be, or None."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "PostgreSQL server is not installed and this user cannot apt-get install it"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "postgresql"]):
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {result.stderr[-500:]}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list) -> list:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh server; stop and delete it afterwards."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        reason = _install()
        bin_dir = _bin_dir()
        if bin_dir is None:
            pytest.skip(reason or "PostgreSQL server binaries not found after installing")
    base = Path(tempfile.mkdtemp(prefix="unknot-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                                 "--encoding=UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                                 "-o", f"-h 127.0.0.1 -p {port} -k {sock}", "start"]), check=True,
                   capture_output=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"postgresql://postgres@127.0.0.1:{port}/unknot"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
