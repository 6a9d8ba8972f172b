"""Staff accounts, login, sessions, CSRF tokens and login rate limiting.

- Passwords: argon2id (argon2-cffi defaults); there is no default account and
  no default password: accounts are made with `python -m bot staff-user add`.
- Sessions: a random token in an HttpOnly, SameSite=Strict cookie scoped to
  /staff (Secure in production or over https); the database keeps only its
  SHA-256, with the last time it was used. A session idle for longer than
  STAFF_IDLE_MINUTES, or older than 12 hours, is over.
- CSRF: every form carries an HMAC of the session token (or, on the login
  form, of a pre-login cookie) under the app's signing key.
- Rate limit, per account: a progressive delay, never a lock. The first 3
  failed logins in a row (since the account's last success, within 15
  minutes) cost nothing; after the 4th, the next attempt for that account is
  only checked once STAFF_LOGIN_DELAY_SECONDS have passed since the last
  failure, and each further failure doubles that, up to 64 times it. Attempts
  made during the wait are refused unchecked and do not lengthen it, so the
  right password gets in once the wait is over, whatever others tried. (It
  was a 15-minute lock after 5 failures: anybody could lock anybody out.)
- Rate limit, per client address: 20 checked failures within 15 minutes stop
  further attempts from that address (clientip.py says which address counts).
- Every failure is in `staff_login_attempts` (checked ones) or the audit log
  (`login_failed`, with the reason and address).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.storage import staff_tables as db
from bot.web.staff import audit

ROLES = ("reviewer", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 12
MAX_SESSION_SECONDS = 12 * 3600
WINDOW_SECONDS = 15 * 60
FREE_FAILURES = 3
MAX_DELAY_FACTOR = 64
MAX_FAILURES_PER_IP = 20

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both cases cost the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    """A staff account operation that cannot be done (shown to the operator)."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"the password must have at least {MIN_PASSWORD} characters")
    if password.strip().lower() in {"changeme", "password", "passwordpassword", "change-me-please"}:
        raise StaffError("that password is too easy to guess")


def create_user(engine, username: str, password: str, role: str) -> StaffUser:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise StaffError("user names are 3-64 characters: a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    check_password_policy(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).first():
            raise StaffError(f"user {username!r} exists already")
        new_id = conn.execute(db.users.insert().values(
            username=username, password_hash=_hasher.hash(password), role=role, created_at=time.time(),
            disabled=False)).inserted_primary_key[0]
    return StaffUser(new_id, username, role)


def set_password(engine, username: str, password: str) -> None:
    check_password_policy(password)
    with engine.begin() as conn:
        user_id = conn.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).scalar()
        if user_id is None:
            raise StaffError(f"no user {username!r}")
        conn.execute(db.users.update().where(db.users.c.id == user_id).values(password_hash=_hasher.hash(password)))
        conn.execute(db.sessions.delete().where(db.sessions.c.user_id == user_id))


def set_disabled(engine, username: str, disabled: bool) -> None:
    with engine.begin() as conn:
        user_id = conn.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).scalar()
        if user_id is None:
            raise StaffError(f"no user {username!r}")
        conn.execute(db.users.update().where(db.users.c.id == user_id).values(disabled=disabled))
        if disabled:
            conn.execute(db.sessions.delete().where(db.sessions.c.user_id == user_id))


def list_users(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(db.users.c.username, db.users.c.role, db.users.c.disabled, db.users.c.created_at)
            .order_by(db.users.c.username)).mappings()]


def _failures(conn, column, value: str, since: float) -> int:
    t = db.login_attempts
    return conn.execute(sa.select(sa.func.count()).select_from(t).where(
        column == value, t.c.at >= since, t.c.success == sa.false())).scalar() or 0


def account_wait(conn, username: str, now: float, delay_base: float) -> float:
    """Seconds until an attempt for `username` is checked again (0: now)."""
    t = db.login_attempts
    since = now - WINDOW_SECONDS
    last_ok = conn.execute(sa.select(sa.func.max(t.c.at)).where(
        t.c.username == username, t.c.success == sa.true(), t.c.at >= since)).scalar()
    since = max(since, last_ok or since)
    failed, last_failed = conn.execute(sa.select(sa.func.count(), sa.func.max(t.c.at)).where(
        t.c.username == username, t.c.success == sa.false(), t.c.at > since)).one()
    if failed <= FREE_FAILURES or last_failed is None:
        return 0.0
    delay = delay_base * min(2 ** min(failed - FREE_FAILURES - 1, 30), MAX_DELAY_FACTOR)
    return max(0.0, last_failed + delay - now)


def authenticate(engine, username: str, password: str, ip: str, now: Optional[float] = None,
                 delay_base: float = 1.0) -> Tuple[Optional[StaffUser], str]:
    """(user, "") on success, else (None, reason): "locked" (this address made too
    many failed attempts), "wait" (this account's delay is running) or "invalid"."""
    fixed = now
    clock: Callable[[], float] = time.time if fixed is None else (lambda: fixed)
    now = clock()
    username = (username or "").strip().lower()[:64]
    ip = (ip or "?")[:64]
    with engine.begin() as conn:
        reason = ""
        if _failures(conn, db.login_attempts.c.ip, ip, now - WINDOW_SECONDS) >= MAX_FAILURES_PER_IP:
            reason = "locked"
        elif account_wait(conn, username, now, delay_base) > 0:
            reason = "wait"
        if reason:
            # Refused unchecked: audited, but not counted as a failure of the
            # account, so hammering it does not make the wait longer.
            audit.record(conn, username or "?", "login_failed", detail=f"{reason} ip={ip}")
            return None, reason
        row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).mappings().first()
        ok = False
        try:
            ok = _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and row is not None and not row["disabled"]
        # Stamped after the (slow) hash check: the wait runs from when the failure was known.
        conn.execute(db.login_attempts.insert().values(username=username, ip=ip, at=clock(), success=ok))
        if not ok:
            audit.record(conn, username or "?", "login_failed", detail=f"invalid ip={ip}")
            return None, "invalid"
        if _hasher.check_needs_rehash(row["password_hash"]):
            conn.execute(db.users.update().where(db.users.c.id == row["id"])
                         .values(password_hash=_hasher.hash(password)))
        return StaffUser(row["id"], row["username"], row["role"]), ""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine, user: StaffUser, now: Optional[float] = None) -> str:
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(db.sessions.insert().values(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                                                 last_seen=now))
        # Expired sessions of everybody go on every login.
        conn.execute(db.sessions.delete().where(db.sessions.c.created_at < now - MAX_SESSION_SECONDS))
    return token


def load_session(engine, token: Optional[str], idle_seconds: float, now: Optional[float] = None
                 ) -> Optional[StaffUser]:
    """The user of a live session (and mark it used), or None."""
    if not token or len(token) > 200:
        return None
    now = time.time() if now is None else now
    s, u = db.sessions, db.users
    with engine.begin() as conn:
        row = conn.execute(sa.select(s.c.token_hash, s.c.created_at, s.c.last_seen, u.c.id, u.c.username, u.c.role,
                                     u.c.disabled)
                           .select_from(s.join(u, u.c.id == s.c.user_id))
                           .where(s.c.token_hash == _token_hash(token))).mappings().first()
        if row is None:
            return None
        if row["disabled"] or now - row["last_seen"] > idle_seconds or now - row["created_at"] > MAX_SESSION_SECONDS:
            conn.execute(s.delete().where(s.c.token_hash == row["token_hash"]))
            return None
        conn.execute(s.update().where(s.c.token_hash == row["token_hash"]).values(last_seen=now))
        return StaffUser(row["id"], row["username"], row["role"])


def end_session(engine, token: Optional[str]) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(db.sessions.delete().where(db.sessions.c.token_hash == _token_hash(token)))


def csrf_token(key: str, purpose: str, bound_to: str) -> str:
    return hmac.new(key.encode(), f"{purpose}:{bound_to}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: str, purpose: str, bound_to: Optional[str], sent: Optional[str]) -> bool:
    if not bound_to or not sent:
        return False
    return hmac.compare_digest(csrf_token(key, purpose, bound_to), sent)
