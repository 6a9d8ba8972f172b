"""Rasa's SQL tracker store, configured with one SQLAlchemy URL (DATABASE_URL),
handing Rasa a bounded window of the conversation.

Rasa's own SQLTrackerStore takes dialect, host, port, db, user and password as
separate keys; operators have one URL. This subclass splits the URL and makes
sure the folder of a SQLite file exists.

The window (TRACKER_WINDOW_TURNS, docs/performance.md "Conversation window"): Rasa core does
work proportional to the events of the session several times per message
(loading and replaying the tracker, `tracker.copy()` before every action,
`past_states` for every policy, the whole tracker sent to the action server), so
a long conversation got slower turn after turn. `retrieve` therefore hands Rasa
only the last N user turns of the current session, behind a short synthetic
prefix that reproduces the dialogue state (slots, active form) where the window
starts. The window is kept in a side table (bot/storage/window_table.py) next to Rasa's
`events` table, which still receives every event exactly once, as before:
staff review, the widget history and `retrieve_full_tracker` read it whole.

Storage failures (issue 15): no database error leaves this store. Rasa's own
`session_scope` turned any ValueError (a lone surrogate in a sender id is one:
UnicodeEncodeError) into `sys.exit`, and every other error reached Rasa's
FailSafeTrackerStore, which logs it with the SQL parameters (the person's
words) and keeps the conversation in memory. Here the scope turns any error
into a TrackerStorageError that names its kind only; `retrieve` then answers
with a new, empty conversation and `save` logs and returns, so the reply (crisis
lines included) still goes out. Logs carry the conversation id, sizes and the
error's kind, never message text.
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import sqlite3
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.pool import QueuePool

from bot.runtime import log_privacy, rasa_patches
from bot.settings import MIN_WINDOW_TURNS
from bot.settings import window_turns as parse_window_turns
from bot.storage import safety_plan_table
from bot.storage.window_table import metadata as window_metadata
from bot.storage.window_table import tracker_windows

logger = logging.getLogger(__name__)

# Set on every tracker this store hands out or saves: how many of its events
# are already in `events` (or synthetic), and how many synthetic ones it starts with.
STORED_ATTR = "_unknot_stored_events"
PLAN_SLOT = "safety_plan"  # copied into unknot_safety_plans (bot/storage/safety_plan_table.py)
SYNTHETIC_ATTR = "_unknot_synthetic_events"
# Of events_json: a header line {"format": 2, "synthetic": k}, then one line per
# event, its JSON as in `events.data`. A row in another format is rebuilt from `events`.
WINDOW_FORMAT = 2
# An event's JSON (json.dumps(event.as_dict())), kept on the event object once
# known (read from a window row, or written to `events`), so saving the window
# again does not encode the same events every message (issue 7).
EVENT_JSON_ATTR = "_unknot_json"


def event_json(event: Event) -> str:
    text = event.__dict__.get(EVENT_JSON_ATTR)
    if text is None:
        text = event.__dict__[EVENT_JSON_ATTR] = json.dumps(event.as_dict())
    return text


def url_to_kwargs(url: str) -> Dict[str, Any]:
    """Split a SQLAlchemy URL into SQLTrackerStore's keyword arguments."""
    if not url:
        raise ValueError("DATABASE_URL is empty")
    parsed = make_url(url)
    kwargs: Dict[str, Any] = {"dialect": parsed.drivername, "db": parsed.database or ""}
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return kwargs
    kwargs.update(host=parsed.host, port=parsed.port, username=parsed.username, password=parsed.password)
    query = dict(parsed.query)
    login_db = query.pop("login_db", None)
    if login_db:
        # Rasa connects to this database first and creates `db` when it is missing.
        kwargs["login_db"] = login_db
    if query:
        kwargs["query"] = query
    return kwargs


def sqlite_engine(url: URL) -> Engine:
    """An engine for one SQLite file that keeps its connections open and writes
    ahead (WAL). SQLAlchemy 1.4 opens and closes a new SQLite connection for
    every session by default, and in the default rollback-journal mode every
    commit creates, syncs and deletes a journal file. Rasa loads and saves the
    tracker once per message, so that was a third of the server's time per
    message (docs/performance.md). WAL keeps `synchronous=FULL`: a commit is
    on disk when it returns, as before. Readers in other processes (the staff
    review app) no longer wait for the writer."""
    engine = sa.create_engine(url, poolclass=QueuePool, pool_size=2, max_overflow=8,
                              connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    return engine


def remove_sqlite_files(path: Path) -> None:
    """Delete a SQLite database with its write-ahead log and shared-memory index
    (a log left behind would be read into a new database of the same name)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
# --------------------------------------------------------------------------- window


def _is_action(event: Event, name: str) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == name


def _session_start(events: Sequence[Event]) -> int:
    """Index of the last SessionStarted (0 without one): where Rasa's own
    retrieve starts the current session (its query takes the events from that
    event's timestamp on, so not the `action_session_start` logged just before)."""
    for i in range(len(events) - 1, -1, -1):
        if isinstance(events[i], SessionStarted):
            return i
    return 0


def applied_positions(events: Sequence[Event]) -> Tuple[List[int], Set[int]]:
    """(applied, undone): the positions of the events Rasa's
    `DialogueStateTracker.applied_events()` returns, and of those it takes back
    on the way: reverted turns (UserUtteranceReverted, ActionReverted) and the
    turns a loop's happy path folds away (a form asking its next question). The
    same algorithm as applied_events(), on positions. Events before a Restarted
    or SessionStarted are dropped there, not taken back: they are in neither."""
    loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
    stack: List[int] = []
    undone: Set[int] = set()

    def undo_till(kind: type) -> None:
        while stack:
            i = stack.pop()
            undone.add(i)
            if isinstance(events[i], kind):
                break

    for i, event in enumerate(events):
        if isinstance(event, (Restarted, SessionStarted)):
            stack.clear()
        elif isinstance(event, ActionReverted):
            undo_till(ActionExecuted)
        elif isinstance(event, UserUtteranceReverted):
            undo_till(UserUttered)
            undo_till(ActionExecuted)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not _first_loop_execution_or_unhappy_path(event.action_name, [events[j] for j in stack])):
            undone.add(i)  # a repeated loop execution is not applied either
            kept: List[int] = []
            while stack and not _is_action(events[stack[-1]], event.action_name):
                j = stack.pop()
                if isinstance(events[j], (ActionExecuted, UserUttered, DefinePrevUserUtteredFeaturization)):
                    undone.add(j)
                else:
                    kept.append(j)
            stack.extend(reversed(kept))
        else:
            stack.append(i)
    return stack, undone


def _first_loop_execution_or_unhappy_path(loop: str, applied: Sequence[Event]) -> bool:
    """DialogueStateTracker._first_loop_execution_or_unhappy_path, as a function."""
    next_action: Optional[str] = None
    for event in reversed(applied):
        if isinstance(event, ActiveLoop) and event.name is None:
            return True
        if isinstance(event, ActionExecutionRejected) and event.action_name == loop:
            return True
        if isinstance(event, UserUttered) and next_action is not None and next_action != loop:
            return True
        if isinstance(event, ActionExecuted):
            if event.action_name == loop:
                return False
            next_action = event.action_name
    return True


def _state_prefix(before_cut: Sequence[Event], carried: Dict[str, Any], slots: Iterable[Slot],
                  timestamp: float) -> List[Event]:
    """Events that put a fresh tracker in the state `before_cut` leaves it in,
    as far as anything after the cut can see: slots (value and whether set),
    a paused conversation, the active loop and whether it was rejected.

    Two things Rasa reads from events rather than from the state come along too:
    `carried`, the last applied SlotSet value of each slot, which is what
    action_session_start carries into a new session (it differs from the slot's
    value only after an AllSlotsReset: those values are set, then reset); and
    the names of the loops activated earlier in the session, because
    applied_events() treats the executions of every loop named in an ActiveLoop
    event of the tracker differently (they are activated, then deactivated)."""
    state = DialogueStateTracker.from_events("window", list(before_cut), slots=slots)
    current = {name: slot.value for name, slot in state.slots.items()
               if slot.has_been_set or slot.value != slot.initial_value}
    prefix: List[Event] = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
                           SessionStarted(timestamp=timestamp)]
    reset = {name: value for name, value in carried.items() if name not in current}
    if reset:
        prefix += [SlotSet(name, copy.deepcopy(value), timestamp=timestamp) for name, value in reset.items()]
        prefix.append(AllSlotsReset(timestamp=timestamp))
    prefix += [SlotSet(name, copy.deepcopy(value), timestamp=timestamp) for name, value in current.items()]
    if state.is_paused():
        prefix.append(ConversationPaused(timestamp=timestamp))
    loop = state.active_loop_name
    earlier = [name for name in dict.fromkeys(e.name for e in before_cut if isinstance(e, ActiveLoop) and e.name)
               if name != loop]
    if earlier:
        prefix += [ActiveLoop(name, timestamp=timestamp) for name in earlier]
        prefix.append(ActiveLoop(None, timestamp=timestamp))
    if loop:
        prefix.append(ActiveLoop(loop, timestamp=timestamp))
        if state.is_active_loop_rejected:
            prefix.append(ActionExecutionRejected(loop, timestamp=timestamp))
    return prefix


def window_parts(events: Sequence[Event], n: int,
                 slots: Iterable[Slot]) -> Tuple[int, List[Event], int]:
    """(start, prefix, user turns kept): the window is `prefix + events[start:]`.

    The cut is the `action_listen` right before the n-th last user message that
    Rasa still applies, and it must itself stay applied: a revert or a form's
    happy path that would reach back across it moves it earlier. It is never
    before the latest SessionStarted; with fewer turns the window is the session
    from that event on, as Rasa's own retrieve returns it (prefix empty).
    "User turns kept" counts the user messages Rasa applies from `start` on.
    """
    events = list(events)
    start = _session_start(events)
    if n <= 0:
        return 0, [], 0
    session = events[start:]
    applied, undone = applied_positions(session)
    users = 0
    for i in range(len(session) - 1, 0, -1):
        event = session[i]
        if isinstance(event, UserUttered) and i not in undone:
            users += 1
        elif (users >= n and _is_action(event, ACTION_LISTEN_NAME) and i not in undone
              and i + 1 < len(session) and isinstance(session[i + 1], UserUttered) and i + 1 not in undone):
            carried = {e.key: e.value for e in (session[j] for j in applied if j < i) if isinstance(e, SlotSet)}
            cut = start + i
            return cut, _state_prefix(events[start:cut], carried, slots, events[cut].timestamp), users
    if session and isinstance(session[0], UserUttered) and 0 not in undone:
        users += 1
    return start, [], users


def window(events: Sequence[Event], n: int, slots: Iterable[Slot]) -> List[Event]:
    """The events of a tracker holding the last `n` user turns of the latest
    session, behind a prefix that reproduces the dialogue state at the cut.
    `n` = 0: all events, unchanged."""
    start, prefix, _ = window_parts(events, n, slots)
    return prefix + list(events)[start:]


# --------------------------------------------------------------------------- storage errors


class TrackerStorageError(Exception):
    """The database failed while reading or writing a conversation. Its message
    names the kind of error and where it was raised, never the data: the
    original's text can hold SQL parameters, i.e. what the person wrote."""


def safe_id(sender_id: Any) -> str:
    """A conversation id fit for a log line: ASCII (a lone surrogate would break
    the log handler's encoding), at most 64 characters, with its length."""
    text = sender_id if isinstance(sender_id, str) else repr(sender_id)
    shown = ascii(text)[1:-1]
    return f"'{shown[:64]}{'...' if len(shown) > 64 else ''}' ({len(text)} chars)"


def storage_error_summary(error: Optional[BaseException]) -> str:
    """`OperationalError/OperationalError: database is locked, at session.py:1234 in execute`.
    SQLite's own messages ("database is locked", "no such table: events") name no
    data, so they are kept; other drivers' messages may quote values, so only
    their class names are."""
    kinds = [type(error).__name__]
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        kinds.append(type(orig).__name__)
    summary = "/".join(kinds)
    for candidate in (orig, error):
        if isinstance(candidate, sqlite3.OperationalError):
            summary += f": {str(candidate)[:80]}"
            break
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    if frames:
        last = frames[-1]
        summary += f", at {Path(last.filename).name}:{last.lineno} in {last.name}"
    return summary


# --------------------------------------------------------------------------- store


class UrlSQLTrackerStore(SQLTrackerStore):
    engine: Engine  # made by SQLTrackerStore.__init__ (untyped there)

    # `db_url`, not `url`: Rasa's endpoint config keeps `url` for itself.
    def __init__(self, domain: Optional[Domain] = None, db_url: str = "", window_turns: Any = None,
                 **kwargs: Any) -> None:
        # The Rasa server builds this store (endpoints.yml names it) while it starts:
        # before it loads the model and before it accepts a connection, which is
        # when the patches must go in. Once per process; the settings say which.
        rasa_patches.install()
        log_privacy.install_structlog()  # Rasa configured structlog before it built this
        self.window_turns = parse_window_turns(window_turns)  # a bad value stops the server here
        kwargs.update(url_to_kwargs(db_url))
        super().__init__(domain=domain, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # Windows rebuilt from `events` (no row, or a stale one); the tests read it.
        self.window_rebuilds = 0
        if self.window_turns:
            self._create_window_table()
        safety_plan_table.create(self.engine)

    def _create_window_table(self) -> None:
        try:
            window_metadata.create_all(self.engine)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError) as error:
            # Several replicas starting at once race to create it; one wins.
            with self.engine.connect() as conn:
                if not sa.inspect(conn).has_table(tracker_windows.name):
                    raise
            logger.debug(f"Another process created {tracker_windows.name}: {error}")

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Any]:
        """Rasa's scope (one session, closed at the end), but any error inside it
        becomes a TrackerStorageError without the data, after a rollback: Rasa's
        own scope exits the process on a ValueError (module docstring)."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
            yield session
        except Exception as error:  # noqa: BLE001 - any failure of storage is handled by the caller
            with contextlib.suppress(Exception):
                session.rollback()
            raise TrackerStorageError(storage_error_summary(error)) from None
        finally:
            try:
                session.close()
            except Exception as error:  # noqa: BLE001 - a broken connection must not end the turn
                logger.error(f"Tracker store: closing a session failed: {storage_error_summary(error)}")

    async def keys(self) -> Iterable[str]:
        try:
            return await super().keys()
        except TrackerStorageError as error:
            logger.error(f"Tracker store: could not list conversations: {error}")
            return []

    # -- reading

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's current session; when the database fails, a new
        empty conversation, so the message is still answered (a risk message
        with the crisis lines). It is marked as having nothing stored, so a later
        save appends all of its events rather than guessing what is there."""
        try:
            return await self._retrieve_window(sender_id)
        except TrackerStorageError as error:
            logger.error(f"Tracker store: could not read conversation {safe_id(sender_id)}: {error}; "
                         "answering it as a new conversation")
            return _mark(self.init_tracker(sender_id), 0, 0)

    async def _retrieve_window(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The current session as a window (see the module docstring), from the
        stored window while it is current, else rebuilt from `events`."""
        if not self.window_turns:
            return await super().retrieve(sender_id)
        slots = self.domain.slots
        with self.session_scope() as session:
            last = self._last_event(session, sender_id)
            row = session.execute(sa.select(tracker_windows).where(
                tracker_windows.c.sender_id == sender_id)).first()
            if row is not None and last is not None and (row.last_event_id, row.last_event_time) == tuple(last):
                tracker = _from_window_row(sender_id, row.events_json, slots)
                if tracker is not None:
                    return tracker
            if last is None:
                if row is not None:  # the conversation was deleted: so is its window
                    session.execute(tracker_windows.delete().where(tracker_windows.c.sender_id == sender_id))
                    session.commit()
                return None
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            events = deserialise_events([json.loads(r.data) for r in rows])
        self.window_rebuilds += 1
        logger.debug(f"Rebuilding the window of {safe_id(sender_id)} from {len(events)} stored events")
        start, prefix, _ = window_parts(events, self.window_turns, slots)
        windowed = prefix + events[start:]
        tracker = DialogueStateTracker.from_events(sender_id, windowed, slots)
        return _mark(tracker, len(windowed), len(prefix))

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        """Every event of every session, as Rasa returns it (no window); None
        (as for an unknown conversation) when the database fails."""
        try:
            tracker = await super().retrieve_full_tracker(conversation_id)
        except TrackerStorageError as error:
            logger.error(f"Tracker store: could not read conversation {safe_id(conversation_id)} "
                         f"in full: {error}")
            return None
        if tracker is not None and self.window_turns:
            _mark(tracker, len(tracker.events), 0)  # saving it appends only what is added later
        return tracker

    def _last_event(self, session: Any, sender_id: str) -> Optional[Tuple[int, float]]:
        e = self.SQLEvent.__table__.c  # a Core select: a third of the ORM query's cost, same row
        return session.execute(sa.select(e.id, e.timestamp).where(e.sender_id == sender_id)
                               .order_by(e.id.desc()).limit(1)).first()

    # -- writing

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn; when the database fails, log it and return: the reply
        is already decided and still goes out. The turn's events are not stored
        then (nothing stored before is touched: the transaction is rolled back)."""
        try:
            await self._save(tracker)
        except TrackerStorageError as error:
            stored = getattr(tracker, STORED_ATTR, None)
            logger.error(f"Tracker store: could not store conversation {safe_id(tracker.sender_id)} "
                         f"({len(tracker.events)} events, {len(tracker.events) - (stored or 0)} new): {error}; "
                         "the reply still goes out")

    async def _save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events to `events` (each once, in order), then
        store the window of the tracker in the same transaction."""
        if not self.window_turns:
            if tracker.get_slot(PLAN_SLOT) is not None or any(
                    isinstance(e, SlotSet) and e.key == PLAN_SLOT for e in tracker.events):
                with self.session_scope() as session:
                    self._store_safety_plan(session, tracker.sender_id,
                                            list(self._additional_events(session, tracker)))
                    session.commit()
            return await super().save(tracker)
        await self.stream_events(tracker)
        events = list(tracker.events)
        with self.session_scope() as session:
            stored = getattr(tracker, STORED_ATTR, None)
            # A tracker this store never handed out (a new conversation from
            # init_tracker): Rasa's own count of what is stored already.
            new = events[stored:] if stored is not None else list(self._additional_events(session, tracker))
            rows = [self._event_row(tracker.sender_id, event) for event in new]
            session.add_all(rows)
            session.flush()  # assigns the ids
            last = (rows[-1].id, rows[-1].timestamp) if rows else self._last_event(session, tracker.sender_id)
            self._write_window(session, tracker, events, last)
            self._store_safety_plan(session, tracker.sender_id, new)
            session.commit()
        setattr(tracker, STORED_ATTR, len(events))
        logger.debug(f"Tracker with sender_id {safe_id(tracker.sender_id)} stored to database")

    @staticmethod
    def _store_safety_plan(session: Any, sender_id: str, new: Sequence[Event]) -> None:
        """The safety plan's own table follows the slot (bot/storage/safety_plan_table.py)."""
        last = next((e for e in reversed(new) if isinstance(e, SlotSet) and e.key == PLAN_SLOT), None)
        if last is not None:
            safety_plan_table.store(session, sender_id, last.value, last.timestamp or time.time())

    def _event_row(self, sender_id: str, event: Event) -> Any:
        """One row of `events`, exactly as SQLTrackerStore.save writes it."""
        data = event.as_dict()
        text = event.__dict__[EVENT_JSON_ATTR] = json.dumps(data)
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=text,
        )

    def _write_window(self, session: Any, tracker: DialogueStateTracker, events: List[Event],
                      last: Optional[Tuple[int, float]]) -> None:
        sender_id = tracker.sender_id
        start, prefix, users = window_parts(events, self.window_turns, self.domain.slots)
        own_prefix = getattr(tracker, SYNTHETIC_ATTR, 0)
        synthetic = len(prefix) if prefix else (own_prefix if start == 0 else 0)
        where = tracker_windows.c.sender_id == sender_id
        if last is None or (not prefix and start == 0 and own_prefix and users < MIN_WINDOW_TURNS):
            # Nothing stored, or reverts (a fallback giving up, "/back") took
            # back turns of a window that is already cut until fewer than
            # MIN_WINDOW_TURNS are left: the next retrieve rebuilds it from
            # `events`, so no later revert can reach past what the tracker holds.
            session.execute(tracker_windows.delete().where(where))
            return
        lines = [json.dumps({"format": WINDOW_FORMAT, "synthetic": synthetic})]
        lines += [event_json(e) for e in prefix + events[start:]]
        values = {"last_event_id": last[0], "last_event_time": last[1], "updated": time.time(),
                  "events_json": "\n".join(lines)}
        _upsert(session, sender_id, values)


def _upsert(session: Any, sender_id: str, values: Dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    row = {"sender_id": sender_id, **values}
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        statement = insert(tracker_windows).values(**row)
        session.execute(statement.on_conflict_do_update(index_elements=["sender_id"], set_=values))
        return
    # Other databases: the conversation lock (lock store) serialises writers.
    updated = session.execute(tracker_windows.update().where(tracker_windows.c.sender_id == sender_id)
                              .values(**values))
    if not updated.rowcount:
        session.execute(tracker_windows.insert().values(**row))


def _from_window_row(sender_id: str, events_json: str, slots: Iterable[Slot]) -> Optional[DialogueStateTracker]:
    """The tracker a window row holds; None (rebuild it) when the row cannot be read."""
    try:
        lines = events_json.split("\n")
        header = json.loads(lines[0])
        if not isinstance(header, dict) or header.get("format") != WINDOW_FORMAT:
            return None
        events = []
        for line in lines[1:]:
            event = Event.from_parameters(json.loads(line))
            if event is None:
                return None
            event.__dict__[EVENT_JSON_ATTR] = line
            events.append(event)
        tracker = DialogueStateTracker.from_events(sender_id, events, slots)
        return _mark(tracker, len(tracker.events), int(header["synthetic"]))
    except Exception:  # noqa: BLE001 - never lose a conversation over its window: rebuild it
        # No traceback: its messages could quote the stored events (what the person wrote).
        logger.warning(f"Unreadable window of {safe_id(sender_id)} ({len(events_json)} chars): "
                       f"{storage_error_summary(sys.exc_info()[1])}; rebuilding it from the events table")
        return None


def _mark(tracker: DialogueStateTracker, stored: int, synthetic: int) -> DialogueStateTracker:
    setattr(tracker, STORED_ATTR, stored)
    setattr(tracker, SYNTHETIC_ATTR, synthetic)
    return tracker
