"""The Redis lock store from LOCK_STORE_URL against a real, throwaway Redis: two
replicas' stores share one conversation lock."""
import asyncio

import pytest

from bot.storage.lock_store import lock_store_from_url
from tests.support.services import ServiceUnavailable, redis_server


@pytest.fixture(scope="module")
def redis_url():
    try:
        with redis_server() as url:
            yield url
    except ServiceUnavailable as error:
        pytest.skip(str(error))


def test_two_replicas_take_turns_on_one_conversation(redis_url):
    replica_a, replica_b = lock_store_from_url(redis_url, "t1"), lock_store_from_url(redis_url, "t1")
    order = []

    async def handle(store, name, hold):
        async with store.lock("conv-1", wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def scenario():
        first = asyncio.ensure_future(handle(replica_a, "a", 0.3))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, handle(replica_b, "b", 0))

    asyncio.run(scenario())
    assert order == ["a in", "a out", "b in", "b out"]  # b waited for a's lock in Redis
    assert replica_a.get_lock("conv-1") is None  # released and cleaned up


def test_a_lock_left_by_a_dead_replica_expires(redis_url):
    dead, alive = lock_store_from_url(redis_url, "t2"), lock_store_from_url(redis_url, "t2")
    dead.issue_ticket("conv-2", lock_lifetime=0.5)  # taken, never released (the replica was killed)

    async def scenario():
        async with alive.lock("conv-2", lock_lifetime=5, wait_time_in_seconds=0.1):
            return True

    assert asyncio.run(asyncio.wait_for(scenario(), 10))
