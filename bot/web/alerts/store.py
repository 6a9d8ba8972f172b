"""The alert records and their outbox, on the staff tables (bot/storage/staff_tables.py).

Pure database work, no network: raising alerts from the flagged turns the
summary keeps (`staff_flags`, itself read from the risk records Rasa stores with
every user message, so nothing here depends on the action server), planning a
delivery per configured channel and a reminder, claiming due deliveries for one
worker, recording the outcome, acknowledging. Every write is safe when several
web app replicas run it at once: inserts ignore a row that already exists
(unique keys), and a delivery is claimed by one conditional UPDATE.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa

from bot.storage import staff_tables as db
from bot.web.staff.summary import LEVEL_RANK, week_of

# The levels that must reach a human (the issue: high and acted).
ALERT_LEVELS = ("high", "acted")
# Turns flagged longer ago than this raise no alert: when alerts are switched on
# over an old database, its year of history must not page the clinic at once.
RAISE_WINDOW_SECONDS = 24 * 3600
# A worker owns a claimed delivery this long; a send times out well before.
CLAIM_SECONDS = 60.0
# Deliveries one claim takes (a round claims again while batches come back full).
CLAIM_BATCH = 20
SEND_TIMEOUT_SECONDS = 15.0
# Reason codes are the safety layer's own names ("explicit_ideation",
# "encoder:0.93", "frame:game"); anything else is dropped, so no message text
# can ever travel in an alert.
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,40}(:[a-z0-9_.]{1,20})?$")


def safe_reasons(reasons: Iterable[Any]) -> List[str]:
    return [r for r in (str(x) for x in reasons or ()) if _REASON.match(r)][:10]


def _insert_ignoring_duplicates(conn, table: sa.Table, values: Dict[str, Any]) -> bool:
    """INSERT that does nothing when a unique key already has the row (another
    replica was first). True when this call inserted it."""
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # other databases: a savepoint around a plain insert
        try:
            with conn.begin_nested():
                conn.execute(table.insert().values(**values))
            return True
        except sa.exc.IntegrityError:
            return False
    return bool(conn.execute(insert(table).values(**values).on_conflict_do_nothing()).rowcount)


def raise_alerts(conn, pseudonym, now: Optional[float] = None) -> int:
    """Create the alerts the flagged turns of the last day call for. Per
    conversation, only the turns flagged after its latest acknowledged alert
    count (what a human has already looked at does not page again); of those,
    the first turn at the highest level raises an alert when that level is
    above every alert still waiting for acknowledgement. So a conversation
    that goes from high to acted gets a second alert, and a new risk turn after
    an acknowledgement gets a new one. `pseudonym(sender_id)` names the
    conversation. Returns how many were created."""
    now = time.time() if now is None else now
    f, a = db.flags, db.alerts
    rows = conn.execute(sa.select(f.c.sender_id, f.c.level, f.c.ts, f.c.event_id, f.c.reasons)
                        .where(f.c.level.in_(ALERT_LEVELS), f.c.ts >= now - RAISE_WINDOW_SECONDS)
                        .order_by(f.c.sender_id, f.c.ts, f.c.id)).all()
    if not rows:
        return 0
    senders = sorted({r.sender_id for r in rows})
    waiting: Dict[str, int] = {}
    seen_until: Dict[str, float] = {}
    for start in range(0, len(senders), 500):
        for sender_id, level, acked_at in conn.execute(
                sa.select(a.c.sender_id, a.c.level, a.c.acknowledged_at)
                .where(a.c.sender_id.in_(senders[start:start + 500]))):
            if acked_at is None:
                waiting[sender_id] = max(waiting.get(sender_id, 0), LEVEL_RANK[level])
            else:
                seen_until[sender_id] = max(seen_until.get(sender_id, 0.0), acked_at)
    top: Dict[str, Any] = {}
    for row in rows:
        if (row.ts or 0) <= seen_until.get(row.sender_id, -1.0):
            continue
        best = top.get(row.sender_id)
        if best is None or LEVEL_RANK[row.level] > LEVEL_RANK[best.level]:
            top[row.sender_id] = row  # the first turn at the highest level
    created = 0
    for sender_id, row in top.items():
        if waiting.get(sender_id, 0) >= LEVEL_RANK[row.level]:
            continue
        try:
            reasons = json.loads(row.reasons or "[]")
        except ValueError:
            reasons = []
        created += _insert_ignoring_duplicates(conn, a, {
            "uid": secrets.token_hex(8), "sender_id": sender_id, "conversation": pseudonym(sender_id),
            "level": row.level, "reasons": json.dumps(safe_reasons(reasons)), "flag_event_id": row.event_id,
            "flagged_at": row.ts or now, "created_at": now})
    return created


def plan_deliveries(conn, channels: Sequence[str], remind_seconds: float, now: Optional[float] = None) -> int:
    """Outbox rows for the configured channels: the alert itself for every
    recent alert nobody has acknowledged yet, and one reminder for those still
    unacknowledged `remind_seconds` after they were raised. Returns rows added."""
    now = time.time() if now is None else now
    if not channels:
        return 0
    a, d = db.alerts, db.deliveries
    recent = conn.execute(sa.select(a.c.id, a.c.created_at).where(
        a.c.acknowledged_at.is_(None), a.c.created_at >= now - RAISE_WINDOW_SECONDS - remind_seconds)).all()
    if not recent:
        return 0
    have = {(r.alert_id, r.channel, r.kind) for r in conn.execute(
        sa.select(d.c.alert_id, d.c.channel, d.c.kind).where(d.c.alert_id.in_([r.id for r in recent])))}
    added = 0
    for alert in recent:
        kinds = ["alert"] + (["reminder"] if now - alert.created_at >= remind_seconds else [])
        for channel in channels:
            for kind in kinds:
                if (alert.id, channel, kind) not in have:
                    added += _insert_ignoring_duplicates(conn, d, {
                        "alert_id": alert.id, "channel": channel, "kind": kind, "state": "pending", "attempts": 0,
                        "next_at": now, "created_at": now})
    return added


@dataclass
class Delivery:
    """A claimed outbox row and what its message needs (no message text)."""
    id: int
    channel: str
    kind: str
    attempts: int
    alert_id: int
    uid: str
    level: str
    reasons: List[str]
    flagged_at: float
    created_at: float
    conversation: str
    conversation_id: Optional[int]
    erased: bool


def claim_due(conn, worker: str, channels: Sequence[str], limit: int = CLAIM_BATCH,
              now: Optional[float] = None) -> List[Delivery]:
    """Claim up to `limit` due deliveries for `worker`, of the `channels` it can
    send on: a replica without the webhook (or e-mail) configured leaves those
    rows to one that has it, instead of failing them. A reminder whose alert was
    acknowledged meanwhile is dropped instead of sent."""
    now = time.time() if now is None else now
    if not channels:
        return []
    a, d, c = db.alerts, db.deliveries, db.conversations
    due = conn.execute(sa.select(d.c.id).where(
        d.c.state == "pending", d.c.next_at <= now, d.c.channel.in_(list(channels)),
        sa.or_(d.c.claimed_until.is_(None), d.c.claimed_until < now)).order_by(d.c.next_at, d.c.id).limit(limit)).all()
    claimed: List[Delivery] = []
    for (delivery_id,) in due:
        won = conn.execute(d.update().where(
            d.c.id == delivery_id, d.c.state == "pending",
            sa.or_(d.c.claimed_until.is_(None), d.c.claimed_until < now),
        ).values(claimed_by=worker, claimed_until=now + CLAIM_SECONDS)).rowcount
        if not won:
            continue  # another replica claimed it between the two statements
        row = conn.execute(sa.select(d.c.id, d.c.channel, d.c.kind, d.c.attempts, a.c.id.label("alert_id"), a.c.uid,
                                     a.c.level, a.c.reasons, a.c.flagged_at, a.c.created_at, a.c.conversation,
                                     a.c.acknowledged_at, a.c.erased_at, c.c.id.label("conversation_id"))
                           .select_from(d.join(a, a.c.id == d.c.alert_id)
                                        .outerjoin(c, c.c.sender_id == a.c.sender_id))
                           .where(d.c.id == delivery_id)).first()
        if row is None:
            continue
        if row.kind == "reminder" and row.acknowledged_at is not None:
            conn.execute(d.update().where(d.c.id == delivery_id).values(state="cancelled", claimed_until=None))
            continue
        claimed.append(Delivery(row.id, row.channel, row.kind, row.attempts, row.alert_id, row.uid, row.level,
                                safe_reasons(json.loads(row.reasons or "[]")), row.flagged_at, row.created_at,
                                row.conversation, row.conversation_id, row.erased_at is not None))
    return claimed


def record_sent(conn, delivery_id: int, worker: str, now: Optional[float] = None) -> None:
    now = time.time() if now is None else now
    d = db.deliveries
    conn.execute(d.update().where(d.c.id == delivery_id, d.c.claimed_by == worker).values(
        state="sent", sent_at=now, last_attempt_at=now, attempts=d.c.attempts + 1, claimed_until=None,
        last_error=None))


def release(conn, delivery_ids: Sequence[int], worker: str) -> None:
    """Give claimed deliveries back unsent, due at once for any worker."""
    d = db.deliveries
    if delivery_ids:
        conn.execute(d.update().where(d.c.id.in_(list(delivery_ids)), d.c.claimed_by == worker,
                                      d.c.state == "pending").values(claimed_until=None))


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before attempt `attempts` + 1: base, 2 x base, 4 x base ... at most cap."""
    return min(cap, base * 2 ** max(0, min(attempts - 1, 30)))


def record_failure(conn, delivery_id: int, worker: str, error: str, base: float, cap: float,
                   now: Optional[float] = None) -> None:
    now = time.time() if now is None else now
    d = db.deliveries
    row = conn.execute(sa.select(d.c.attempts).where(d.c.id == delivery_id)).first()
    attempts = (row.attempts if row else 0) + 1
    conn.execute(d.update().where(d.c.id == delivery_id, d.c.claimed_by == worker).values(
        attempts=attempts, last_attempt_at=now, next_at=now + backoff(attempts, base, cap), claimed_until=None,
        last_error=error[:255]))


# --- what staff see and do --------------------------------------------------------

def acknowledge(conn, alert_id: int, username: str, now: Optional[float] = None) -> Optional[Dict[str, Any]]:
    """Mark an alert acknowledged (the first acknowledgement stands). Returns the
    alert row, or None when there is no such alert."""
    now = time.time() if now is None else now
    a = db.alerts
    conn.execute(a.update().where(a.c.id == alert_id, a.c.acknowledged_at.is_(None))
                 .values(acknowledged_by=username, acknowledged_at=now))
    row = conn.execute(sa.select(a).where(a.c.id == alert_id)).mappings().first()
    return dict(row) if row else None


def _delivery_rows(conn, alert_ids: Sequence[int]) -> Dict[int, List[Dict[str, Any]]]:
    d = db.deliveries
    out: Dict[int, List[Dict[str, Any]]] = {i: [] for i in alert_ids}
    if alert_ids:
        for r in conn.execute(sa.select(d).where(d.c.alert_id.in_(list(alert_ids))).order_by(d.c.id)).mappings():
            out[r["alert_id"]].append(dict(r))
    return out


def delivery_state(rows: List[Dict[str, Any]], channels: Sequence[str]) -> str:
    """One word for an alert's delivery: not_configured, sent, failing, sending."""
    alert_rows = [r for r in rows if r["kind"] == "alert"]
    if not alert_rows and not channels:
        return "not_configured"
    if any(r["state"] == "pending" and r["attempts"] > 0 for r in rows):
        return "failing"
    if alert_rows and all(r["state"] == "sent" for r in alert_rows):
        return "sent"
    return "sending"


def alerts_of(conn, sender_id: str, channels: Sequence[str]) -> List[Dict[str, Any]]:
    a = db.alerts
    rows = [dict(r) for r in conn.execute(sa.select(a).where(a.c.sender_id == sender_id).order_by(a.c.id)).mappings()]
    return _with_deliveries(conn, rows, channels)


def _with_deliveries(conn, rows: List[Dict[str, Any]], channels: Sequence[str]) -> List[Dict[str, Any]]:
    deliveries = _delivery_rows(conn, [r["id"] for r in rows])
    for r in rows:
        r["deliveries"] = deliveries[r["id"]]
        r["delivery"] = delivery_state(deliveries[r["id"]], channels)
        r["reasons"] = safe_reasons(json.loads(r["reasons"] or "[]"))
        r["errors"] = sorted({d["last_error"] for d in deliveries[r["id"]] if d["state"] == "pending" and d["last_error"]})
    return rows


def list_alerts(conn, channels: Sequence[str], state: str = "open", page: int = 1, per_page: int = 50
                ) -> Dict[str, Any]:
    """Alerts, unacknowledged first (oldest first: the longest wait on top),
    then acknowledged ones, newest first. `state`: open | acknowledged | all."""
    a = db.alerts
    query = sa.select(a)
    if state == "open":
        query = query.where(a.c.acknowledged_at.is_(None))
    elif state == "acknowledged":
        query = query.where(a.c.acknowledged_at.isnot(None))
    count = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar() or 0
    unacked_first = sa.case((a.c.acknowledged_at.is_(None), 0), else_=1)
    rows = [dict(r) for r in conn.execute(
        query.order_by(unacked_first, sa.case((a.c.acknowledged_at.is_(None), a.c.created_at), else_=-a.c.created_at),
                       a.c.id).limit(per_page).offset((page - 1) * per_page)).mappings()]
    c = db.conversations
    ids = {r[0]: r[1] for r in conn.execute(sa.select(c.c.sender_id, c.c.id).where(
        c.c.sender_id.in_([r["sender_id"] for r in rows if r["sender_id"]])))} if rows else {}
    for r in rows:
        r["conversation_id"] = ids.get(r["sender_id"])
    return {"data": _with_deliveries(conn, rows, channels), "count": count, "page": page, "per_page": per_page,
            "pages": max(1, -(-count // per_page))}


def counts(conn) -> Dict[str, int]:
    a, d = db.alerts, db.deliveries
    return {
        "open_alerts": conn.execute(sa.select(sa.func.count()).select_from(a)
                                    .where(a.c.acknowledged_at.is_(None))).scalar() or 0,
        "failing_deliveries": conn.execute(sa.select(sa.func.count()).select_from(d)
                                           .where(d.c.state == "pending", d.c.attempts > 0)).scalar() or 0,
    }


def _quantile(values: List[float], q: float) -> float:
    """The q-quantile by linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ack_times_per_week(conn, week_labels: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    """Minutes from the flagged turn to the acknowledgement, per ISO week of the
    flag: {week: {"n", "median", "p90"}} (None when no alert of that week was
    acknowledged), and how many of the week's alerts still wait."""
    a = db.alerts
    out: Dict[str, Dict[str, Any]] = {w: {"n": 0, "median": None, "p90": None, "waiting": 0} for w in week_labels}
    minutes: Dict[str, List[float]] = {w: [] for w in week_labels}
    for flagged_at, acked_at in conn.execute(sa.select(a.c.flagged_at, a.c.acknowledged_at)):
        week = week_of(flagged_at)
        if week not in out:
            continue
        if acked_at is None:
            out[week]["waiting"] += 1
        else:
            minutes[week].append(max(0.0, (acked_at - flagged_at) / 60))
    for week, values in minutes.items():
        if values:
            out[week].update(n=len(values), median=_quantile(values, 0.5), p90=_quantile(values, 0.9))
    return out


def forget_erased(conn, sender_ids: Sequence[str], now: Optional[float] = None) -> Dict[str, int]:
    """Retention erases these conversations: their acknowledged alerts go with
    them; an unacknowledged one stays, detached (no sender id; it never held
    text), so the staff app can say that an alert was never seen."""
    now = time.time() if now is None else now
    a, d = db.alerts, db.deliveries
    kept = deleted = 0
    for start in range(0, len(sender_ids), 500):
        batch = list(sender_ids[start:start + 500])
        gone = [r[0] for r in conn.execute(sa.select(a.c.id).where(a.c.sender_id.in_(batch),
                                                                   a.c.acknowledged_at.isnot(None)))]
        if gone:
            conn.execute(d.delete().where(d.c.alert_id.in_(gone)))
            deleted += conn.execute(a.delete().where(a.c.id.in_(gone))).rowcount
        kept += conn.execute(a.update().where(a.c.sender_id.in_(batch))
                             .values(sender_id=None, erased_at=now)).rowcount
    return {"alerts_kept": kept, "alerts_deleted": deleted}
