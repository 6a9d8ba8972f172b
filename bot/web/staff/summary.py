"""Read Rasa's `events` rows into what staff review: a per-conversation summary,
flagged turns, and the transcript.

`summarize()` and `transcript()` are pure functions over event rows (tested
without a database). `refresh()` keeps `staff_conversations` / `staff_flags` in
step with `events`: it only recomputes conversations that received events with
an id above the last one it saw, reading them sender by sender through the
sender_id index Rasa creates.

A conversation is risk-flagged when a user message's parse data carries
`risk.level` possible/high or the intent `express_risk` (this needs no action
server), or when `action_crisis_support` set `risk_flagged` / `risk_flags`.
Low confidence: intent `nlu_fallback`, a fallback action, or an intent
confidence under the FallbackClassifier threshold in config.yml.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
import yaml

from bot.settings import ROOT
from bot.storage import staff_tables as db
from bot.web.staff.masking import clean, mask_capped

# "acted": the person said they had already acted (bot/flows/crisis_conversation.py), the highest
RISK_LEVELS = ("possible", "high", "acted")
LEVEL_RANK = {None: 0, "none": 0, "possible": 1, "high": 2, "acted": 3}
RISK_INTENT = "express_risk"
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = {"action_default_fallback", "action_two_stage_fallback"}
HELPED_VALUES = ("yes", "a_little", "no")


def fallback_threshold(config_path=ROOT / "config.yml") -> float:
    """The FallbackClassifier threshold the bot runs with (0.45 if not found)."""
    try:
        config = yaml.safe_load(config_path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return 0.45
    for part in config.get("pipeline") or []:
        if part.get("name") == "FallbackClassifier":
            return float(part.get("threshold", 0.3))
    return 0.45


def _data(row: Any) -> Dict[str, Any]:
    try:
        value = json.loads(row["data"] or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def day_of(ts: Optional[float]) -> Optional[str]:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d") if ts else None


def week_of(ts: Optional[float]) -> Optional[str]:
    if not ts:
        return None
    year, week, _ = datetime.fromtimestamp(ts, timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Turn:
    """One user message and what followed it until the next one."""
    event_id: Optional[int]
    ts: Optional[float]
    intent: Optional[str] = None
    confidence: Optional[float] = None
    level: Optional[str] = None
    reasons: List[str] = field(default_factory=list)
    sources: List[str] = field(default_factory=list)
    low_confidence: bool = False

    @property
    def flagged(self) -> bool:
        return bool(self.sources)

    def flag(self, level: Optional[str], reasons: Iterable[str], source: str) -> None:
        level = level if level in RISK_LEVELS else "possible"
        if LEVEL_RANK[level] > LEVEL_RANK[self.level]:
            self.level = level
        for reason in reasons or ():
            if str(reason) not in self.reasons:
                self.reasons.append(str(reason))
        if source not in self.sources:
            self.sources.append(source)


def _user_parse(data: Dict[str, Any], row: Any) -> Dict[str, Any]:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    risk = parse.get("risk") or {}
    confidence = intent.get("confidence")
    return {
        "text": data.get("text") or "",
        "intent": intent.get("name") or row["intent_name"],
        "confidence": float(confidence) if isinstance(confidence, (int, float)) else None,
        "risk_level": risk.get("level") if isinstance(risk, dict) else None,
        "risk_reasons": list(risk.get("reasons") or []) if isinstance(risk, dict) else [],
        "channel": data.get("input_channel"),
    }


def walk(rows: Sequence[Any], threshold: float) -> Dict[str, Any]:
    """Go through one conversation's events (ordered by id) once; return its
    turns and per-event items. Slot events Rasa replays right after
    `session_started` (carried-over slots) are not new facts and are skipped."""
    turns: List[Turn] = []
    items: List[Dict[str, Any]] = []
    channel = None
    helped = {v: 0 for v in HELPED_VALUES}
    replaying = False
    for row in rows:
        data = _data(row)
        kind = row["type_name"]
        item: Dict[str, Any] = {"id": row["id"], "kind": kind, "ts": row["timestamp"]}
        current = turns[-1] if turns else None
        if kind == "session_started":
            replaying = True
        elif kind == "user":
            replaying = False
            parsed = _user_parse(data, row)
            channel = channel or parsed["channel"]
            turn = Turn(row["id"], row["timestamp"], parsed["intent"], parsed["confidence"])
            if parsed["risk_level"] in RISK_LEVELS or parsed["intent"] == RISK_INTENT:
                turn.flag(parsed["risk_level"], parsed["risk_reasons"], "nlu")
            elif parsed["intent"] == FALLBACK_INTENT or (
                    parsed["confidence"] is not None and parsed["confidence"] < threshold):
                turn.low_confidence = True
            turns.append(turn)
            item.update(parsed, turn=turn)
        elif kind == "action":
            replaying = False
            name = data.get("name") or row["action_name"]
            if name in FALLBACK_ACTIONS and current is not None and not current.flagged:
                current.low_confidence = True
            item.update(name=name, confidence=data.get("confidence"), policy=data.get("policy"))
        elif kind == "bot":
            item.update(text=data.get("text") or "",
                        buttons=[b.get("title") for b in (data.get("data") or {}).get("buttons") or []
                                 if isinstance(b, dict)])
        elif kind == "slot":
            name, value = data.get("name"), data.get("value")
            item.update(name=name, value=value, replayed=replaying)
            if not replaying:
                if name in ("risk_flagged", "risk_flags") and value:
                    entry = value[-1] if name == "risk_flags" and isinstance(value, list) and value else {}
                    entry = entry if isinstance(entry, dict) else {}
                    if current is None:
                        current = Turn(row["id"], row["timestamp"])
                        turns.append(current)
                    current.flag(entry.get("level"), entry.get("reasons") or [], "action")
                elif name == "risk_level" and value in RISK_LEVELS and current is not None and current.flagged:
                    current.flag(value, [], "action")
                elif name == "exercise_helped" and value in helped:
                    helped[value] += 1
        else:
            item.update(name=data.get("name"))
        items.append(item)
    return {"turns": turns, "items": items, "channel": channel, "helped": helped}


def summarize(sender_id: str, rows: Sequence[Any], threshold: float) -> Dict[str, Any]:
    walked = walk(rows, threshold)
    turns: List[Turn] = walked["turns"]
    flagged = [t for t in turns if t.flagged]
    user_items = [i for i in walked["items"] if i["kind"] == "user"]
    level, reasons = None, []
    for turn in flagged:
        if LEVEL_RANK[turn.level] > LEVEL_RANK[level]:
            level = turn.level
        reasons += [r for r in turn.reasons if r not in reasons]
    stamps = [r["timestamp"] for r in rows if r["timestamp"]]
    intents = sorted({i["intent"] for i in user_items if i["intent"]})
    return {
        "summary": {
            "sender_id": sender_id,
            "first_ts": min(stamps) if stamps else None,
            "last_ts": max(stamps) if stamps else None,
            "first_day": day_of(min(stamps)) if stamps else None,
            "channel": walked["channel"],
            "n_events": len(rows),
            "n_user": len(user_items),
            "n_lowconf": sum(1 for t in turns if t.low_confidence),
            "flagged": bool(flagged),
            "risk_level": level,
            "risk_reasons": json.dumps(reasons[:20]),
            "risk_time": max((t.ts or 0) for t in flagged) if flagged else None,
            "low_confidence": any(t.low_confidence for t in turns),
            "intents": "," + ",".join(intents) + "," if intents else "",
            # What the reviewer can see (masked), never the raw text: searching for an
            # e-mail address must not confirm that a masked one is it.
            "search_text": "\n".join(mask_capped(clean(i["text"]), SEARCH_CAP)[0] for i in user_items).lower(),
            "helped_yes": walked["helped"]["yes"],
            "helped_a_little": walked["helped"]["a_little"],
            "helped_no": walked["helped"]["no"],
            "last_event_id": max(r["id"] for r in rows) if rows else 0,
        },
        "flags": [{"sender_id": sender_id, "event_id": t.event_id, "ts": t.ts, "week": week_of(t.ts),
                   "level": t.level, "reasons": json.dumps(t.reasons), "source": "+".join(sorted(t.sources))}
                  for t in flagged],
    }


# Characters of one user message that search looks at (masking stays bounded).
SEARCH_CAP = 20_000
# Bumped when summarize() changes what it stores; every conversation is then
# recomputed once. 2: search_text is masked (it held the raw user text).
SUMMARY_VERSION = 2
_VERSION_ROW = 2  # the staff_sync row whose last_event_id holds SUMMARY_VERSION

_refresh_lock = threading.Lock()
# Ids are assigned before commit: a slow transaction can commit an id below the
# watermark. Recomputing is idempotent, so re-read a small margin each time.
REREAD_MARGIN = 200
BATCH = 200


def _event_rows(conn, sender_ids: Sequence[str]):
    e = db.events
    query = (sa.select(e.c.id, e.c.sender_id, e.c.type_name, e.c.timestamp, e.c.intent_name, e.c.action_name,
                       e.c.data)
             .where(e.c.sender_id.in_(sender_ids)).order_by(e.c.sender_id, e.c.id))
    return conn.execute(query.execution_options(stream_results=True)).mappings()


def _store(conn, result: Dict[str, Any]) -> None:
    summary = result["summary"]
    c = db.conversations
    updated = conn.execute(c.update().where(c.c.sender_id == summary["sender_id"]).values(**summary)).rowcount
    if not updated:
        conn.execute(c.insert().values(**summary))
    conn.execute(db.flags.delete().where(db.flags.c.sender_id == summary["sender_id"]))
    if result["flags"]:
        conn.execute(db.flags.insert(), result["flags"])


def refresh(engine, threshold: Optional[float] = None) -> int:
    """Bring the summary tables up to date with `events`; return how many
    conversations were recomputed."""
    threshold = fallback_threshold() if threshold is None else threshold
    with _refresh_lock:
        with engine.connect() as conn:
            if not db.has_events_table(conn):
                return 0
            stored = dict(conn.execute(sa.select(db.sync_state.c.id, db.sync_state.c.last_event_id)).all())
            seen = stored.get(1) if stored.get(_VERSION_ROW) == SUMMARY_VERSION else None
            top = conn.execute(sa.select(sa.func.max(db.events.c.id))).scalar()
            if top is None or (seen is not None and top <= seen):
                return 0
            low = max(0, seen - REREAD_MARGIN) if seen is not None else 0
            senders = [r[0] for r in conn.execute(
                sa.select(db.events.c.sender_id).where(db.events.c.id > low, db.events.c.id <= top).distinct())]
        for start in range(0, len(senders), BATCH):
            batch = senders[start:start + BATCH]
            with engine.begin() as conn:
                grouped: Dict[str, List[Any]] = {s: [] for s in batch}
                for row in _event_rows(conn, batch):
                    grouped[row["sender_id"]].append(dict(row))
                for sender_id, rows in grouped.items():
                    if rows:
                        _store(conn, summarize(sender_id, rows, threshold))
        with engine.begin() as conn:
            for row_id, value in ((1, top), (_VERSION_ROW, SUMMARY_VERSION)):
                if row_id in stored:
                    conn.execute(db.sync_state.update().where(db.sync_state.c.id == row_id).values(last_event_id=value))
                else:
                    conn.execute(db.sync_state.insert().values(id=row_id, last_event_id=value))
        return len(senders)


def conversation_rows(conn, sender_id: str) -> List[Dict[str, Any]]:
    return [dict(r) for r in _event_rows(conn, [sender_id])]
