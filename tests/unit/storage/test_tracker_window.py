"""The conversation window (bot.storage.tracker_store.window): a tracker holding the last
N user turns behind a synthetic prefix must look, to everything that decides what
the bot says, exactly like the tracker holding the whole session.

"Everything that decides": Rasa's past states (what every policy featurizes),
slots, the active loop and its flags, the latest message and action, what the
two-stage fallback and our SafetyPolicy (the latest turn, and the earlier user turns its
context rule reads) / action_guide read from raw events. The
conversations are built from turn templates shaped like the events Rasa logs
(forms, the two-stage fallback, reverts, /back, restarts, session starts), and
the window is applied the way the store applies it: after every turn, to the
previous window plus that turn's events.
"""
from __future__ import annotations

import random
from collections import deque
from typing import Callable, Dict, List, Optional

import pytest
from rasa.core.actions.two_stage_fallback import _last_n_intent_names
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    Event,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.guide import previous_bot_action
from bot.dialogue.safety_context import DEFAULT_CONTEXT_TURNS
from bot.dialogue.safety_policy import context_inputs, crisis_inputs
from bot.settings import ROOT, SettingsError, window_turns
from bot.storage.tracker_store import applied_positions, window, window_parts

LISTEN, FORM, FALLBACK = "action_listen", "coping_form", "action_two_stage_fallback"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain"))


# --------------------------------------------------------------------------- events like Rasa's


def user(intent: str, text: Optional[str] = None) -> UserUttered:
    return UserUttered(text or f"({intent})", {"name": intent, "confidence": 0.9})


def act(name: str) -> ActionExecuted:
    return ActionExecuted(name)


def bot(text: str) -> BotUttered:
    return BotUttered(text)


def session_start(carried: Dict[str, object] = None) -> List[Event]:
    # created in order: Rasa's own retrieve finds the session by the timestamps
    events: List[Event] = [act("action_session_start"), SessionStarted()]
    events += [SlotSet(k, v) for k, v in (carried or {}).items()]
    return events + [act(LISTEN)]


class Script:
    """Builds turns (each ends with action_listen) and knows the dialogue state
    it has produced, so every template fits the state it is used in."""

    def __init__(self) -> None:
        self.turns: List[List[Event]] = [session_start()]
        self.form_slot: Optional[int] = None  # index into FORM_SLOTS while the form is active
        self.fallback = 0  # 0: no fallback loop; 1: asked to affirm; 2: asked to rephrase
        self.step = 0

    FORM_SLOTS = ["pain_location", "pain_duration", "pain_severity", "red_flag_screen"]

    def add(self, *events: Event) -> "Script":
        self.turns.append([*events, act(LISTEN)])
        return self

    # plain turns
    def faq(self, intent: str = "ask_sleep") -> "Script":
        return self.add(user(intent), act(f"utter_{intent}"), bot(intent))

    def guide(self) -> "Script":
        self.step += 1
        return self.add(user("request_next_step"), act("action_guide"), bot(f"step {self.step}"),
                        SlotSet("guide", "explain"), SlotSet("guide_step", float(self.step)))

    def risk(self) -> "Script":
        # SafetyPolicy writes the slots with the first action of the turn
        events = [user("express_risk", "i want to end it"), SlotSet("crisis", "active"), SlotSet("risk_flagged", True),
                  SlotSet("risk_flags", [{"level": "high", "reasons": ["x"]}]), act("utter_crisis_first"), bot("988"),
                  act("utter_crisis_ask_direct"), bot("are you thinking about ending your life?")]
        if self.form_slot is not None:
            events += [act("action_deactivate_loop"), ActiveLoop(None), SlotSet("requested_slot", None)]
            self.form_slot = None
        if self.fallback:
            events += [act("action_deactivate_loop"), ActiveLoop(None)]
            self.fallback = 0
        return self.add(*events)

    def region(self) -> "Script":
        events = [user("inform_region", "i'm in australia"), SlotSet("region", "AU"),
                  act("action_regional_lines"), bot("13 11 14")]
        if self.form_slot is not None:  # the form resumes
            events = [events[0], events[1], ActionExecutionRejected(FORM), LoopInterrupted(True), *events[2:],
                      act(FORM), bot(f"ask {self.FORM_SLOTS[self.form_slot]} again")]
        return self.add(*events)

    def all_slots_reset(self) -> "Script":
        return self.add(user("show_menu"), act("utter_menu"), bot("menu"), AllSlotsReset())

    # the coping form
    def form_start(self) -> "Script":
        self.form_slot = 0
        return self.add(user("ask_coping_tips"), act(FORM), ActiveLoop(FORM),
                        SlotSet("requested_slot", "pain_location"), bot("where?"))

    def form_answer(self, value: str = "lower back") -> "Script":
        slot = self.FORM_SLOTS[self.form_slot]
        events: List[Event] = [user("inform", value), SlotSet(slot, value), act(FORM), SlotSet(slot, value)]
        self.form_slot += 1
        if self.form_slot < len(self.FORM_SLOTS):
            events += [SlotSet("requested_slot", self.FORM_SLOTS[self.form_slot]), bot("next?")]
        else:
            events += [ActiveLoop(None), SlotSet("requested_slot", None), act("action_coping_tips"), bot("tips")]
            self.form_slot = None
        return self.add(*events)

    def form_reask(self) -> "Script":
        slot = self.FORM_SLOTS[self.form_slot]
        return self.add(user("inform", "bananas"), SlotSet(slot, "bananas"), act(FORM), SlotSet(slot, None),
                        bot("say again?"))

    def form_question(self) -> "Script":
        return self.add(user("ask_sleep"), ActionExecutionRejected(FORM), LoopInterrupted(True),
                        act("utter_ask_sleep"), bot("sleep"), act(FORM), bot("back to it"))

    def form_stop(self) -> "Script":
        self.form_slot = None
        return self.add(user("request_stop"), ActionExecutionRejected(FORM), act("action_deactivate_loop"),
                        ActiveLoop(None), SlotSet("requested_slot", None), act("utter_stopped"), bot("ok"))

    # the two-stage fallback
    def unclear(self) -> "Script":
        if self.fallback == 0:
            self.fallback = 1
            return self.add(user("nlu_fallback", "asdf"), act(FALLBACK), ActiveLoop(FALLBACK), bot("did you mean?"))
        if self.fallback == 1:  # "no" to "did you mean", or unclear again: ask to rephrase
            self.fallback = 2
            return self.add(user("nlu_fallback", "qwer"), act(FALLBACK), bot("say it another way?"))
        self.fallback = 0  # unclear after rephrase: give up, the message is reverted
        return self.add(user("nlu_fallback", "zxcv"), act(FALLBACK), ActiveLoop(None), bot("sorry"),
                        UserUtteranceReverted())

    def clarified(self, intent: str = "ask_sleep") -> "Script":
        self.fallback = 0
        return self.add(user(intent), act(FALLBACK), ActiveLoop(None), UserUtteranceReverted(), act(LISTEN),
                        user(intent), act(f"utter_{intent}"), bot(intent))

    # undoing
    def back(self) -> "Script":
        return self.add(user("back", "/back"), act("action_back"), UserUtteranceReverted(), UserUtteranceReverted())

    def action_reverted(self) -> "Script":
        return self.add(user("greet"), act("utter_greet"), bot("hi"), act("utter_menu"), ActionReverted())

    def restart(self) -> "Script":
        self.form_slot, self.fallback = None, 0
        return self.add(user("restart", "/restart"), act("action_restart"), Restarted(),
                        act("action_session_start"), SessionStarted())

    def new_session(self) -> "Script":
        self.form_slot, self.fallback = None, 0
        self.turns.append([SlotSet("session_started_metadata", {"locale": "en-GB"}),
                           *session_start({"risk_flagged": True, "region": "GB", "crisis": "active"})])
        return self

    def random_turn(self, rng: random.Random) -> "Script":
        if self.fallback:
            return rng.choice([self.unclear, self.clarified, self.clarified, self.risk])()
        if self.form_slot is not None:
            return rng.choice([self.form_answer, self.form_answer, self.form_reask, self.form_question,
                               self.region, self.risk, self.form_stop, self.back])()
        return rng.choice([self.faq, self.faq, self.guide, self.guide, self.form_start, self.unclear, self.risk,
                           self.region, self.back, self.action_reverted, self.all_slots_reset, self.restart,
                           self.new_session])()


# --------------------------------------------------------------------------- what must match


def visible(tracker: DialogueStateTracker, domain: Domain) -> Dict[str, object]:
    """What anything deciding the bot's next step can see (besides past states)."""
    loop = tracker.active_loop
    latest = tracker.latest_message
    return {
        "slots": tracker.current_slot_values(),
        "slots_set": {name: slot.has_been_set for name, slot in tracker.slots.items()},
        "loop": (loop.name, loop.is_interrupted, loop.rejected) if loop else None,
        "paused": tracker.is_paused(),
        "latest_action": tracker.latest_action,
        "followup": tracker.followup_action,
        "latest_message": (latest.text, latest.intent_name) if latest else None,
        "last_user": repr(tracker.get_last_event_for(UserUttered)),
        "safety_turn": crisis_inputs(tracker),
        "safety_context": context_inputs(tracker, DEFAULT_CONTEXT_TURNS),
        "guide_previous": previous_bot_action(_SdkTracker(tracker)),
        "fallback_intents": _last_n_intent_names(tracker, 3),
        "session_start_carries": _carried(tracker, domain),
    }


class _SdkTracker:
    """What rasa_sdk hands action_guide: the events as dicts."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self.events = [e.as_dict() for e in tracker.events]


def _carried(tracker: DialogueStateTracker, domain: Domain) -> Dict[str, object]:
    """The slot values action_session_start would carry into a new session."""
    fresh = DialogueStateTracker("x", domain.slots)
    for event in tracker.applied_events():
        if isinstance(event, SlotSet):
            fresh.update(SlotSet(event.key, event.value))
    return fresh.current_slot_values()


def assert_same(full: DialogueStateTracker, win: DialogueStateTracker, domain: Domain, states: bool) -> None:
    assert visible(win, domain) == visible(full, domain)
    if states:
        ours, theirs = win.past_states(domain), full.past_states(domain)
        # the first state of the window is the synthetic one (no previous action);
        # every state after it must be the full tracker's, in the same order
        assert len(ours) <= len(theirs)
        assert ours[1:] == theirs[len(theirs) - len(ours) + 1:]


def rasa_reload(tracker: DialogueStateTracker, slots) -> DialogueStateTracker:
    """What Rasa's SQLTrackerStore.retrieve gives back: the events from the last
    SessionStarted on (its query filters by that event's timestamp)."""
    events = list(tracker.events)
    starts = [i for i, e in enumerate(events) if isinstance(e, SessionStarted)]
    return DialogueStateTracker.from_events("s", events[starts[-1]:] if starts else events, slots)


def run(turns: List[List[Event]], n: int, domain: Domain) -> DialogueStateTracker:
    """Play the turns on a full tracker and on a window re-cut after every turn
    (as retrieve/save do), comparing them after every event."""
    slots = domain.slots
    full = DialogueStateTracker("s", slots)
    win = DialogueStateTracker("s", slots)
    longest = 0
    for turn in turns:
        for event in turn:
            full.update(event)
            win.update(event)
            assert_same(full, win, domain, states=isinstance(event, (UserUttered, ActionExecuted)))
        win = DialogueStateTracker.from_events("s", window(list(win.events), n, slots), slots)
        full = rasa_reload(full, slots)
        assert_same(full, win, domain, states=True)
        longest = max(longest, len(win.events))
    run.longest = longest
    return win


# --------------------------------------------------------------------------- tests


def test_applied_positions_is_rasas_applied_events_on_random_sequences():
    rng = random.Random(7)
    vocabulary: List[Callable[[], Event]] = [
        lambda: act(LISTEN), lambda: user("greet"), lambda: act("utter_greet"), lambda: bot("hi"),
        lambda: act(FORM), lambda: ActiveLoop(FORM), lambda: ActiveLoop(None), lambda: ActionExecutionRejected(FORM),
        lambda: act(FALLBACK), lambda: ActiveLoop(FALLBACK), lambda: UserUtteranceReverted(),
        lambda: ActionReverted(), lambda: Restarted(), lambda: SessionStarted(), lambda: SlotSet("guide", "x"),
        lambda: LoopInterrupted(True),
    ]
    weights = [8, 8, 4, 3, 5, 2, 1, 1, 2, 1, 1, 1, 0.3, 0.3, 2, 1]
    for _ in range(400):
        events = [rng.choices(vocabulary, weights)[0]() for _ in range(rng.randint(0, 60))]
        tracker = DialogueStateTracker("s", slots=None)
        tracker.events = deque(events)  # applied_events() reads only the event list
        applied, undone = applied_positions(events)
        assert [events[i] for i in applied] == tracker.applied_events()
        assert not set(applied) & undone


def test_window_off_and_short_sessions_are_left_alone(domain):
    script = Script().faq().guide().form_start().form_answer()
    events = [e for turn in script.turns for e in turn]
    assert window(events, 0, domain.slots) == events
    assert window(events, 10, domain.slots) == events[1:]  # fewer than 10 user turns: the session, from SessionStarted


def test_window_keeps_the_last_turns_and_the_slots_behind_a_prefix(domain):
    script = Script().guide().guide().region()
    for _ in range(15):
        script.faq()
    events = [e for turn in script.turns for e in turn]
    cut, prefix, users = window_parts(events, 10, domain.slots)
    kept = window(events, 10, domain.slots)
    assert users == 10 and sum(isinstance(e, UserUttered) for e in kept) == 10
    assert kept[len(prefix):] == events[cut:] and events[cut] == act(LISTEN)
    assert [type(e) for e in prefix[:2]] == [ActionExecuted, SessionStarted]
    assert prefix[0].action_name == "action_session_start"
    assert {(e.key, e.value) for e in prefix[2:]} == {("guide", "explain"), ("guide_step", 2.0), ("region", "AU")}
    assert {e.timestamp for e in prefix} == {events[cut].timestamp}  # real times for the expiry check
    run(script.turns, 10, domain)


def test_a_form_in_progress_at_the_cut_is_restored(domain):
    script = Script().faq().form_start().form_answer("lower back").form_reask()
    for _ in range(6):  # questions inside the form: unhappy-path turns, each one kept as a turn
        script.form_question()
    events = [e for turn in script.turns for e in turn]
    _, prefix, _ = window_parts(events, 5, domain.slots)
    assert ActiveLoop(FORM) in prefix
    assert SlotSet("pain_location", "lower back") in prefix and SlotSet("requested_slot", "pain_duration") in prefix
    win = run(script.form_answer("3 weeks").form_answer("6").form_answer("no").faq().turns, 5, domain)
    assert win.active_loop_name is None and win.get_slot("red_flag_screen") == "no"


def test_a_rejected_form_at_the_cut_stays_rejected(domain):
    script = Script().form_start()
    script.add(user("ask_sleep"), ActionExecutionRejected(FORM), act("utter_ask_sleep"), bot("sleep"))
    for _ in range(6):
        script.faq()
    events = [e for turn in script.turns for e in turn]
    _, prefix, _ = window_parts(events, 5, domain.slots)
    assert prefix[-2:] == [ActiveLoop(FORM), ActionExecutionRejected(FORM)]
    run(script.turns, 5, domain)


def test_a_form_on_its_happy_path_is_never_cut(domain):
    """A form asking its next question folds the previous turn away (Rasa's
    applied_events): a cut inside would change the policies' states, so the
    window reaches back to the message that started the form."""
    script = Script()
    for _ in range(6):
        script.faq()
    script.form_start()
    for _ in range(3):
        script.form_answer()
    events = [e for turn in script.turns for e in turn]
    cut, _, users = window_parts(events, 1, domain.slots)
    started = next(i for i, e in enumerate(events) if e == user("ask_coping_tips"))
    assert cut == started - 1 and users == 1  # the answers folded away are not turns of their own
    run(script.form_answer().faq().faq().turns, 5, domain)


def test_a_revert_never_reaches_across_the_cut(domain):
    # the fallback gives up after three unclear messages and reverts the last one;
    # /back reverts itself and the message before it
    script = Script()
    for _ in range(8):
        script.faq()
    script.unclear().unclear().unclear().back().back().back().faq()
    events = [e for turn in script.turns for e in turn]
    applied, undone = applied_positions(events)
    cut, _, users = window_parts(events, 5, domain.slots)
    assert cut not in undone and cut + 1 not in undone
    assert users == 5
    run(script.turns, 5, domain)


def test_a_session_that_starts_inside_the_window_is_the_window(domain):
    script = Script()
    for _ in range(12):
        script.guide()
    script.new_session().faq().faq()
    events = [e for turn in script.turns for e in turn]
    kept = window(events, 10, domain.slots)
    starts = [i for i, e in enumerate(events) if isinstance(e, SessionStarted)]
    assert kept == events[starts[-1]:]  # as Rasa's own retrieve: from the SessionStarted on
    run(script.turns, 10, domain)


@pytest.mark.parametrize("seed", range(6))
def test_random_conversations_look_the_same_through_the_window(domain, seed):
    rng = random.Random(seed)
    script = Script()
    for _ in range(70):
        script.random_turn(rng)
    n = [5, 10][seed % 2]
    run(script.turns, n, domain)


def test_the_window_does_not_grow_with_the_conversation(domain):
    script = Script().form_start()
    for value in ("lower back", "3 weeks", "6", "no"):
        script.form_answer(value)
    for i in range(200):
        (script.guide if i % 3 else script.faq)()
    run(script.turns, 10, domain)
    assert run.longest < 120  # the whole conversation is over 1,000 events


def test_window_turns_setting():
    assert window_turns("") == 10 and window_turns(None) == 10 and window_turns("0") == 0
    assert window_turns(" 25 ") == 25 and window_turns(12) == 12
    for bad in ("ten", "-1", "3", "1001"):
        with pytest.raises(SettingsError):
            window_turns(bad)
