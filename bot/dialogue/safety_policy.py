from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple, Union, cast

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import (
    ACTION_LISTEN_NAME,
    ACTION_SESSION_START_NAME,
    REQUESTED_SLOT,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.input_boundary import is_long_message
from bot.dialogue import safety_context
from bot.dialogue.safety_context import SESSION_START, ContextDecision, context_decision
from bot.flows import crisis_conversation, safety_plan
from bot.flows.crisis import detect_region, detect_youth
from bot.safety.crisis_domain import YOUTH_SUFFIX

log = logging.getLogger(__name__)

RED_FLAG_SEQUENCE = ("utter_red_flag_urgent",)
DEACTIVATE = "action_deactivate_loop"
RULE_SNIPPET = "..."
TOPICS_FILE = "topic_answers.json"
PLAN_SLOT, PLAN_TEXT_SLOT = "safety_plan", "safety_plan_text"
YOUTH_SLOT = "youth"  # the person said they are under 18 (True) or gave an adult age (False)
# A message over the channels' length limit (bot/channels/input_boundary.py) that the crisis
# conversation has nothing to say to: "could you send it in a few parts?" instead of the usual answer.
LONG_MESSAGE_ACTION = "utter_message_too_long"


def base_action(name: Optional[str]) -> Optional[str]:
    """A crisis reply's name without its young-person twin's suffix (crisis_domain.render):
    the conversation reads the same whichever of the two was sent."""
    if name and name.endswith(YOUTH_SUFFIX) and name.startswith("utter_"):
        return name[: -len(YOUTH_SUFFIX)]
    return name


def slot_at_message(tracker: DialogueStateTracker, name: str) -> Any:
    """The slot's value when the person's latest message arrived.

    A turn's replies are predicted one by one, and the slots SafetyPolicy writes with the first
    (the plan with the new answer, `youth`) are set before the second prediction. Read from the
    live slot, the same message would then be decided differently mid-turn ("i'm 15" gives the
    youth lines, then, `youth` being set, the plain listening reply) and the turn's replies
    would stop matching their sequence. Reading the value from before the turn keeps one
    decision per message."""
    # One pass back: SlotSets of this turn, the latest message, then the value before it (the
    # conversation window keeps earlier values as SlotSets at its start). Most turns stop at
    # the message: nothing changed the slot yet.
    changed, at_message = False, False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and not at_message:
            if not changed:
                return tracker.get_slot(name)
            at_message = True
        elif isinstance(event, SlotSet) and event.key == name:
            if at_message:
                return event.value
            changed = True
        elif at_message and isinstance(event, (Restarted, AllSlotsReset)):
            break
    if not at_message:
        return tracker.get_slot(name)
    slot = tracker.slots.get(name)
    return slot.initial_value if slot is not None else None


def next_safety_action(sequence: Sequence[str], actions_since_user: Sequence[str], active_loop: Optional[str],
                       keeps_loop: bool = False) -> Optional[str]:
    """The next action of a turn whose replies are `sequence`, or None when something else
    already answered it. After the replies: end any active loop (unless the replies started
    the loop on purpose), then listen."""
    done = list(actions_since_user)
    if done[: len(sequence)] != list(sequence[: len(done)]):
        return None  # something else already answered this turn; stay out of the way
    if len(done) < len(sequence):
        return sequence[len(done)]
    if len(done) == len(sequence) and active_loop and not keeps_loop:
        return DEACTIVATE
    if done == list(sequence) or done == list(sequence) + [DEACTIVATE]:
        return ACTION_LISTEN_NAME
    return None


@dataclass
class SessionView:
    """The current session as the crisis conversation needs it."""
    current: Optional[UserUttered] = None
    before: List[str] = field(default_factory=list)       # bot actions of the session before the message
    since_user: List[str] = field(default_factory=list)   # bot actions since the message (this turn)
    carried: Optional[str] = None                         # `crisis` slot value the view starts with
    started: bool = False                                 # the session's start is in view
    first_of_session: bool = True
    last_bot_action: Optional[str] = None
    previous_intent: Optional[str] = None                 # the user turn before the current one
    pending_topic: Optional[str] = None                   # a topic asked for, met with "are you safe?" first

    @property
    def is_first_turn_of_session(self) -> bool:
        """Only a real session start counts: the conversation window's prefix is not one."""
        return self.started and self.first_of_session


def session_view(tracker: DialogueStateTracker) -> SessionView:
    """Read back to the session's start. `carried` is the `crisis` slot as it stood before the
    first message in view: carried over by action_session_start, or, when the conversation
    window (bot/storage/tracker_store.py) starts mid-session, set by the window's state prefix."""
    # applied_events() starts after the latest session start or restart (and drops reverted turns)
    view = SessionView(started=any(isinstance(e, (SessionStarted, Restarted)) for e in tracker.events))
    seen_user = False
    pending: List[str] = []  # actions after the latest user message so far
    for event in tracker.applied_events():  # reverted turns (/back, the fallback giving up) do not count
        if isinstance(event, (SessionStarted, Restarted)) or (
                isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME):
            view = SessionView(started=True)
            seen_user, pending = False, []
        elif isinstance(event, SlotSet) and event.key == "crisis":
            if not seen_user:
                view.carried = event.value
        elif isinstance(event, AllSlotsReset):
            # Unknot never resets all slots; if something does, the crisis state goes with them,
            # as it would through the conversation window (whose prefix carries slots only)
            view.before, view.carried = [], None
        elif isinstance(event, UserUttered):
            if view.current is not None:
                view.previous_intent = view.current.intent_name
                view.before += pending
                if "utter_crisis_check_topic" in pending:
                    view.pending_topic = view.current.intent_name
                elif any(a not in crisis_conversation.KEEPS_PENDING_TOPIC for a in pending):
                    view.pending_topic = None  # answered, or something else happened
            view.current, pending, seen_user = event, [], True
        elif isinstance(event, ActionExecuted) and event.action_name not in (None, ACTION_LISTEN_NAME):
            name = cast(str, base_action(event.action_name))  # not None: action_name is not
            pending.append(name)
            if view.current is None:
                view.before.append(name)
    if view.current is not None:
        view.since_user = pending
        # the same reading as the context rule's (raw events back to the previous user turn), which
        # the conversation window is proven to keep
        view.last_bot_action = base_action(context_inputs(tracker, 0)[2])
        # "first message of the session" counts reverted messages too, as the window does
        users = 0
        for event in reversed(tracker.events):
            if isinstance(event, (SessionStarted, Restarted)):
                break
            users += isinstance(event, UserUttered)
        view.first_of_session = users <= 1
    return view


def state_before(view: SessionView) -> Optional[str]:
    """The crisis state before the current message. A new session starts without one: a person
    coming back after a crisis gets a kind check first (crisis_conversation.decide, `carried`)."""
    if view.is_first_turn_of_session:
        return None
    return crisis_conversation.state_from_actions(view.before, view.carried)


def crisis_inputs(tracker: DialogueStateTracker) -> Tuple[Any, ...]:
    """What the crisis conversation decides a turn from (the conversation-window test compares it)."""
    view = session_view(tracker)
    state = state_before(view)
    return (view.current.intent_name if view.current else None, tuple(view.since_user), view.last_bot_action,
            state, view.is_first_turn_of_session, view.carried if view.is_first_turn_of_session else None,
            view.pending_topic if view.last_bot_action in crisis_conversation.SAFETY_QUESTIONS else None)


def topic_answers(trackers: Sequence[TrackerWithCachedStates]) -> Dict[str, Tuple[List[str], bool]]:
    """intent -> (the actions a rule without conditions answers it with, whether they start a loop)."""
    answers: Dict[str, Tuple[List[str], bool]] = {}
    for tracker in trackers:
        if not getattr(tracker, "is_rule_tracker", False):
            continue
        events = list(tracker.events)
        if len(events) < 4 or not (isinstance(events[0], ActionExecuted) and events[0].action_name == RULE_SNIPPET):
            continue  # a rule with a condition (slot or loop) first
        if not (isinstance(events[1], ActionExecuted) and events[1].action_name == ACTION_LISTEN_NAME
                and isinstance(events[2], UserUttered)):
            continue
        intent = events[2].intent_name
        actions: List[str] = []
        loop = False
        ok = True
        for event in events[3:]:
            if isinstance(event, ActionExecuted):
                if event.action_name == ACTION_LISTEN_NAME:
                    break
                actions.append(event.action_name)
            elif isinstance(event, ActiveLoop):
                loop = loop or bool(event.name)
            else:
                ok = False  # slots or anything else: not a plain answer
        if ok and intent and actions and intent not in answers:
            answers[intent] = (actions, loop)
    return answers


def _turn_record(event: UserUttered) -> Dict[str, Any]:
    data = event.parse_data or {}
    return {"text": event.text, "intent": event.intent_name, "risk": data.get("risk")}


def context_inputs(tracker: DialogueStateTracker, max_turns: int
                   ) -> Tuple[Optional[Dict[str, Any]], List[Union[Dict[str, Any], str]], Optional[str]]:
    """(current user turn, up to max_turns earlier user turns newest first with SESSION_START
    where the session began, the bot's last action before the current message), read from the
    raw events back to front. A restart counts as a session start. With the conversation window
    on (bot/storage/tracker_store.py, at least 5 user turns) the default 4 earlier turns are inside it."""
    current: Optional[Dict[str, Any]] = None
    earlier: List[Union[Dict[str, Any], str]] = []
    last_bot_action: Optional[str] = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if current is None:
                current = _turn_record(event)
                continue
            if len(earlier) >= max_turns:
                break
            earlier.append(_turn_record(event))
        elif isinstance(event, (SessionStarted, Restarted)) or (
                isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME):
            if current is not None and len(earlier) < max_turns:
                earlier.append(SESSION_START)
            break
        elif (isinstance(event, ActionExecuted) and current is not None and last_bot_action is None
              and event.action_name not in (None, ACTION_LISTEN_NAME)):
            last_bot_action = event.action_name
    return current, earlier, last_bot_action


def tracker_context(tracker: DialogueStateTracker, config: Dict[Text, Any]) -> ContextDecision:
    """safety_context.context_decision on the tracker's latest user message."""
    turns = int(config.get("context_turns", safety_context.DEFAULT_CONTEXT_TURNS))
    if turns <= 0:
        return ContextDecision(False, "off")
    current, earlier, last_bot_action = context_inputs(tracker, turns)
    if current is None:
        return ContextDecision(False, "no_message")
    return context_decision(
        current, earlier,
        active_loop=tracker.active_loop_name,
        requested_slot=tracker.get_slot(REQUESTED_SLOT) if REQUESTED_SLOT in tracker.slots else None,
        last_bot_action=last_bot_action,
        answer_questions=config.get("answer_questions", safety_context.DEFAULT_ANSWER_QUESTIONS),
        context_turns=turns,
        context_score=float(config.get("context_score", safety_context.DEFAULT_CONTEXT_SCORE)),
        risk_intents=config.get("context_risk_intents", safety_context.DEFAULT_RISK_INTENTS),
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,  # above RulePolicy (6)
            "risk_intents": ["express_risk", "request_crisis_resources"],
            "red_flag_intents": ["report_red_flag"],
            # context (see safety_context.py): how many earlier user turns count, and the
            # learned classifier's risk score that makes a message ambiguous on its own
            "context_turns": safety_context.DEFAULT_CONTEXT_TURNS,
            "context_score": safety_context.DEFAULT_CONTEXT_SCORE,
            "context_risk_intents": list(safety_context.DEFAULT_RISK_INTENTS),
            # bot questions answered with a time or a number: never raised by context alone
            "answer_questions": list(safety_context.DEFAULT_ANSWER_QUESTIONS),
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, topics: Optional[Dict[str, Any]] = None,
                 **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self.topics: Dict[str, Tuple[Tuple[str, ...], bool]] = {
            k: (tuple(v[0]), bool(v[1])) for k, v in (topics or {}).items()}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        self.topics = {k: (tuple(a), loop) for k, (a, loop) in topic_answers(training_trackers).items()}
        with self._model_storage.write_to(self._resource) as path:
            (Path(path) / TOPICS_FILE).write_text(json.dumps({k: [list(a), loop] for k, (a, loop) in self.topics.items()}))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SafetyPolicy":
        topics: Dict[str, Any] = {}
        try:
            with model_storage.read_from(resource) as path:
                file = Path(path) / TOPICS_FILE
                if file.is_file():
                    topics = json.loads(file.read_text())
        except (ValueError, FileNotFoundError, OSError):
            log.debug("SafetyPolicy: no topic answers stored; topic requests after a check get the menu of choices")
        return cls(config, model_storage, resource, execution_context, topics=topics)

    # ------------------------------------------------------------------ prediction
    def _message(self, tracker: DialogueStateTracker, event: UserUttered) -> crisis_conversation.Message:
        data = event.parse_data or {}
        found_risk = data.get("risk")
        risk: Dict[str, Any] = found_risk if isinstance(found_risk, dict) else {}
        intent = event.intent_name
        context_risk = False
        context_cues: Tuple[str, ...] = ()
        if intent not in self.config["risk_intents"] and intent not in self.config["red_flag_intents"]:
            decision = tracker_context(tracker, self.config)
            context_risk = decision.raised
            context_cues = tuple(decision.cues) if decision.raised else ()
        return crisis_conversation.Message(
            text=event.text or "", intent=intent, risk_level=risk.get("level"),
            risk_cues=tuple(c for c in (risk.get("cues") or ()) if isinstance(c, str)),
            risk_reasons=tuple(r for r in (risk.get("reasons") or ()) if isinstance(r, str)),
            context_risk=context_risk, context_cues=context_cues, risk_intents=tuple(self.config["risk_intents"]),
            service_talk=risk.get("service_talk") is True)

    def plan_for(self, tracker: DialogueStateTracker, view: SessionView,
                 youth: Optional[bool] = None) -> Optional[crisis_conversation.Plan]:
        """`youth`: what this message says about the person's age (`detect_youth`), read once a turn."""
        assert view.current is not None
        message = self._message(tracker, view.current)
        state = state_before(view)
        pending = view.pending_topic if view.last_bot_action in crisis_conversation.SAFETY_QUESTIONS else None
        stored = safety_plan.stored(slot_at_message(tracker, PLAN_SLOT)) if PLAN_SLOT in tracker.slots else {}
        plan = crisis_conversation.decide(message, state, view.last_bot_action, first_of_session=view.is_first_turn_of_session,
                                  carried=view.carried, pending_topic=pending, topic_answers=self.topics,
                                  stored_plan=stored)
        if (plan is not None and plan.kind == "listen" and youth
                and slot_at_message(tracker, YOUTH_SLOT) is not True):
            # just said they are under 18: the lines for young people, where they are
            plan = crisis_conversation.Plan("lines_again", ("utter_crisis_lines_again",))
        if message.intent in self.config["red_flag_intents"] and (plan is None or plan.kind in ("listen", "distress")):
            # serious causes of back pain get urgent-care advice first, in a crisis too
            actions = RED_FLAG_SEQUENCE + (("utter_crisis_listen",) if state in crisis_conversation.CRISIS_STATES else ())
            plan = crisis_conversation.Plan("red_flag", actions)
        return plan

    def _events(self, tracker: DialogueStateTracker, view: SessionView, plan: Optional[crisis_conversation.Plan],
                youth: Optional[bool] = None) -> List[Event]:
        """Slots written with the first action of the turn (see the module docstring)."""
        assert view.current is not None
        events: List[Event] = []
        state = state_before(view)
        start = view.carried if view.is_first_turn_of_session and plan is not None and plan.kind == "welcome_back" \
            else state
        after = None if plan is None or plan.end_crisis else crisis_conversation.state_from_actions(
            list(plan.actions), start)
        if plan is None and state in (crisis_conversation.SAFE, crisis_conversation.DISTRESS):
            after = None
        elif plan is None:
            after = state
        if tracker.get_slot("crisis") != after and "crisis" in tracker.slots:
            events.append(SlotSet("crisis", after))
        if youth is not None and YOUTH_SLOT in tracker.slots and tracker.get_slot(YOUTH_SLOT) != youth:
            events.append(SlotSet(YOUTH_SLOT, youth))  # what the person says about their age wins
        if plan is None or plan.kind in ("go_on",):
            return events
        if plan.safety_plan is not None and PLAN_SLOT in tracker.slots:
            # before the reply that shows it: Rasa fills {safety_plan_text} from the slot
            events += [SlotSet(PLAN_SLOT, plan.safety_plan),
                       SlotSet(PLAN_TEXT_SLOT, safety_plan.render_text(plan.safety_plan))]
        region = detect_region(view.current.text, view.current.metadata or {}, tracker.get_slot("region"))
        if region and region != tracker.get_slot("region"):
            events.append(SlotSet("region", region))
        if plan.level:
            data = view.current.parse_data or {}
            found_risk = data.get("risk")
            risk: Dict[str, Any] = found_risk if isinstance(found_risk, dict) else {}
            reasons = [r for r in (risk.get("reasons") or []) if isinstance(r, str)]
            if plan.reason and plan.reason not in reasons:
                reasons.append(plan.reason)
            level = crisis_conversation.raise_level(tracker.get_slot("risk_level"), plan.level)
            flags = list(tracker.get_slot("risk_flags") or [])
            flags.append({"level": plan.level, "reasons": reasons, "intent": view.current.intent_name,
                          "time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "source": "dialogue"})
            events += [SlotSet("risk_flagged", True), SlotSet("risk_level", level), SlotSet("risk_flags", flags)]
        return events

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        view = session_view(tracker)
        if view.current is None:
            return self._prediction(probabilities)
        youth = detect_youth(view.current.text)
        plan = self.plan_for(tracker, view, youth)
        first_step = not view.since_user
        events = self._events(tracker, view, plan, youth) if first_step else []
        if (plan is None and is_long_message(view.current.metadata)
                and LONG_MESSAGE_ACTION in domain.action_names_or_texts):
            # Risk (any judge) or a crisis state gave a plan above, which wins. Here only the usual
            # answer is replaced; the slots are written as for no plan, and an active form stays.
            plan = crisis_conversation.Plan("long_message", (LONG_MESSAGE_ACTION,), keeps_loop=True)
        if plan is None or (plan.handover and len(view.since_user) >= len(plan.actions)):
            # nothing to say (or the person chose to go on): the other policies answer; the
            # state's end is written all the same
            return self._prediction(probabilities, events=events)
        action = next_safety_action(plan.actions, view.since_user, tracker.active_loop_name, plan.keeps_loop)
        if action is None or action not in domain.action_names_or_texts:
            if action is not None:
                log.warning(f"SafetyPolicy: {action} is not in the domain; the crisis reply is incomplete")
            return self._prediction(probabilities, events=events)
        if (youth if youth is not None else tracker.get_slot(YOUTH_SLOT) is True) \
                and action + YOUTH_SUFFIX in domain.action_names_or_texts:
            action += YOUTH_SUFFIX  # the same reply with the lines for young people first
        if first_step and plan.kind != "listen":
            log.debug(f"SafetyPolicy: crisis conversation turn '{plan.kind}' -> {list(plan.actions)}")
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, optional_events=events, is_no_user_prediction=True)
