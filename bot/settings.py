"""One typed place for Unknot's configuration.

Everything comes from the environment, with `.env` (see `.env.example`) loaded first
when it exists. The Rasa yml files read the same variables through `${VAR}`
placeholders; `Settings.as_env()` is what the launcher exports so those
placeholders always resolve, even when a variable is left unset.
"""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

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


# Fewer turns than this could hide states the policies look at (TEDPolicy's
# max_history is 5 states; the two-stage fallback looks 3 user messages back).
MIN_WINDOW_TURNS = 5


def window_turns(raw: object, default: int = 10) -> int:
    """TRACKER_WINDOW_TURNS: 0 (off) or the user turns the tracker store hands Rasa.
    Shared by load_settings and the tracker store, which gets the value as a
    string from endpoints.yml."""
    name = "TRACKER_WINDOW_TURNS"
    value = _int({name: "" if raw is None else str(raw)}, name, default, 0, 1000)
    if 0 < value < MIN_WINDOW_TURNS:
        raise SettingsError(f"{name} must be 0 (off) or at least {MIN_WINDOW_TURNS}, got {value}")
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
    # Several Rasa replicas: a shared Redis lock store (empty: in-memory locks, one process).
    lock_store_url: str = ""
    lock_store_key_prefix: str = "unknot"
    # Seconds a conversation lock outlives a replica that died holding it (Rasa's own variable).
    ticket_lock_lifetime: int = 60
    max_concurrent_messages: int = 2
    # User turns of the current session the tracker store hands Rasa (0: the whole session).
    tracker_window_turns: int = 10
    clinic_name: str = "the clinic"
    clinic_contact: str = ""
    jwt_secret: str = ""
    log_level: str = "INFO"
    # Rasa server HTTP limits (the http_framing patch, bot/runtime/rasa_patches/): body bytes, seconds for a request's head and body.
    rasa_request_max_bytes: int = 64 * 1024
    rasa_request_timeout: int = 20
    # web app (widget host + staff review)
    web_port: int = 8000
    web_allowed_origins: Tuple[str, ...] = ()
    secret_key: str = ""
    staff_idle_minutes: int = 30
    # Proxies whose X-Forwarded-For the staff login's per-address limit believes (none by default).
    trusted_proxies: Tuple[str, ...] = ()
    # A staff account's 4th failed login in a row waits this long before the next is checked; each
    # further failure doubles it, up to 64 times this.
    staff_login_delay_seconds: float = 1.0
    retention_days: int = 365
    # Alerts to the clinic on high risk (bot/web/alerts). With neither a webhook nor SMTP set,
    # alerts are still recorded and shown in the staff app, but nobody is told.
    alert_webhook_url: str = ""
    alert_webhook_secret: str = ""
    alert_smtp_host: str = ""
    alert_smtp_port: int = 587
    alert_smtp_user: str = ""
    alert_smtp_password: str = ""
    alert_smtp_starttls: bool = True
    alert_email_from: str = ""
    alert_email_to: Tuple[str, ...] = ()
    alert_remind_minutes: int = 30
    alert_poll_seconds: float = 10.0
    alert_retry_max_seconds: float = 300.0
    # Base of the staff links in alerts (the address staff open, e.g. https://bot.clinic.example).
    staff_public_url: str = ""
    # Telegram (the channel is off while the token is empty)
    telegram_token: str = ""
    telegram_webhook_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    # Switches for the patches to Rasa (bot/runtime/rasa_patches/): off only to compare with stock Rasa
    speedups: bool = True  # UNKNOT_SPEEDUPS (and the admission gate with them)
    hardening: bool = True  # UNKNOT_HARDENING
    warm_up: bool = True  # RASA_WARM_UP
    # `make run`'s supervisor (bot.runtime.launcher.Supervisor): health checks and restarts
    watchdog_interval_seconds: int = 5
    watchdog_timeout_seconds: int = 5
    watchdog_failures: int = 3
    start_timeout_seconds: int = 600
    restart_backoff_max_seconds: int = 30
    # fixed paths, shared with config.yml and the Makefile
    spacy_model_path: Path = ROOT / "var" / "spacy" / "en_unknot"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def allowed_origins(self) -> Tuple[str, ...]:
        """Origins allowed to open the widget's socket.io connection. Default:
        the web app's own origin (both loopback spellings)."""
        if self.web_allowed_origins:
            return self.web_allowed_origins
        return (f"http://127.0.0.1:{self.web_port}", f"http://localhost:{self.web_port}")

    @property
    def alert_channels(self) -> Tuple[str, ...]:
        """The alert channels that are configured: "webhook", "email" (none: alerts are only recorded)."""
        return tuple(name for name, on in (("webhook", bool(self.alert_webhook_url)),
                                           ("email", bool(self.alert_smtp_host and self.alert_email_to))) if on)

    @property
    def staff_base_url(self) -> str:
        return (self.staff_public_url or self.web_url).rstrip("/") + "/staff"

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        """Refuse settings that would be unsafe in production."""
        if self.is_production and self.jwt_secret.strip().lower() in PLACEHOLDER_SECRETS - {""}:
            raise SettingsError("RASA_JWT_SECRET is a placeholder; set a real secret or leave it empty")
        if self.is_production and (self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32):
            raise SettingsError("SECRET_KEY must be set to a random value of at least 32 characters in production")
        if self.telegram_enabled and len(self.telegram_webhook_secret) < 16:
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET (16+ characters, A-Z a-z 0-9 _ -) is required "
                                "when TELEGRAM_BOT_TOKEN is set")

    def signing_key(self) -> str:
        """SECRET_KEY, or (outside production) a random key generated once and
        kept in var/secret_key with owner-only permissions, so sessions survive
        restarts on one machine without anybody choosing a weak key."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise SettingsError("SECRET_KEY is required in production")
        path = ROOT / "var" / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            key = secrets.token_urlsafe(48)
            handle.write(key)
        return key

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
            "LOCK_STORE_URL": self.lock_store_url,
            "LOCK_STORE_KEY_PREFIX": self.lock_store_key_prefix,
            "TICKET_LOCK_LIFETIME": str(self.ticket_lock_lifetime),
            "MAX_CONCURRENT_MESSAGES": str(self.max_concurrent_messages),
            "TRACKER_WINDOW_TURNS": str(self.tracker_window_turns),
            "CLINIC_NAME": self.clinic_name,
            "CLINIC_CONTACT": self.clinic_contact,
            "RASA_JWT_SECRET": self.jwt_secret,
            "LOG_LEVEL": self.log_level,
            "RASA_REQUEST_MAX_BYTES": str(self.rasa_request_max_bytes),
            "RASA_REQUEST_TIMEOUT": str(self.rasa_request_timeout),
            "WEB_PORT": str(self.web_port),
            "WEB_ALLOWED_ORIGINS": ",".join(self.web_allowed_origins),
            "SECRET_KEY": self.secret_key,
            "STAFF_IDLE_MINUTES": str(self.staff_idle_minutes),
            "TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "STAFF_LOGIN_DELAY_SECONDS": str(self.staff_login_delay_seconds),
            "RETENTION_DAYS": str(self.retention_days),
            "ALERT_WEBHOOK_URL": self.alert_webhook_url,
            "ALERT_WEBHOOK_SECRET": self.alert_webhook_secret,
            "ALERT_SMTP_HOST": self.alert_smtp_host,
            "ALERT_SMTP_PORT": str(self.alert_smtp_port),
            "ALERT_SMTP_USER": self.alert_smtp_user,
            "ALERT_SMTP_PASSWORD": self.alert_smtp_password,
            "ALERT_SMTP_STARTTLS": "on" if self.alert_smtp_starttls else "off",
            "ALERT_EMAIL_FROM": self.alert_email_from,
            "ALERT_EMAIL_TO": ",".join(self.alert_email_to),
            "ALERT_REMIND_MINUTES": str(self.alert_remind_minutes),
            "ALERT_POLL_SECONDS": str(self.alert_poll_seconds),
            "ALERT_RETRY_MAX_SECONDS": str(self.alert_retry_max_seconds),
            "STAFF_PUBLIC_URL": self.staff_public_url,
            "TELEGRAM_BOT_TOKEN": self.telegram_token,
            "TELEGRAM_WEBHOOK_URL": self.telegram_webhook_url,
            "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret,
            "TELEGRAM_API_BASE_URL": self.telegram_api_base_url,
            "UNKNOT_SPEEDUPS": "on" if self.speedups else "off",
            "UNKNOT_HARDENING": "on" if self.hardening else "off",
            "RASA_WARM_UP": "on" if self.warm_up else "off",
            "WATCHDOG_INTERVAL_SECONDS": str(self.watchdog_interval_seconds),
            "WATCHDOG_TIMEOUT_SECONDS": str(self.watchdog_timeout_seconds),
            "WATCHDOG_FAILURES": str(self.watchdog_failures),
            "START_TIMEOUT_SECONDS": str(self.start_timeout_seconds),
            "RESTART_BACKOFF_MAX_SECONDS": str(self.restart_backoff_max_seconds),
        }


def _absolute_sqlite(url: str) -> str:
    """Make a relative SQLite path relative to the repository, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rel = url[len(prefix):]
        if rel and rel != ":memory:":
            return _sqlite_url(ROOT / rel)
    return url


def _origins(raw: str) -> Tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", origin):
            raise SettingsError(f"WEB_ALLOWED_ORIGINS: {origin!r} is not an origin like https://clinic.example")
    return origins


def _trusted_proxies(raw: str) -> Tuple[str, ...]:
    try:
        return tuple(str(ipaddress.ip_network(part.strip(), strict=False)) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"TRUSTED_PROXIES must be comma-separated addresses or networks "
                            f"like 10.0.0.5 or 10.0.0.0/24, got {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _http_url(name: str, raw: str) -> str:
    url = raw.strip()
    if url and not re.match(r"https?://[^/?#\s]+", url):
        raise SettingsError(f"{name} must be empty or an http(s):// URL, got {url!r}")
    return url


def _switch(name: str, raw: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value not in {"on", "off", "true", "false", "1", "0", "yes", "no"}:
        raise SettingsError(f"{name} must be on or off, got {raw!r}")
    return value in {"on", "true", "1", "yes"}


def _addresses(name: str, raw: str) -> Tuple[str, ...]:
    found = tuple(part.strip() for part in raw.split(",") if part.strip())
    for address in found:
        if not re.fullmatch(r"[^@\s,<>]+@[^@\s,<>]+", address):
            raise SettingsError(f"{name} must be comma-separated e-mail addresses, got {address!r}")
    return found


def _lock_store_url(raw: str) -> str:
    url = raw.strip()
    if url and not re.match(r"rediss?://[^/?#]", url):
        raise SettingsError(f"LOCK_STORE_URL must be empty or a redis://host:port/db URL, got {url!r}")
    return url


def _key_prefix(raw: str, default: str) -> str:
    prefix = raw.strip() or default
    if not prefix.isalnum():
        raise SettingsError(f"LOCK_STORE_KEY_PREFIX must be letters and digits only, got {prefix!r}")
    return prefix


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
        lock_store_url=_lock_store_url(merged.get("LOCK_STORE_URL", "")),
        lock_store_key_prefix=_key_prefix(merged.get("LOCK_STORE_KEY_PREFIX", ""), defaults.lock_store_key_prefix),
        ticket_lock_lifetime=_int(merged, "TICKET_LOCK_LIFETIME", defaults.ticket_lock_lifetime, 1, 3600),
        max_concurrent_messages=_int(merged, "MAX_CONCURRENT_MESSAGES", defaults.max_concurrent_messages, 0, 1000),
        tracker_window_turns=window_turns(merged.get("TRACKER_WINDOW_TURNS", ""), defaults.tracker_window_turns),
        clinic_name=merged.get("CLINIC_NAME", "").strip() or defaults.clinic_name,
        clinic_contact=merged.get("CLINIC_CONTACT", "").strip(),
        jwt_secret=merged.get("RASA_JWT_SECRET", "").strip(),
        log_level=(merged.get("LOG_LEVEL", defaults.log_level).strip() or defaults.log_level).upper(),
        rasa_request_max_bytes=_int(merged, "RASA_REQUEST_MAX_BYTES", defaults.rasa_request_max_bytes,
                                    1024, 100_000_000),
        rasa_request_timeout=_int(merged, "RASA_REQUEST_TIMEOUT", defaults.rasa_request_timeout, 1, 3600),
        web_port=_int(merged, "WEB_PORT", defaults.web_port),
        web_allowed_origins=_origins(merged.get("WEB_ALLOWED_ORIGINS", "")),
        secret_key=merged.get("SECRET_KEY", "").strip(),
        staff_idle_minutes=_int(merged, "STAFF_IDLE_MINUTES", defaults.staff_idle_minutes, 1, 24 * 60),
        trusted_proxies=_trusted_proxies(merged.get("TRUSTED_PROXIES", "")),
        staff_login_delay_seconds=_seconds(merged, "STAFF_LOGIN_DELAY_SECONDS", defaults.staff_login_delay_seconds,
                                           0.01, 60),
        retention_days=_int(merged, "RETENTION_DAYS", defaults.retention_days, 1, 100 * 365),
        alert_webhook_url=_http_url("ALERT_WEBHOOK_URL", merged.get("ALERT_WEBHOOK_URL", "")),
        alert_webhook_secret=merged.get("ALERT_WEBHOOK_SECRET", "").strip(),
        alert_smtp_host=merged.get("ALERT_SMTP_HOST", "").strip(),
        alert_smtp_port=_int(merged, "ALERT_SMTP_PORT", defaults.alert_smtp_port),
        alert_smtp_user=merged.get("ALERT_SMTP_USER", "").strip(),
        alert_smtp_password=merged.get("ALERT_SMTP_PASSWORD", ""),
        alert_smtp_starttls=_switch("ALERT_SMTP_STARTTLS", merged.get("ALERT_SMTP_STARTTLS", ""),
                                    defaults.alert_smtp_starttls),
        alert_email_from=(_addresses("ALERT_EMAIL_FROM", merged.get("ALERT_EMAIL_FROM", "")) or ("",))[0],
        alert_email_to=_addresses("ALERT_EMAIL_TO", merged.get("ALERT_EMAIL_TO", "")),
        alert_remind_minutes=_int(merged, "ALERT_REMIND_MINUTES", defaults.alert_remind_minutes, 1, 7 * 24 * 60),
        alert_poll_seconds=_seconds(merged, "ALERT_POLL_SECONDS", defaults.alert_poll_seconds, 0.05, 60),
        alert_retry_max_seconds=_seconds(merged, "ALERT_RETRY_MAX_SECONDS", defaults.alert_retry_max_seconds,
                                         0.1, 24 * 3600),
        staff_public_url=_http_url("STAFF_PUBLIC_URL", merged.get("STAFF_PUBLIC_URL", "")),
        speedups=_switch("UNKNOT_SPEEDUPS", merged.get("UNKNOT_SPEEDUPS", ""), defaults.speedups),
        hardening=_switch("UNKNOT_HARDENING", merged.get("UNKNOT_HARDENING", ""), defaults.hardening),
        warm_up=_switch("RASA_WARM_UP", merged.get("RASA_WARM_UP", ""), defaults.warm_up),
        telegram_token=merged.get("TELEGRAM_BOT_TOKEN", "").strip(),
        telegram_webhook_url=merged.get("TELEGRAM_WEBHOOK_URL", "").strip(),
        telegram_webhook_secret=merged.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
        telegram_api_base_url=(merged.get("TELEGRAM_API_BASE_URL", "").strip().rstrip("/")
                               or defaults.telegram_api_base_url),
        watchdog_interval_seconds=_int(merged, "WATCHDOG_INTERVAL_SECONDS", defaults.watchdog_interval_seconds,
                                       1, 3600),
        watchdog_timeout_seconds=_int(merged, "WATCHDOG_TIMEOUT_SECONDS", defaults.watchdog_timeout_seconds, 1, 600),
        watchdog_failures=_int(merged, "WATCHDOG_FAILURES", defaults.watchdog_failures, 1, 100),
        start_timeout_seconds=_int(merged, "START_TIMEOUT_SECONDS", defaults.start_timeout_seconds, 5, 24 * 3600),
        restart_backoff_max_seconds=_int(merged, "RESTART_BACKOFF_MAX_SECONDS", defaults.restart_backoff_max_seconds,
                                         1, 3600),
    )
    if settings.alert_smtp_host and not (settings.alert_email_to and settings.alert_email_from):
        raise SettingsError("ALERT_SMTP_HOST is set: ALERT_EMAIL_FROM and ALERT_EMAIL_TO are needed too")
    if len({settings.rasa_port, settings.action_port, settings.web_port}) < 3:
        raise SettingsError("RASA_PORT, ACTION_PORT and WEB_PORT must all differ")
    settings.check()
    return settings
