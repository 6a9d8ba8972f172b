"""The admission gate: a few messages at a time, in arrival order, risk first,
and never a lost slot (a message cancelled while waiting or while being handed
the slot). It decides when a message is processed, never what the bot answers."""
import asyncio

import pytest

from bot.runtime.rasa_patches import admission_gate
from bot.runtime.scheduling import CrisisConversations, PriorityGate, is_urgent


def run(coro):
    return asyncio.run(coro)


async def _work(gate, name, order, inside, urgent=False, hold=0.01):
    await gate.acquire(urgent=urgent)
    try:
        inside.append(name)
        assert len(inside) <= gate.limit
        order.append(name)
        await asyncio.sleep(hold)
    finally:
        inside.remove(name)
        gate.release()


def test_at_most_limit_inside_and_waiters_in_arrival_order():
    async def main():
        gate, order, inside = PriorityGate(2), [], []
        tasks = []
        for i in range(8):
            tasks.append(asyncio.create_task(_work(gate, i, order, inside)))
            await asyncio.sleep(0)  # arrive one after the other
        await asyncio.gather(*tasks)
        return gate, order

    gate, order = run(main())
    assert order == list(range(8))
    assert gate.active == 0 and gate.waiting == 0


def test_a_risk_message_goes_ahead_of_everyone_waiting():
    async def main():
        gate, order, inside = PriorityGate(1), [], []
        tasks = [asyncio.create_task(_work(gate, f"n{i}", order, inside)) for i in range(4)]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(_work(gate, "risk", order, inside, urgent=True)))
        await asyncio.gather(*tasks)
        return order

    order = run(main())
    assert order[0] == "n0"  # already inside when the risk message arrived
    assert order[1] == "risk"
    assert order[2:] == ["n1", "n2", "n3"]


def test_cancelled_waiters_do_not_keep_or_lose_slots():
    async def main():
        gate, order, inside = PriorityGate(1), [], []
        first = asyncio.create_task(_work(gate, "first", order, inside, hold=0.05))
        await asyncio.sleep(0)
        doomed = asyncio.create_task(_work(gate, "doomed", order, inside))
        last = asyncio.create_task(_work(gate, "last", order, inside))
        await asyncio.sleep(0.01)
        doomed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await doomed
        await asyncio.gather(first, last)
        # A waiter cancelled right after the slot was handed to it passes it on.
        await gate.acquire()
        handed = asyncio.create_task(gate.acquire())
        after = asyncio.create_task(_work(gate, "after", order, inside))
        await asyncio.sleep(0)  # both wait
        gate.release()  # the slot is handed to `handed` ...
        handed.cancel()  # ... which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await handed
        await asyncio.wait_for(after, timeout=5)
        return gate, order

    gate, order = run(main())
    assert order == ["first", "last", "after"]
    assert gate.active == 0 and gate.waiting == 0


def test_urgent_means_the_safety_detector_flags_the_text():
    assert is_urgent("i want to kill myself")
    assert not is_urgent("can stress cause back pain?")
    assert not is_urgent("/affirm")
    assert not is_urgent(None)


def test_limit_comes_from_the_settings():
    from bot.settings import SettingsError, load_settings

    assert load_settings({}).max_concurrent_messages == 2
    assert load_settings({"MAX_CONCURRENT_MESSAGES": "0"}).max_concurrent_messages == 0
    assert load_settings({"MAX_CONCURRENT_MESSAGES": "5"}).max_concurrent_messages == 5
    with pytest.raises(SettingsError):
        load_settings({"MAX_CONCURRENT_MESSAGES": "lots"})
    with pytest.raises(ValueError):
        PriorityGate(0)


def test_rasa_processor_is_wrapped_once():
    from rasa.core.processor import MessageProcessor

    gate = admission_gate.install_gate(2)
    assert gate is not None
    assert MessageProcessor.handle_message._unknot_gate is gate
    assert admission_gate.install_gate(3) is gate  # a second install keeps the first gate


def test_a_conversation_in_the_crisis_state_stays_in_the_urgent_lane_until_it_ends():
    seen = CrisisConversations(limit=2)
    seen.note("a", "active")
    assert "a" in seen
    seen.note("a", "acted")
    seen.note("b", "immediate")
    seen.note("c", "active")  # over the limit: the oldest ("a") goes
    assert "a" not in seen and "b" in seen and "c" in seen
    seen.note("b", "safe")  # said they are safe: back to arrival order
    seen.note("c", None)
    assert "b" not in seen and "c" not in seen


def test_the_gate_learns_the_crisis_state_when_rasa_saves_the_tracker():
    from types import SimpleNamespace

    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    gate = admission_gate.install_gate(2)
    saved = []

    async def save(tracker):
        saved.append(tracker.sender_id)

    processor = SimpleNamespace(tracker_store=SimpleNamespace(save=save))
    tracker = DialogueStateTracker("person-1", [TextSlot("crisis", mappings=[{"type": "custom"}])])
    tracker.update(SlotSet("crisis", "acted"))
    asyncio.run(MessageProcessor.save_tracker(processor, tracker))
    assert saved == ["person-1"] and "person-1" in gate.in_crisis
    tracker.update(SlotSet("crisis", None))
    asyncio.run(MessageProcessor.save_tracker(processor, tracker))
    assert "person-1" not in gate.in_crisis
