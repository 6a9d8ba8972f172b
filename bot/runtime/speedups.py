"""Runtime fixes for hot spots found by profiling the Rasa server under load
(`python -m tools.perf.bench --profile`, docs/performance.md). Nothing here changes
what the bot answers.

Installed by bot.storage.tracker_store, the first of our modules the Rasa server
imports (endpoints.yml names it), so every `rasa run`, `rasa shell` and
`rasa test` that uses our endpoints gets them, and the admission gate
(bot/runtime/scheduling.py) with them. UNKNOT_SPEEDUPS=off leaves all of them out;
`python -m tools.perf.ab <names>` measures the ones that replace a Rasa method,
each on and off, and `suspended()` puts Rasa's own methods back for a block
(tests/integration/test_speedups_same_answers.py compares the decisions).
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import os
import re
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

from jsonschema._utils import (
    equal as json_equal,  # jsonschema's own const/enum equality
)

_installed = False
_lock = threading.Lock()
# (owner, attribute name, original, replacement, speedup) of the patches that
# replace a Rasa method, so `suspended()` can put the originals back for a
# comparison, and tools.perf.ab can switch each speedup on and off.
_REPLACED: List[Tuple[Any, str, Any, Any, str]] = []


def _replace(owner: Any, name: str, new: Any, speedup: str) -> None:
    original = owner.__dict__[name]
    new.__doc__ = getattr(original, "__doc__", None)
    _REPLACED.append((owner, name, original, new, speedup))
    setattr(owner, name, new)


def replaced() -> List[Tuple[Any, str, Any, Any, str]]:
    return list(_REPLACED)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Rasa's own methods in place of the replacements, for the length of the
    block (tests compare the two; not for use while serving)."""
    for owner, name, original, _, _ in _REPLACED:
        setattr(owner, name, original)
    try:
        yield
    finally:
        for owner, name, _, new, _ in _REPLACED:
            setattr(owner, name, new)


def install() -> None:
    global _installed
    with _lock:
        if _installed or os.environ.get("UNKNOT_SPEEDUPS", "").strip().lower() == "off":
            return
        install_each()
        from bot.runtime import scheduling

        scheduling.install()
        _installed = True


def install_each() -> None:
    """Every speedup (each installs itself once), without the admission gate
    and whatever UNKNOT_SPEEDUPS says; `python -m tools.perf.ab` uses it."""
    cache_jsonschema_checks()
    cache_event_classes()
    reuse_endpoint_connections()
    run_graphs_directly()
    index_rules_by_last_action()
    replay_dialogue_states_incrementally()


def cache_jsonschema_checks() -> None:
    """Rasa validates every custom action's response with `jsonschema.validate(result,
    schema)`, and jsonschema's `validate` first checks the *schema itself* against its
    draft-2020-12 meta-schema, every call. That check was about a fifth of the Rasa
    server's CPU time per message. The schema never changes, so check it once per
    distinct schema and reuse the validator; instances are validated exactly as before
    (same validator class, same best_match error)."""
    import jsonschema
    from jsonschema import exceptions
    from jsonschema.validators import validator_for

    original = jsonschema.validate
    if getattr(original, "_unknot_cached", False):
        return
    validators: Dict[Tuple[Any, str], Any] = {}

    def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            return original(instance, schema, cls, *args, **kwargs)
        try:
            key = (cls, json.dumps(schema, sort_keys=True))
        except (TypeError, ValueError):
            return original(instance, schema, cls)
        validator = validators.get(key)
        if validator is None:
            klass = cls if cls is not None else validator_for(schema)
            klass.check_schema(schema)
            validator = klass(schema)
            if len(validators) < 256:
                validators[key] = validator
        if quick_is_valid(validator, schema, instance):
            return None  # jsonschema would find no error either
        error = exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    validate._unknot_cached = True  # type: ignore[attr-defined]
    validate.__doc__ = original.__doc__
    jsonschema.validate = validate


class _Unsupported(Exception):
    """A keyword quick_is_valid does not know: let jsonschema decide."""


_QUICK_KEYWORDS = frozenset({"type", "properties", "patternProperties", "required", "items", "oneOf", "const"})


def quick_is_valid(validator: Any, schema: Any, instance: Any) -> bool:
    """True when `instance` is valid under `schema`, decided without building
    error objects; False when it is not, or when the schema uses a keyword
    outside the few below (then jsonschema decides, as before).

    Rasa's events schema is a `oneOf` over 23 event types for every event an
    action returns, and jsonschema builds a ValidationError for each of the 22
    alternatives that do not match: ~2.4 ms per custom action call. These
    keywords mean here exactly what jsonschema's own implementations
    (jsonschema/_validators.py: type, properties, patternProperties, required,
    items, oneOf, const) do, using the validator's own type checker and its
    `equal`; tests/unit/test_speedups.py compares the two on every event type
    and on broken ones. Only a True is trusted without jsonschema."""
    try:
        return _quick(validator, schema, instance)
    except _Unsupported:
        return False


def _quick(validator: Any, schema: Any, instance: Any) -> bool:
    if schema is True:
        return True
    if schema is False or not isinstance(schema, dict) or not schema.keys() <= _QUICK_KEYWORDS:
        raise _Unsupported
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(validator.is_type(instance, t) for t in types):
            return False
    if "const" in schema and not json_equal(instance, schema["const"]):
        return False
    if validator.is_type(instance, "object"):
        if any(name not in instance for name in schema.get("required", ())):
            return False
        for name, sub in schema.get("properties", {}).items():
            if name in instance and not _quick(validator, sub, instance[name]):
                return False
        for pattern, sub in schema.get("patternProperties", {}).items():
            for name, value in instance.items():
                if re.search(pattern, name) and not _quick(validator, sub, value):
                    return False
    if "items" in schema and validator.is_type(instance, "array"):
        items = schema["items"]
        if items is False:
            if instance:
                return False
        elif not all(_quick(validator, items, element) for element in instance):
            return False
    if "oneOf" in schema:
        if sum(1 for sub in schema["oneOf"] if _quick(validator, sub, instance)) != 1:
            return False
    return True


def cache_event_classes() -> None:
    """Rasa turns every stored event back into an object with
    `Event.resolve_by_type(type_name)`, which walks the whole tree of Event
    subclasses (and asks `inspect.isabstract` of each) for every single event:
    about 40% of loading a tracker from the tracker store. The answer for a type
    name never changes once found, so remember it. A name not found yet (an
    unknown type, or a subclass defined later) still goes through the original
    search, so the result is always the one the original would give: it returns
    the first match of a list whose existing entries keep their order."""
    from rasa.shared.core.events import Event

    original = Event.__dict__["resolve_by_type"].__func__
    if getattr(original, "_unknot_cached", False):
        return
    found: Dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        cls = original(type_name, default)
        if cls is not None and cls is not default and cls.type_name == type_name:
            found[type_name] = cls
        return cls

    resolve_by_type._unknot_cached = True  # type: ignore[attr-defined]
    resolve_by_type.__doc__ = original.__doc__
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]


def reuse_endpoint_connections() -> None:
    """Rasa's `EndpointConfig.request` (every custom action call to the action
    server) builds a new aiohttp ClientSession, and with it a new TCP
    connection, for every single request, then tears both down. Keep one
    session per event loop and endpoint settings, so calls reuse keep-alive
    connections. Idle connections are dropped after 2 s, before the action
    server's own keep-alive timeout (Sanic: 5 s), so a request never goes out on
    a connection the server is closing. Requests, headers, timeouts and errors
    are exactly as before."""
    import asyncio
    import weakref

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original = EndpointConfig.session
    if getattr(original, "_unknot_shared", False):
        return
    sessions: "weakref.WeakKeyDictionary[Any, Dict[Tuple[Any, ...], Any]]" = weakref.WeakKeyDictionary()

    class _Borrowed:
        """`async with config.session()` hands out the shared session and leaves it open."""

        def __init__(self, session: Any) -> None:
            self._session = session

        async def __aenter__(self) -> Any:
            return self._session

        async def __aexit__(self, *exc: Any) -> None:
            return None

    def session(self: EndpointConfig) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return original(self)
        key = (tuple(sorted(self.headers.items())), tuple(sorted(self.basic_auth.items())))
        per_loop = sessions.setdefault(loop, {})
        shared = per_loop.get(key)
        if shared is None or shared.closed:
            auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                    if self.basic_auth else None)
            shared = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=2.0))
            per_loop[key] = shared
        return _Borrowed(shared)

    session._unknot_shared = True  # type: ignore[attr-defined]
    session.__doc__ = original.__doc__
    EndpointConfig.session = session  # type: ignore[assignment]


def execute_graph(graph: Dict[Any, Any], targets: Any) -> List[Any]:
    """The values of `targets` in a dask-format graph (docs.dask.org/en/latest/spec.html),
    as `dask.get` computes them for the graphs Rasa builds: a task is a tuple
    `(callable, *arguments)`; an argument that names another key of the graph is
    replaced by that key's value, any other argument is passed as it is; anything
    that is not a task is a literal value. Each key is computed once, dependencies
    first. A cycle raises RuntimeError, which Rasa turns into GraphRunError, as
    it does dask's."""
    values: Dict[Any, Any] = {}
    running: set = set()

    def value(key: Any) -> Any:
        if key in values:
            return values[key]
        if key in running:
            raise RuntimeError(f"Cycle detected in the graph at '{key}'")
        running.add(key)
        task = graph[key]
        if type(task) is tuple and task and callable(task[0]):
            args = [value(a) if isinstance(a, str) and a in graph else a for a in task[1:]]
            result = task[0](*args)
        else:
            result = task
        running.discard(key)
        values[key] = result
        return result

    return [value(target) for target in targets]


def run_graphs_directly() -> None:
    """Rasa runs its model graph through dask's synchronous scheduler: once to
    parse each message and once for every action it predicts (3-5 times a
    message). For graphs this small (a chain of NLU components; a handful of
    policies), dask's own bookkeeping (ordering, task queues, callbacks) was
    about a tenth of the server's time. The same nodes run with the same inputs
    through `execute_graph`; the graph Rasa builds for a set of targets is built
    once and copied for each run."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if getattr(DaskGraphRunner.run, "_unknot_direct", False):
        return

    def run(self: Any, inputs: Optional[Dict[str, Any]] = None,
            targets: Optional[List[str]] = None) -> Dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        built = self.__dict__.setdefault("_unknot_graphs", {})
        key = tuple(run_targets)
        graph = built.get(key)
        if graph is None:
            graph = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
            built[key] = graph
        graph = dict(graph)
        if inputs:
            self._add_inputs_to_graph(inputs, graph)
        try:
            return dict(execute_graph(graph, run_targets))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    run._unknot_direct = True  # type: ignore[attr-defined]
    _replace(DaskGraphRunner, "run", run, "run_graphs_directly")


# True while RulePolicy predicts (not while it trains, when its rules change).
RULE_PREDICTION: "contextvars.ContextVar[bool]" = contextvars.ContextVar("unknot_rule_prediction", default=False)


def index_rules_by_last_action() -> None:
    """RulePolicy finds the rules that match the conversation
    (`_get_possible_keys`) by testing every rule (180 here) against the last
    state, then the survivors against the state before, and so on, for every
    action it predicts: about 7% of the server's time, nearly all of it in the
    first pass. A rule whose last state names a previous action can only match
    a conversation whose last state has that same previous action
    (`_does_rule_match_state`: a value the rule sets must be equal), so the
    first pass only needs those rules plus the ones that do not name one. The
    rules are grouped once per set of rules; every candidate then goes through
    Rasa's own `_is_rule_applicable`, turn by turn, as before, so the answer is
    the same set. Only while predicting (`predict_action_probabilities`):
    training changes the rules as it goes."""
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
    from rasa.shared.nlu.constants import ACTION_NAME

    if getattr(RulePolicy._get_possible_keys, "_unknot_indexed", False):
        return
    original_keys = RulePolicy._get_possible_keys
    original_predict = RulePolicy.predict_action_probabilities

    def group(policy: Any, lookup: Dict[str, Any]) -> Tuple[Dict[str, List[str]], List[str]]:
        by_action: Dict[str, List[str]] = {}
        anywhere: List[str] = []
        for rule in lookup:
            rule_states = policy._rule_key_to_state(rule)
            action = (rule_states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME) if rule_states else None
            if isinstance(action, str) and action and action != SHOULD_NOT_BE_SET:
                by_action.setdefault(action, []).append(rule)
            else:
                anywhere.append(rule)
        return by_action, anywhere

    def _get_possible_keys(self: Any, lookup: Dict[str, Any], states: Any) -> Any:
        if not RULE_PREDICTION.get() or not states:
            return original_keys(self, lookup, states)
        groups = self.__dict__.setdefault("_unknot_rule_groups", {})
        grouped = groups.get(id(lookup))
        if grouped is None or grouped[0] is not lookup:
            grouped = groups[id(lookup)] = (lookup, *group(self, lookup))  # holding `lookup` keeps its id unique
        _, by_action, anywhere = grouped
        action = (states[-1].get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
        candidates = by_action.get(action, []) + anywhere if isinstance(action, str) else anywhere
        possible = set(candidates)
        for i, state in enumerate(reversed(states)):
            possible = {rule for rule in possible if self._is_rule_applicable(rule, i, state)}
        return possible

    def predict_action_probabilities(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = RULE_PREDICTION.set(True)
        try:
            return original_predict(self, *args, **kwargs)
        finally:
            RULE_PREDICTION.reset(token)

    _get_possible_keys._unknot_indexed = True  # type: ignore[attr-defined]
    _replace(RulePolicy, "_get_possible_keys", _get_possible_keys, "index_rules_by_last_action")
    _replace(RulePolicy, "predict_action_probabilities", predict_action_probabilities,
             "index_rules_by_last_action")


class _Replay:
    """How far `states_for_tracker_history` has replayed one tracker: the
    applied events replayed, a tracker at that point, and what Rasa reads from
    the replayed tracker before each ActionExecuted. A copy of the tracker
    (deepcopy, pickle) starts without one."""

    __slots__ = ("domain", "applied", "tracker", "steps")

    def __init__(self, domain: Any = None, tracker: Any = None) -> None:
        self.domain, self.tracker = domain, tracker
        self.applied: List[Any] = []
        self.steps: List[Tuple[Any, ...]] = []

    def __deepcopy__(self, memo: Any) -> None:
        return None

    def __reduce__(self) -> Any:
        return (type(None), ())


def replay_dialogue_states_incrementally() -> None:
    """Every policy turns the conversation into dialogue states for every action
    it predicts: `Domain.states_for_tracker_history` replays the tracker's
    applied events from the start on a fresh copy and reads the state before
    each action, 6-10 full replays per message: ~14% of the server's time, and
    the part that grows with the conversation. Between two calls on the same
    tracker the applied events only get longer (or a revert or restart changes
    them, then everything is replayed again), so the replay is kept on the
    tracker and continued from where it stopped. What is read from each
    replayed tracker is what Rasa's loop reads; that loop (rule-only turns
    hidden, previous ML action substituted) runs as in Rasa over fresh copies,
    with the same sharing between states, so callers may edit them as before."""
    from rasa.shared.core import constants
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted

    original = Domain.__dict__["states_for_tracker_history"]
    if getattr(original, "_unknot_incremental", False):
        return

    def read(domain: Any, tr: Any, hide: bool, omit_unset_slots: bool) -> Tuple[Any, ...]:
        return (hide, bool(tr.followup_action), tr.latest_action_name == tr.active_loop_name,
                domain._get_prev_action_sub_state(tr), domain.get_active_state(tr, omit_unset_slots=omit_unset_slots))

    def steps_of(domain: Any, tracker: Any, omit_unset_slots: bool) -> List[Tuple[Any, ...]]:
        applied = tracker.applied_events()
        replays = tracker.__dict__.get("_unknot_replays")
        if not isinstance(replays, dict):
            replays = tracker.__dict__["_unknot_replays"] = {}
        replay = replays.get(omit_unset_slots)
        if (replay is None or replay.domain is not domain or len(replay.applied) > len(applied)
                or any(a is not b for a, b in zip(replay.applied, applied))):
            replay = replays[omit_unset_slots] = _Replay(domain, tracker.init_copy())
        for event in applied[len(replay.applied):]:
            if isinstance(event, ActionExecuted):
                replay.steps.append(read(domain, replay.tracker, event.hide_rule_turn, omit_unset_slots))
            replay.tracker.update(event)
        replay.applied = applied
        return replay.steps + [read(domain, replay.tracker, False, omit_unset_slots)]

    def states_for_tracker_history(self: Any, tracker: Any, omit_unset_slots: bool = False,
                                   ignore_rule_only_turns: bool = False,
                                   rule_only_data: Optional[Dict[str, Any]] = None) -> Any:
        copies: Dict[int, Any] = {}

        def fresh(sub: Any) -> Any:  # one copy per original, so states share what Rasa's share
            if not isinstance(sub, dict):
                return sub
            copy = copies.get(id(sub))
            if copy is None:
                copy = copies[id(sub)] = dict(sub)
            return copy

        states: List[Any] = []
        last_ml_action_sub_state = None
        turn_was_hidden = False
        for hide_rule_turn, followup, at_loop, prev_action, active in steps_of(self, tracker, bool(omit_unset_slots)):
            # From here on, Rasa's Domain.states_for_tracker_history, line for line.
            if ignore_rule_only_turns:
                if not turn_was_hidden:
                    last_ml_action_sub_state = fresh(prev_action)
                if not followup and not at_loop:
                    turn_was_hidden = hide_rule_turn
                if turn_was_hidden:
                    continue
            state = {kind: fresh(sub) for kind, sub in active.items()}
            if ignore_rule_only_turns:
                self._remove_rule_only_features(state, rule_only_data)
                if states:
                    self._substitute_rule_only_user_input(state, states[-1])
                if last_ml_action_sub_state:
                    state[constants.PREVIOUS_ACTION] = last_ml_action_sub_state
            states.append(self._clean_state(state))
        return states

    states_for_tracker_history._unknot_incremental = True  # type: ignore[attr-defined]
    _replace(Domain, "states_for_tracker_history", states_for_tracker_history,
             "replay_dialogue_states_incrementally")


def enabled() -> bool:
    return os.environ.get("UNKNOT_SPEEDUPS", "").strip().lower() != "off"
