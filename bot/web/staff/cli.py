"""`python -m bot staff-user ...` and `python -m bot retention` (wired in bot/cli.py)."""
from __future__ import annotations

import argparse
import getpass
import sys

from bot.settings import load_settings


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password (12+ characters): ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("The passwords differ; nothing changed.")
    return first


def _staff_user(args: argparse.Namespace) -> int:
    from bot.storage import staff_tables as db
    from bot.web.staff import auth

    settings = load_settings()
    engine = db.get_engine(settings.database_url)
    try:
        if args.action == "list":
            for u in auth.list_users(engine):
                print(f"{u['username']:24} {u['role']:9} {'disabled' if u['disabled'] else 'active'}")
            return 0
        if not args.username:
            print("a user name is required", file=sys.stderr)
            return 2
        if args.action == "add":
            user = auth.create_user(engine, args.username, _read_password(args), args.role)
            print(f"Created {user.role} {user.username!r}.")
        elif args.action == "passwd":
            auth.set_password(engine, args.username, _read_password(args))
            print(f"Password of {args.username!r} changed; their sessions ended.")
        elif args.action in ("disable", "enable"):
            auth.set_disabled(engine, args.username, args.action == "disable")
            print(f"{args.username!r} {args.action}d.")
    except auth.StaffError as error:
        print(f"Not done: {error}", file=sys.stderr)
        return 1
    return 0


def _retention(args: argparse.Namespace) -> int:
    from bot.storage import staff_tables as db
    from bot.web.staff import retention

    settings = load_settings()
    days = args.days or settings.retention_days
    result = retention.purge(db.get_engine(settings.database_url), days, dry_run=args.dry_run)
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb} {result['conversations']} conversations with no activity in the last {days} days"
          + ("" if args.dry_run else f" ({result['events']} events, and their staff notes, reviews and audit rows)."))
    return 0


def add_staff_commands(sub) -> None:
    p = sub.add_parser("staff-user", help="manage staff review accounts",
                       description="Staff accounts for the review app. There is no default account or password.")
    p.add_argument("action", choices=["add", "passwd", "disable", "enable", "list"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["reviewer", "admin"], default="reviewer")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.set_defaults(func=_staff_user)
    p = sub.add_parser("retention", help="delete conversations older than RETENTION_DAYS")
    p.add_argument("--days", type=int, default=0, help="override RETENTION_DAYS")
    p.add_argument("--dry-run", action="store_true", help="only count")
    p.set_defaults(func=_retention)
