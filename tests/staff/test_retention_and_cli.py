"""`python -m bot retention` deletes old conversations completely; `python -m bot
staff-user` makes accounts (no default account, no default password)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from bot.settings import ROOT
from bot.storage import safety_plan_table
from bot.storage import staff_tables as db
from bot.web.staff import auth, summary
from tests.support.staff import login, make_client

pytestmark = pytest.mark.slow


def cli(url, *args, stdin=""):
    env = dict(os.environ, DATABASE_URL=url, UNKNOT_ENV="test", SECRET_KEY="t" * 48)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def every_text_cell(engine):
    """Every value of every column of every table in the database, as text."""
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    yield table, str(value)


def test_retention_deletes_old_conversations_from_events_and_every_staff_table(staff_db, bot_conversations):
    url, senders = staff_db
    engine = db.get_engine(url)
    old = senders["old"]
    # staff have worked on the old conversation: viewed, reviewed, tagged, noted
    client = login(make_client(url), "adam")
    cid = next(r["id"] for r in client.get("/staff/api/conversations", params={"q": "oldconversationmarker"}).json()["data"])
    token = client.get("/staff/api/me").json()["csrf_token"]
    client.post(f"/staff/conversations/{cid}/review", data={"reviewed": "yes", "csrf_token": token})
    client.post(f"/staff/conversations/{cid}/tags", data={"tags": "old", "csrf_token": token})
    client.post(f"/staff/conversations/{cid}/notes", data={"body": "OLDNOTEMARKER", "csrf_token": token})
    client.post(f"/staff/conversations/{cid}/unmask", data={"csrf_token": token})
    with engine.begin() as conn:  # and the person made a safety plan in it (bot/storage/safety_plan_table.py)
        safety_plan_table.store(conn, old, {"warning_signs": "OLDPLANMARKER"}, 1.0)
    found = [t for t, v in every_text_cell(engine) if old in v or "OLDCONVERSATIONMARKER" in v or "OLDNOTEMARKER" in v]
    found += [t for t, v in every_text_cell(engine) if "OLDPLANMARKER" in v]
    assert {"events", "unknot_tracker_windows", "staff_conversations", "staff_reviews", "staff_notes",
            "staff_audit", "unknot_safety_plans"} <= set(found)
    before = {t: v for t, v in every_text_cell(engine)}

    dry = cli(url, "retention", "--days", "365", "--dry-run")
    assert dry.returncode == 0 and "Would delete 1 conversations" in dry.stdout, dry.stderr
    result = cli(url, "retention", "--days", "365")
    assert result.returncode == 0 and "Deleted 1 conversations" in result.stdout, result.stderr

    leftovers = [(t, v) for t, v in every_text_cell(engine)
                 if old in v or "oldconversationmarker" in v.lower() or "OLDNOTEMARKER" in v or "OLDPLANMARKER" in v]
    assert leftovers == []
    # everything else is still there, and the refresh does not bring it back
    summary.refresh(engine)
    with engine.connect() as conn:
        kept = {r[0] for r in conn.execute(sa.select(db.events.c.sender_id).distinct())}
        assert kept == set(senders.values()) - {old}
        windows = {r[0] for r in conn.execute(sa.text("SELECT sender_id FROM unknot_tracker_windows"))}
        assert windows and old not in windows and windows <= kept
        assert conn.execute(sa.select(sa.func.count()).select_from(db.conversations)).scalar() == len(kept)
        last = conn.execute(sa.select(db.audit).order_by(db.audit.c.id.desc())).mappings().first()
    assert last["action"] == "retention" and "deleted 1 conversations" in last["detail"]
    assert before  # (the scan above really read the tables)


def test_staff_user_cli_creates_accounts_without_defaults(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.db'}"
    listed = cli(url, "staff-user", "list")
    assert listed.returncode == 0 and listed.stdout.strip() == ""  # no default account
    short = cli(url, "staff-user", "add", "nora", "--role", "admin", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 12" in short.stderr
    made = cli(url, "staff-user", "add", "nora", "--role", "admin", "--password-stdin", stdin="a-very-long-secret\n")
    assert made.returncode == 0 and "Created admin 'nora'" in made.stdout
    assert cli(url, "staff-user", "add", "nora", "--password-stdin", stdin="a-very-long-secret\n").returncode == 1
    engine = db.get_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(db.users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and "a-very-long-secret" not in stored
    user, _ = auth.authenticate(engine, "nora", "a-very-long-secret", "127.0.0.1")
    assert user is not None and user.role == "admin"
    assert cli(url, "staff-user", "disable", "nora").returncode == 0
    assert auth.authenticate(engine, "nora", "a-very-long-secret", "127.0.0.1")[0] is None
