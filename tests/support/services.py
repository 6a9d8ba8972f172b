"""Throwaway PostgreSQL, Redis and nginx servers on 127.0.0.1, for `make scale-test`
and the tests. Each installs its Debian package when the binaries are missing (as
root, with apt-get) and raises ServiceUnavailable with the reason when it cannot.
"""
from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from bot.settings import ROOT
from tests.support.ports import free_port

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"


class ServiceUnavailable(RuntimeError):
    """A server could not be installed or started here."""


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ServiceUnavailable(f"{', '.join(packages)} not installed and this user cannot apt-get install it")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, capture_output=True, timeout=900).returncode == 0:
        return
    for cmd in (["apt-get", "update", "-q"], install):
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise ServiceUnavailable(f"`{' '.join(cmd)}` failed: {result.stderr[-500:]}")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_port(port: int, timeout: float = 30.0, what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    raise ServiceUnavailable(f"{what} did not open port {port} within {timeout:.0f}s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# ----------------------------------------------------------------- PostgreSQL
def _pg_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres_server(port: Optional[int] = None, database: str = "unknot", create: bool = True) -> Iterator[str]:
    """A fresh server; yields the SQLAlchemy URL of `database` (created unless
    `create` is False, for callers that let Rasa create it via ?login_db=)."""
    if _pg_bin() is None:
        apt_install("postgresql")
    bin_dir = _pg_bin()
    if bin_dir is None:
        raise ServiceUnavailable("PostgreSQL binaries not found after installing")
    base = Path(tempfile.mkdtemp(prefix="unknot-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = port or free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                                 "--encoding=UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"),
                                 "-o", f"-h 127.0.0.1 -p {port} -k {sock} -c max_connections=200", "start"]),
                   check=True, capture_output=True)
    try:
        wait_port(port, what="PostgreSQL")
        if create:
            subprocess.run(_as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                                         "postgres", database]), check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------- Redis
@contextlib.contextmanager
def redis_server(port: Optional[int] = None) -> Iterator[str]:
    """A fresh Redis without persistence; yields its redis:// URL (database 1)."""
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    binary = shutil.which("redis-server")
    if not binary:
        raise ServiceUnavailable("redis-server not found after installing")
    port = port or free_port()
    base = Path(tempfile.mkdtemp(prefix="unknot-redis-"))
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(base), "--daemonize", "no"],
                               stdout=open(base / "log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_port(port, what="Redis")
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        _stop(process)
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------- nginx
def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if not found:
        apt_install("nginx-light")
        found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not found:
        raise ServiceUnavailable("nginx not found after installing")
    return found


def render_nginx(replicas: Sequence[str], listen: str = "127.0.0.1:5780", runtime_dir: Optional[Path] = None,
                 template: Path = NGINX_TEMPLATE) -> str:
    """deploy/nginx.conf with the replicas ("host:port") and the listen address filled in.
    runtime_dir holds nginx's pid file, logs and temp files (default: Debian's places)."""
    if not replicas:
        raise ValueError("at least one Rasa replica is needed")
    servers = "\n".join(f"        server {r} max_fails=1 fail_timeout=10s;" for r in replicas)
    run = Path(runtime_dir) if runtime_dir else None
    return fill_placeholders(template.read_text(), dict(
        listen=listen, servers=servers.lstrip(),
        pid=str(run / "nginx.pid") if run else "/run/nginx.pid",
        error_log=str(run / "error.log") if run else "/var/log/nginx/error.log",
        access_log=str(run / "access.log") if run else "/var/log/nginx/access.log",
        temp=str(run / "tmp") if run else "/var/lib/nginx",
    ))


def fill_placeholders(text: str, values: dict) -> str:
    """Replace {{name}} placeholders (nginx's own $variables stay as they are); every
    placeholder must have a value."""
    missing = sorted(set(re.findall(r"\{\{(\w+)\}\}", text)) - set(values))
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), text)


def nginx_check(replicas: Sequence[str], listen: str = "127.0.0.1:5780") -> subprocess.CompletedProcess:
    """`nginx -t` on deploy/nginx.conf rendered for these replicas (in a temporary runtime folder)."""
    binary = nginx_binary()
    with tempfile.TemporaryDirectory(prefix="unknot-nginx-t-") as tmp:
        (Path(tmp) / "tmp").mkdir()
        path = Path(tmp) / "nginx.conf"
        path.write_text(render_nginx(replicas, listen, Path(tmp)))
        return subprocess.run([binary, "-t", "-p", tmp, "-c", str(path)], capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def nginx_server(replicas: Sequence[str], port: int) -> Iterator[Path]:
    """nginx in front of the replicas, listening on 127.0.0.1:port; yields its runtime folder."""
    binary = nginx_binary()
    base = Path(tempfile.mkdtemp(prefix="unknot-nginx-"))
    (base / "tmp").mkdir()
    os.chmod(base, 0o755)
    os.chmod(base / "tmp", 0o777)  # nginx's workers run as an unprivileged user
    config = base / "nginx.conf"
    config.write_text(render_nginx(replicas, f"127.0.0.1:{port}", base))
    process = subprocess.Popen([binary, "-p", str(base), "-c", str(config), "-g", "daemon off;"],
                               stdout=open(base / "stdout.log", "wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        wait_port(port, what="nginx")
        yield base
    finally:
        _stop(process)
        shutil.rmtree(base, ignore_errors=True)
