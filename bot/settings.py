"""One typed place for Unknot's configuration.

Everything comes from the environment, with `.env` (see `.env.example`) loaded first
when it exists. The Rasa yml files read the same variables through `${VAR}`
placeholders; `Settings.as_env()` is what the launcher exports so those
placeholders always resolve, even when a variable is left unset.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Optional

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "please-change-me"}


class SettingsError(ValueError):
    """A setting has a value Unknot cannot run with."""


def _int(env: Mapping[str, str], name: str, default: int, low: int = 1, high: int = 65535) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    database_url: str = _sqlite_url(ROOT / "var" / "unknot.db")
    clinic_name: str = "the clinic"
    clinic_contact: str = ""
    jwt_secret: str = ""
    log_level: str = "INFO"
    # fixed paths, shared with config.yml and the Makefile
    spacy_model_path: Path = ROOT / "var" / "spacy" / "en_unknot"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        """Refuse settings that would be unsafe in production."""
        if self.is_production and self.jwt_secret.strip().lower() in PLACEHOLDER_SECRETS - {""}:
            raise SettingsError("RASA_JWT_SECRET is a placeholder; set a real secret or leave it empty")

    def as_env(self) -> Dict[str, str]:
        """Every setting as environment variables, for child processes: the
        action server reads them back with load_settings(), and the Rasa yml
        placeholders (${VAR}) find theirs resolved."""
        return {
            "UNKNOT_ENV": self.env,
            "UNKNOT_HOST": self.host,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ACTION_SERVER_URL": self.action_endpoint_url,
            "DATABASE_URL": self.database_url,
            "CLINIC_NAME": self.clinic_name,
            "CLINIC_CONTACT": self.clinic_contact,
            "RASA_JWT_SECRET": self.jwt_secret,
            "LOG_LEVEL": self.log_level,
        }


def _absolute_sqlite(url: str) -> str:
    """Make a relative SQLite path relative to the repository, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rel = url[len(prefix):]
        if rel and rel != ":memory:":
            return _sqlite_url(ROOT / rel)
    return url


def load_settings(environ: Optional[Mapping[str, str]] = None, dotenv_path: Optional[Path] = None) -> Settings:
    """Read settings: real environment first, then `.env`, then defaults."""
    if environ is None:
        path = dotenv_path or ROOT / ".env"
        merged = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}
        merged.update(os.environ)
    else:
        merged = dict(environ)
    defaults = Settings()
    env_name = merged.get("UNKNOT_ENV", defaults.env).strip() or defaults.env
    if env_name not in {"development", "test", "production"}:
        raise SettingsError(f"UNKNOT_ENV must be development, test or production, got {env_name!r}")
    settings = Settings(
        env=env_name,
        host=merged.get("UNKNOT_HOST", defaults.host).strip() or defaults.host,
        rasa_port=_int(merged, "RASA_PORT", defaults.rasa_port),
        action_port=_int(merged, "ACTION_PORT", defaults.action_port),
        database_url=_absolute_sqlite(merged.get("DATABASE_URL", "").strip() or defaults.database_url),
        clinic_name=merged.get("CLINIC_NAME", "").strip() or defaults.clinic_name,
        clinic_contact=merged.get("CLINIC_CONTACT", "").strip(),
        jwt_secret=merged.get("RASA_JWT_SECRET", "").strip(),
        log_level=(merged.get("LOG_LEVEL", defaults.log_level).strip() or defaults.log_level).upper(),
    )
    if settings.rasa_port == settings.action_port:
        raise SettingsError("RASA_PORT and ACTION_PORT must differ")
    settings.check()
    return settings
