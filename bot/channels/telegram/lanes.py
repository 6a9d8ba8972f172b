"""Per-chat ordered queues, each drained by its own task."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict

logger = logging.getLogger(__name__)


class Lanes:
    """One ordered queue of jobs per key (a chat), each drained by its own task.

    A task ends after `idle` seconds without work, so memory follows the number of
    chats active right now, not of all chats ever seen."""

    def __init__(self, name: str, idle: float = 30.0) -> None:
        self.name = name
        self.idle = idle
        self._queues: Dict[Any, asyncio.Queue] = {}
        self._tasks: set = set()
        self._pending = 0

    def submit(self, key: Any, job: Callable[[], Awaitable[None]]) -> None:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
            task = asyncio.get_running_loop().create_task(self._drain(key, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._pending += 1
        queue.put_nowait(job)

    async def _drain(self, key: Any, queue: asyncio.Queue) -> None:
        while True:
            try:
                job = await asyncio.wait_for(queue.get(), self.idle)
            except asyncio.TimeoutError:
                if queue.empty():
                    self._queues.pop(key, None)
                    return
                continue
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:  # one failed job must not stop the chat's later ones
                logger.exception("Telegram %s job for a chat failed", self.name)
            finally:
                self._pending -= 1
                queue.task_done()

    def busy(self) -> bool:
        return self._pending > 0

    async def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.busy() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()


