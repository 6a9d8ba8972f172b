"""Start, stop and supervise Unknot's processes: the action server, the Rasa
server and the web app (widget demo page + staff review).

Used by `make run` / `make shell` (through bot.cli) and by the integration
tests, so the tests exercise exactly what people run. `Supervisor` keeps the
children up while `make run` runs: it restarts a child that exits, and kills
and restarts one that stops answering its health URL.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.settings import ROOT, Settings

ENCODER_OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def child_env(settings: Settings, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(settings.as_env())
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Rasa's telemetry and its Sentry error reports would send data off this
    # machine; Unknot handles health conversations, so both stay off.
    env["RASA_TELEMETRY_ENABLED"] = "false"
    # The sentence encoder's files are local (var/encoder); transformers must
    # never try a hub, nor report anything.
    env.update(ENCODER_OFFLINE_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    # One signing key for every process (the Rasa server issues widget session
    # tokens, the web app signs staff cookies): resolved once, here.
    env["SECRET_KEY"] = settings.signing_key()
    env.update(extra or {})
    return env


def action_server_cmd(settings: Settings) -> List[str]:
    return [sys.executable, "-m", "bot", "actions"]


def web_app_cmd(settings: Settings) -> List[str]:
    return [sys.executable, "-m", "bot", "web"]


def rasa_server_cmd(settings: Settings, model: Path, extra_args: Sequence[str] = ()) -> List[str]:
    cmd = [
        sys.executable, "-m", "rasa", "run",
        "--model", str(model),
        "--endpoints", str(ROOT / "endpoints.yml"),
        "--credentials", str(ROOT / "credentials.yml"),
        "--interface", settings.host,
        "--port", str(settings.rasa_port),
    ]  # the log level reaches Rasa through the LOG_LEVEL environment variable
    if settings.jwt_secret:
        # Rasa's HTTP API (trackers, model, ...) only with authentication.
        cmd += ["--enable-api", "--jwt-secret", settings.jwt_secret, "--jwt-method", "HS256"]
    return cmd + list(extra_args)


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
            return 200 <= response.status < 300
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Process:
    name: str
    cmd: List[str]
    health_url: str
    log_path: Path
    popen: Optional[subprocess.Popen] = None
    cwd: Path = ROOT

    def start(self, env: Dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.cmd, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        log.close()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if http_ok(self.health_url):
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode if self.popen else '?'}; "
                                   f"see {self.log_path}:\n{tail(self.log_path)}")
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer {self.health_url} within {timeout:.0f}s; "
                           f"see {self.log_path}:\n{tail(self.log_path)}")

    def stop(self, timeout: float = 20.0) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)

    def kill(self) -> None:
        if self.alive():
            assert self.popen is not None
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill_leftovers(self) -> None:
        """SIGKILL whatever is left of the process group of a child that has exited
        (a grandchild still holding the port would make every restart fail). The
        group id cannot have been reused while any member lives."""
        if self.popen is not None and self.popen.poll() is not None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Stack:
    settings: Settings
    model: Path
    log_dir: Path = ROOT / "var" / "log"
    env_extra: Dict[str, str] = field(default_factory=dict)
    with_web: bool = True  # the web app; a measurement over REST does not need it

    def __post_init__(self) -> None:
        s = self.settings
        self.actions = Process("action server", action_server_cmd(s),
                               f"http://{s.host}:{s.action_port}/health", self.log_dir / "actions.log")
        self.rasa = Process("Rasa server", rasa_server_cmd(s, self.model),
                            f"{s.rasa_url}/", self.log_dir / "rasa.log")
        self.web = Process("web app", web_app_cmd(s), f"{s.web_url}/healthz", self.log_dir / "web.log")

    @property
    def processes(self) -> List[Process]:
        return [self.actions, self.rasa] + ([self.web] if self.with_web else [])

    @property
    def env(self) -> Dict[str, str]:
        return child_env(self.settings, self.env_extra)

    def start(self, timeout: float = 600.0) -> None:
        for process in self.processes:
            if http_ok(process.health_url):
                raise RuntimeError(f"something already answers on {process.health_url}; "
                                   "stop it or change the port in .env")
        for process in self.processes:
            process.start(self.env)
        try:
            for process in self.processes:
                process.wait_healthy(timeout)
        except Exception:
            self.stop()
            raise

    def restart_rasa(self, timeout: float = 600.0) -> None:
        self.rasa.stop()
        self.rasa.start(self.env)
        self.rasa.wait_healthy(timeout)

    def stop(self) -> None:
        for process in (self.web, self.rasa, self.actions):
            process.stop()
