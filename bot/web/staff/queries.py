"""What the staff pages and API show: the queue, the filtered list, one
conversation, review work, the dashboard figures and exports.

Everything reads the summary tables (kept fresh by summary.refresh) and the
events of one conversation at a time; personal identifiers are masked here,
before anything reaches a template, the JSON API or an export.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Tuple

import sqlalchemy as sa

from bot.flows.safety_plan import STEPS
from bot.storage import safety_plan_table
from bot.storage import staff_tables as db
from bot.web.alerts import store as alert_store
from bot.web.staff.masking import MAX_MATCH, clean, mask_capped
from bot.web.staff.summary import conversation_rows, walk

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_EXPORT = 5000
# Page numbers beyond this are refused (400) rather than turned into an OFFSET
# SQLite cannot hold; 100,000 pages of 100 is far more than any database here.
MAX_PAGE = 100_000
# Database ids are 64-bit; anything outside is no conversation (404).
MAX_ID = 2 ** 63 - 1
# Characters of one message shown on the transcript page (admins can open the
# rest); masking and rendering work stay bounded however long a message is.
DISPLAY_CAP = 5_000
# What an admin's "show more" masks and shows of one message at most.
FULL_CAP = 1_000_000
# Characters of one message (or slot value) in an export, and of a slot value on the page.
EXPORT_CAP = 20_000
SLOT_CAP = 2_000
TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,31}$")


def pseudonym(key: str, sender_id: str) -> str:
    """A stable stand-in for the sender id (a Telegram chat id is personal data)."""
    return "c-" + hmac.new(key.encode(), sender_id.encode(), hashlib.sha256).hexdigest()[:10]


def iso(ts: Optional[float]) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if ts else ""


@dataclass
class Filters:
    date_from: str = ""   # yyyy-mm-dd, on the conversation's last activity
    date_to: str = ""
    channel: str = ""
    flagged: str = ""     # "", "yes", "no"
    reviewed: str = ""    # "", "yes", "no"
    low_confidence: str = ""
    intent: str = ""
    q: str = ""
    page: int = 1
    per_page: int = PAGE_SIZE
    errors: List[str] = field(default_factory=list)
    number_errors: List[str] = field(default_factory=list)  # page / per_page out of range: a 400

    @classmethod
    def from_params(cls, params) -> "Filters":
        f = cls()
        for name in ("date_from", "date_to", "channel", "flagged", "reviewed", "low_confidence", "intent", "q"):
            setattr(f, name, (params.get(name) or "").strip()[:200])
        for name in ("date_from", "date_to"):
            value = getattr(f, name)
            if value:
                try:
                    datetime.strptime(value, "%Y-%m-%d")
                except ValueError:
                    f.errors.append(f"{name.replace('_', ' ')} must be a date like 2025-01-31")
                    setattr(f, name, "")
        for name in ("flagged", "reviewed", "low_confidence"):
            if getattr(f, name) not in ("", "yes", "no"):
                setattr(f, name, "")
        page = bounded_int(params.get("page"), 1, MAX_PAGE)
        if page is None:
            f.number_errors.append(f"page must be a whole number from 1 to {MAX_PAGE}")
        f.page = page or 1
        # Above MAX_PAGE_SIZE is served as MAX_PAGE_SIZE, as before; absurd values are refused.
        per_page = bounded_int(params.get("per_page") or str(PAGE_SIZE), 1, 10 ** 6)
        if per_page is None:
            f.number_errors.append(f"per_page must be a whole number from 1 to {MAX_PAGE_SIZE}")
        f.per_page = min(MAX_PAGE_SIZE, per_page or PAGE_SIZE)
        f.errors += f.number_errors
        return f

    def query_string(self, **changes) -> str:
        from urllib.parse import urlencode
        values = {k: getattr(self, k) for k in ("date_from", "date_to", "channel", "flagged", "reviewed",
                                                "low_confidence", "intent", "q")}
        values["page"] = self.page
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def bounded_int(raw: Optional[str], low: int, high: int) -> Optional[int]:
    """An integer query parameter: the default (low) when absent, None when it is
    not a whole number in [low, high]. Checked on the string first, so a
    10,000-digit "number" is refused without being converted."""
    raw = (raw or "").strip()
    if not raw:
        return low
    if not raw.isdigit() or not raw.isascii() or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _base_query():
    c, r = db.conversations, db.reviews
    reviewed = sa.func.coalesce(r.c.reviewed, sa.false())
    columns = [c.c.id, c.c.sender_id, c.c.first_ts, c.c.last_ts, c.c.channel, c.c.n_user, c.c.n_lowconf,
               c.c.flagged, c.c.risk_level, c.c.risk_reasons, c.c.risk_time, c.c.low_confidence, c.c.intents,
               reviewed.label("reviewed"), r.c.reviewed_by, r.c.reviewed_at, r.c.tags]
    return sa.select(*columns).select_from(c.outerjoin(r, r.c.sender_id == c.c.sender_id)), reviewed


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _apply(query, reviewed, f: Filters):
    c = db.conversations
    if f.date_from:
        start = datetime.strptime(f.date_from, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
        query = query.where(c.c.last_ts >= start)
    if f.date_to:
        end = (datetime.strptime(f.date_to, "%Y-%m-%d").replace(tzinfo=timezone.utc) + timedelta(days=1)).timestamp()
        query = query.where(c.c.first_ts < end)
    if f.channel:
        query = query.where(c.c.channel == f.channel)
    if f.flagged:
        query = query.where(c.c.flagged == (f.flagged == "yes"))
    if f.low_confidence:
        query = query.where(c.c.low_confidence == (f.low_confidence == "yes"))
    if f.reviewed:
        query = query.where(reviewed == (f.reviewed == "yes"))
    if f.intent:
        query = query.where(c.c.intents.like(f"%,{_like_escape(f.intent)},%", escape="\\"))
    if f.q:
        query = query.where(c.c.search_text.like(f"%{_like_escape(f.q.lower())}%", escape="\\"))
    return query


def _row(key: str, r) -> Dict[str, Any]:
    return {
        "id": r["id"], "conversation": pseudonym(key, r["sender_id"]), "channel": r["channel"] or "",
        "first": iso(r["first_ts"]), "last": iso(r["last_ts"]), "last_ts": r["last_ts"],
        "messages": r["n_user"], "low_confidence_turns": r["n_lowconf"], "flagged": bool(r["flagged"]),
        "risk_level": r["risk_level"] or "", "risk_reasons": json.loads(r["risk_reasons"] or "[]"),
        "risk_time": iso(r["risk_time"]), "low_confidence": bool(r["low_confidence"]),
        "intents": [i for i in (r["intents"] or "").split(",") if i],
        "reviewed": bool(r["reviewed"]), "reviewed_by": r["reviewed_by"] or "", "reviewed_at": iso(r["reviewed_at"]),
        "tags": [t for t in (r["tags"] or "").split(",") if t],
    }


def list_conversations(conn, key: str, f: Filters) -> Dict[str, Any]:
    query, reviewed = _base_query()
    query = _apply(query, reviewed, f)
    count = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar() or 0
    c = db.conversations
    rows = conn.execute(query.order_by(c.c.last_ts.desc(), c.c.id.desc())
                        .limit(f.per_page).offset((f.page - 1) * f.per_page)).mappings()
    return {"data": [_row(key, r) for r in rows], "count": count, "page": f.page, "per_page": f.per_page,
            "pages": max(1, -(-count // f.per_page))}


# The queue's groups, in the order a human should take them.
QUEUE_GROUPS = ("alert", "acted", "high", "possible", "not_understood")
EXCERPT_CHARS = 160


@dataclass
class QueueFilters:
    page: int = 1
    per_page: int = PAGE_SIZE
    owner: str = ""   # "", "mine", "nobody", or a user name
    tag: str = ""
    note: str = ""    # words in a staff note
    errors: List[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params) -> "QueueFilters":
        f = cls()
        for name in ("owner", "tag", "note"):
            setattr(f, name, (params.get(name) or "").strip()[:200])
        page = bounded_int(params.get("page"), 1, MAX_PAGE)
        if page is None:
            f.errors.append(f"page must be a whole number from 1 to {MAX_PAGE}")
        per_page = bounded_int(params.get("per_page") or str(PAGE_SIZE), 1, MAX_PAGE_SIZE)
        if per_page is None:
            f.errors.append(f"per_page must be a whole number from 1 to {MAX_PAGE_SIZE}")
        f.page, f.per_page = page or 1, per_page or PAGE_SIZE
        return f

    def query_string(self, **changes) -> str:
        from urllib.parse import urlencode
        values = {"owner": self.owner, "tag": self.tag, "note": self.note, "page": self.page}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _queue_query(f: QueueFilters, username: str):
    """(select, group expression): the queue's conversations with their group
    (0 an unacknowledged alert, 1 acted, 2 high, 3 possible, 4 not understood)
    and since when they wait."""
    c, r, o, a, n = db.conversations, db.reviews, db.owners, db.alerts, db.notes
    open_alerts = (sa.select(a.c.sender_id, sa.func.min(a.c.created_at).label("alert_at"),
                             sa.func.count().label("open_alerts"))
                   .where(a.c.acknowledged_at.is_(None), a.c.sender_id.isnot(None))
                   .group_by(a.c.sender_id).subquery())
    reviewed = sa.func.coalesce(r.c.reviewed, sa.false())
    group = sa.case((open_alerts.c.alert_at.isnot(None), 0), (c.c.risk_level == "acted", 1),
                    (c.c.risk_level == "high", 2), (c.c.flagged == sa.true(), 3), else_=4)
    since = sa.case((open_alerts.c.alert_at.isnot(None), open_alerts.c.alert_at),
                    (c.c.flagged == sa.true(), sa.func.coalesce(c.c.risk_time, c.c.last_ts)), else_=c.c.last_ts)
    columns = [c.c.id, c.c.sender_id, c.c.first_ts, c.c.last_ts, c.c.channel, c.c.n_user, c.c.n_lowconf,
               c.c.flagged, c.c.risk_level, c.c.risk_reasons, c.c.risk_time, c.c.low_confidence, c.c.intents,
               reviewed.label("reviewed"), r.c.reviewed_by, r.c.reviewed_at, r.c.tags, o.c.owner,
               sa.func.coalesce(open_alerts.c.open_alerts, 0).label("open_alerts"),
               group.label("queue_group"), since.label("waiting_since")]
    query = sa.select(*columns).select_from(
        c.outerjoin(r, r.c.sender_id == c.c.sender_id).outerjoin(o, o.c.sender_id == c.c.sender_id)
        .outerjoin(open_alerts, open_alerts.c.sender_id == c.c.sender_id))
    query = query.where(sa.or_(open_alerts.c.alert_at.isnot(None),
                               sa.and_(reviewed == sa.false(),
                                       sa.or_(c.c.flagged == sa.true(), c.c.low_confidence == sa.true()))))
    if f.owner == "mine":
        query = query.where(o.c.owner == username)
    elif f.owner == "nobody":
        query = query.where(o.c.owner.is_(None))
    elif f.owner:
        query = query.where(o.c.owner == f.owner)
    if f.tag:
        query = query.where(r.c.tags.like(f"%,{_like_escape(f.tag.lower())},%", escape="\\"))
    if f.note:
        query = query.where(sa.exists(sa.select(n.c.id).where(
            n.c.sender_id == c.c.sender_id,
            sa.func.lower(n.c.body).like(f"%{_like_escape(f.note.lower())}%", escape="\\"))))
    return query, group, since


def _excerpt(conn, sender_id: str, keep: FrozenSet[str]) -> str:
    """The masked first words of the user message that raised the conversation's
    highest flag (or its first not-understood message)."""
    f, e = db.flags, db.events
    flag = conn.execute(sa.select(f.c.event_id).where(f.c.sender_id == sender_id)
                        .order_by(sa.case((f.c.level == "acted", 0), (f.c.level == "high", 1), else_=2), f.c.ts)
                        .limit(1)).first()
    if flag is None or flag.event_id is None or not db.has_events_table(conn):
        return ""
    row = conn.execute(sa.select(e.c.data).where(e.c.id == flag.event_id, e.c.type_name == "user")).first()
    if row is None:
        return ""
    try:
        text = (json.loads(row.data or "{}") or {}).get("text") or ""
    except (TypeError, ValueError, AttributeError):
        return ""
    shown = shown_text(str(text), True, EXCERPT_CHARS, keep)
    return shown["text"] + (" …" if shown["truncated"] else "")


def queue(conn, key: str, f: Optional[QueueFilters] = None, username: str = "",
          keep: FrozenSet[str] = frozenset(), now: Optional[float] = None) -> Dict[str, Any]:
    """Everything that needs a human, one ordered list, paged: conversations
    with an unacknowledged alert (the longest wait first), then unreviewed
    flagged ones by level (acted, high, possible; each the longest wait first),
    then unreviewed ones the bot did not understand. Nothing is cut off by
    volume: every row is on some page, and the count of each group is given."""
    f = f or QueueFilters()
    now = time.time() if now is None else now
    query, group, since = _queue_query(f, username)
    sub = query.subquery()
    groups = {name: 0 for name in QUEUE_GROUPS}
    for number, n in conn.execute(sa.select(sub.c.queue_group, sa.func.count()).group_by(sub.c.queue_group)):
        groups[QUEUE_GROUPS[int(number)]] = n
    total = sum(groups.values())
    rows = conn.execute(query.order_by(group, since, db.conversations.c.id)
                        .limit(f.per_page).offset((f.page - 1) * f.per_page)).mappings().all()
    out = []
    for r in rows:
        item = _row(key, r)
        item.update(group=QUEUE_GROUPS[int(r["queue_group"])], owner=r["owner"] or "",
                    open_alerts=int(r["open_alerts"] or 0), waiting_since=iso(r["waiting_since"]),
                    waiting=waited(now - (r["waiting_since"] or now)),
                    excerpt=_excerpt(conn, r["sender_id"], keep) if r["flagged"] else "")
        out.append(item)
    return {"rows": out, "groups": groups, "count": total, "page": f.page, "per_page": f.per_page,
            "pages": max(1, -(-total // f.per_page)),
            # the same page split the way the first version of this API gave it
            "flagged": [i for i in out if i["group"] != "not_understood"],
            "low_confidence": [i for i in out if i["group"] == "not_understood"],
            "counts": counts(conn)}


def waited(seconds: float) -> str:
    """A short human duration: 45 s, 12 min, 3 h 5 min, 2 d 4 h."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def set_owner(conn, sender_id: str, owner: Optional[str]) -> None:
    """Take a conversation (owner = a staff user name) or hand it back (None)."""
    o = db.owners
    conn.execute(o.delete().where(o.c.sender_id == sender_id))
    if owner:
        conn.execute(o.insert().values(sender_id=sender_id, owner=owner, taken_at=time.time()))


def owner_of(conn, sender_id: str) -> str:
    o = db.owners
    row = conn.execute(sa.select(o.c.owner).where(o.c.sender_id == sender_id)).first()
    return row.owner if row else ""


def counts(conn) -> Dict[str, int]:
    c, r = db.conversations, db.reviews
    reviewed = sa.func.coalesce(r.c.reviewed, sa.false())
    base = sa.select(sa.func.count()).select_from(c.outerjoin(r, r.c.sender_id == c.c.sender_id))
    return {
        "unreviewed_flagged": conn.execute(base.where(c.c.flagged == sa.true(), reviewed == sa.false())).scalar() or 0,
        "unreviewed_low_confidence": conn.execute(base.where(c.c.flagged == sa.false(), c.c.low_confidence == sa.true(),
                                                             reviewed == sa.false())).scalar() or 0,
        "total": conn.execute(sa.select(sa.func.count()).select_from(c)).scalar() or 0,
    }


def channels(conn) -> List[str]:
    c = db.conversations
    return [r[0] for r in conn.execute(sa.select(c.c.channel).where(c.c.channel.isnot(None)).distinct()
                                       .order_by(c.c.channel))]


def conversation_by_id(conn, cid: int) -> Optional[Dict[str, Any]]:
    query, _ = _base_query()
    row = conn.execute(query.where(db.conversations.c.id == cid)).mappings().first()
    return dict(row) if row else None


def shown_text(text: str, masked: bool, cap: int, keep: FrozenSet[str] = frozenset()) -> Dict[str, Any]:
    """{"text", "truncated", "length"}: at most about `cap` characters of `text`,
    cleaned of control characters, masked unless `masked` is False."""
    text = text or ""
    length, window = len(text), cap + 2 * MAX_MATCH
    # Only what can be shown is cleaned and masked (mask_capped reads no further).
    sliced = length > window
    text = clean(text[:window])
    if masked:
        shown, cut = mask_capped(text, cap, keep, more=sliced)
    else:
        shown, cut = text[:cap], sliced or len(text) > cap
    return {"text": shown, "truncated": cut, "length": length}


def _mask_value(value: Any, masked: bool, cap: int = SLOT_CAP) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = ""
    shown = shown_text(text, masked, cap)
    return shown["text"] + (" …" if shown["truncated"] else "")


def transcript(rows: List[Dict[str, Any]], threshold: float, masked: bool, keep: FrozenSet[str],
               cap: int = DISPLAY_CAP) -> List[Dict[str, Any]]:
    """The events in order, ready to show: masked unless `masked` is False, each
    text cut to about `cap` characters (`truncated`, `length` say so).
    Rasa's bookkeeping (action_listen, replayed slots) is left out."""
    items = []
    for item in walk(rows, threshold)["items"]:
        kind, out = item["kind"], {"id": item["id"], "kind": item["kind"], "time": iso(item["ts"])}
        if kind == "user":
            turn = item["turn"]
            out.update(shown_text(item["text"], masked, cap))
            out.update(intent=item["intent"] or "",
                       confidence=item["confidence"], channel=item["channel"] or "",
                       flagged=turn.flagged, risk_level=turn.level or "", risk_reasons=turn.reasons,
                       flag_sources=turn.sources, low_confidence=turn.low_confidence)
        elif kind == "bot":
            out.update(shown_text(item["text"], masked, cap, keep))
            out.update(buttons=[shown_text(b or "", masked, 200, keep)["text"] for b in item["buttons"][:20]])
        elif kind == "action":
            if item["name"] == "action_listen":
                continue
            out.update(name=item["name"] or "", policy=item.get("policy") or "",
                       confidence=item.get("confidence"))
        elif kind == "slot":
            if item["replayed"]:
                continue
            out.update(name=item["name"] or "", value=_mask_value(item["value"], masked, min(cap, SLOT_CAP)))
        else:
            out.update(name=item.get("name") or kind)
        items.append(out)
    return items


def safety_plan_of(conn, sender_id: str, masked: bool) -> List[Dict[str, Any]]:
    """The person's safety plan (bot/storage/safety_plan_table.py) as (step title, their words) rows,
    masked like the transcript; skipped steps say so. Empty when they made none."""
    plan = safety_plan_table.load(conn, sender_id)
    if not plan:
        return []
    return [{"step": title, "text": shown_text(plan[key], masked, DISPLAY_CAP)["text"] if plan.get(key) else "",
             "skipped": key in plan and not plan[key]}
            for key, title in STEPS if key in plan]


def load_transcript(conn, sender_id: str, threshold: float, masked: bool, keep: FrozenSet[str],
                    cap: int = DISPLAY_CAP):
    return transcript(conversation_rows(conn, sender_id), threshold, masked, keep, cap)


def full_message(conn, sender_id: str, event_id: int, threshold: float, masked: bool, keep: FrozenSet[str]
                 ) -> Optional[Dict[str, Any]]:
    """One user or bot message of the conversation, up to FULL_CAP characters (admins' "show more")."""
    for item in walk(conversation_rows(conn, sender_id), threshold)["items"]:
        if item["id"] == event_id and item["kind"] in ("user", "bot"):
            return {"id": item["id"], "kind": item["kind"], "time": iso(item["ts"]),
                    **shown_text(item["text"], masked, FULL_CAP, keep if item["kind"] == "bot" else frozenset())}
    return None


# --- review work -----------------------------------------------------------

def set_reviewed(conn, sender_id: str, reviewed: bool, username: str) -> None:
    r = db.reviews
    values = {"reviewed": reviewed, "reviewed_by": username if reviewed else None,
              "reviewed_at": time.time() if reviewed else None}
    if not conn.execute(r.update().where(r.c.sender_id == sender_id).values(**values)).rowcount:
        conn.execute(r.insert().values(sender_id=sender_id, tags="", **values))


def parse_tags(raw: str) -> List[str]:
    tags = []
    for tag in (raw or "").split(","):
        tag = " ".join(tag.strip().lower().split())
        if tag and TAG.match(tag) and tag not in tags:
            tags.append(tag)
    return tags[:20]


def set_tags(conn, sender_id: str, tags: List[str]) -> None:
    r = db.reviews
    value = "," + ",".join(tags) + "," if tags else ""
    if not conn.execute(r.update().where(r.c.sender_id == sender_id).values(tags=value)).rowcount:
        conn.execute(r.insert().values(sender_id=sender_id, reviewed=False, tags=value))


def add_note(conn, sender_id: str, author: str, body: str) -> None:
    conn.execute(db.notes.insert().values(sender_id=sender_id, author=author, created_at=time.time(),
                                          body=body.strip()[:5000]))


def notes_of(conn, sender_id: str) -> List[Dict[str, Any]]:
    n = db.notes
    return [{"author": r["author"], "time": iso(r["created_at"]), "body": r["body"]}
            for r in conn.execute(sa.select(n).where(n.c.sender_id == sender_id).order_by(n.c.id)).mappings()]


# --- dashboard ---------------------------------------------------------------

def dashboard(conn, days: int = 30, weeks: int = 12, now: Optional[float] = None) -> Dict[str, Any]:
    now = time.time() if now is None else now
    c = db.conversations
    today = datetime.fromtimestamp(now, timezone.utc).date()
    day_labels = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    per_day: Dict[str, Dict[str, int]] = {}
    for day, channel, n in conn.execute(
            sa.select(c.c.first_day, c.c.channel, sa.func.count()).where(c.c.first_day >= day_labels[0])
            .group_by(c.c.first_day, c.c.channel)):
        per_day.setdefault(channel or "unknown", {})[day] = n
    week_labels = []
    for i in range(weeks - 1, -1, -1):
        year, week, _ = (today - timedelta(weeks=i)).isocalendar()
        week_labels.append(f"{year}-W{week:02d}")
    f = db.flags
    per_week = {w: 0 for w in week_labels}
    for label, level, n in conn.execute(sa.select(f.c.week, f.c.level, sa.func.count())
                                        .where(f.c.week >= week_labels[0]).group_by(f.c.week, f.c.level)):
        if label in per_week:
            per_week[label] += n
    per_week_high = {w: 0 for w in week_labels}
    for label, n in conn.execute(sa.select(f.c.week, sa.func.count()).where(f.c.week >= week_labels[0],
                                                                           f.c.level.in_(("high", "acted"))).group_by(f.c.week)):
        if label in per_week_high:
            per_week_high[label] = n
    e = db.events
    since = now - days * 86400
    top_intents = [(name, n) for name, n in conn.execute(
        sa.select(e.c.intent_name, sa.func.count().label("n"))
        .where(e.c.type_name == "user", e.c.intent_name.isnot(None), e.c.timestamp >= since)
        .group_by(e.c.intent_name).order_by(sa.desc("n"), e.c.intent_name).limit(10))] \
        if db.has_events_table(conn) else []
    totals = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(c.c.n_user), 0), sa.func.coalesce(sa.func.sum(c.c.n_lowconf), 0),
        sa.func.coalesce(sa.func.sum(sa.case((c.c.low_confidence == sa.true(), 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(c.c.helped_yes), 0), sa.func.coalesce(sa.func.sum(c.c.helped_a_little), 0),
        sa.func.coalesce(sa.func.sum(c.c.helped_no), 0),
    ).where(c.c.last_ts >= since)).first()
    n_conv, n_user, n_low, conv_low, yes, little, no = (int(v or 0) for v in totals)
    return {
        "days": day_labels, "per_day": per_day, "weeks": week_labels,
        "flags_per_week": [per_week[w] for w in week_labels],
        "flags_per_week_high": [per_week_high[w] for w in week_labels],
        "top_intents": top_intents,
        "conversations": n_conv, "user_messages": n_user, "low_confidence_messages": n_low,
        "fallback_rate": (n_low / n_user) if n_user else 0.0,
        "conversations_with_fallback": conv_low,
        "exercise_helped": {"yes": yes, "a_little": little, "no": no},
        "period_days": days,
        # minutes from a flagged turn to its alert's acknowledgement, per ISO week of the flag
        "alert_ack": [{"week": w, **v} for w, v in alert_store.ack_times_per_week(conn, week_labels).items()],
    }


# --- exports ---------------------------------------------------------------
# An export is planned first (which conversations, in one short query, so the
# audit log can name them before any data leaves) and then streamed one
# conversation at a time, each read on its own short connection: nothing holds
# a read transaction open while a slow client downloads, and nothing is built
# whole in memory. The response streams from Starlette's thread pool.

def export_plan(conn, key: str, f: Filters) -> List[Tuple[str, Dict[str, Any]]]:
    """(sender id, conversation row) of every conversation matching f, newest first, at most MAX_EXPORT."""
    query, reviewed = _base_query()
    query = _apply(query, reviewed, f).order_by(db.conversations.c.last_ts.desc()).limit(MAX_EXPORT)
    return [(r["sender_id"], _row(key, r)) for r in conn.execute(query).mappings().all()]


def export_rows(engine, plan, threshold: float, keep: FrozenSet[str]) -> Iterator[Tuple[str, Dict, List]]:
    """(sender id, row, masked transcript capped at EXPORT_CAP per text) per planned conversation."""
    for sender_id, row in plan:
        with engine.connect() as conn:
            events = load_transcript(conn, sender_id, threshold, True, keep, EXPORT_CAP)
        yield sender_id, row, events


# C0/C1 controls (NUL among them) make spreadsheet programs and many CSV readers
# stop or drop the file; tab, CR and LF are kept (the csv writer quotes them).
def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = clean(value)
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


CSV_COLUMNS = ["conversation", "channel", "time", "speaker", "text", "intent", "confidence", "flagged",
               "risk_level", "low_confidence", "reviewed", "tags"]


def _csv_text(rows: List[List[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def csv_chunks(items) -> Iterator[str]:
    """The CSV export: the header, then one chunk per conversation."""
    yield _csv_text([CSV_COLUMNS])
    for _sender, row, events in items:
        rows = []
        for e in events:
            if e["kind"] not in ("user", "bot"):
                continue
            text = e["text"] + (f" [… cut at {EXPORT_CAP} of {e['length']} characters]" if e["truncated"] else "")
            rows.append([_cell(v) for v in (
                row["conversation"], row["channel"], e["time"], e["kind"], text, e.get("intent", ""),
                "" if e.get("confidence") is None else f"{e['confidence']:.3f}", e.get("flagged", ""),
                e.get("risk_level", ""), e.get("low_confidence", ""), row["reviewed"], ";".join(row["tags"]))])
        if rows:
            yield _csv_text(rows)


def _json_conversation(row, events) -> Dict[str, Any]:
    return {**{k: v for k, v in row.items() if k not in ("id", "last_ts")},
            "events": [{k: (clean(v) if isinstance(v, str) else v) for k, v in e.items() if k != "id"}
                       for e in events]}


def json_chunks(items) -> Iterator[str]:
    """The JSON export, {"conversations": [...], "masked": true}, one chunk per conversation."""
    yield '{"conversations": [\n'
    first = True
    for _sender, row, events in items:
        yield ("" if first else ",\n") + json.dumps(_json_conversation(row, events), ensure_ascii=False)
        first = False
    yield '\n], "masked": true}\n'
