"""A process that takes conversation locks from components/lock_store.py, for tests/rasa/test_lock_store.py.

    python -m tests.rasa.lock_worker contend CONVERSATION TASKS TURNS   # REDIS_URL in the environment
    python -m tests.rasa.lock_worker hold CONVERSATION LIFETIME          # prints "held <token>", then waits

`contend` runs TASKS asyncio tasks of TURNS turns each; a turn holds the lock while it does a
deliberately racy read-modify-write of a counter (GET, a pause, SET: what a tracker store does with a
conversation), and logs "in"/"out" with its fencing number to a Redis list. Overlapping holders lose
counter updates and interleave the log. `hold` stands for a server that dies while holding a lock.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time

from components.lock_store import LegcareLockStore
from ops.settings import redis_settings


class _Config:
    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs


def store(lifetime: float = 10.0, wait: float = 60.0) -> LegcareLockStore:
    return LegcareLockStore(_Config(lock_lifetime=lifetime, wait_timeout=wait), redis_settings=redis_settings())


async def contend(conversation: str, tasks: int, turns: int) -> None:
    locks = store()
    raw = locks.redis.client  # the same Redis, for the probe keys
    counter, log = f"probe:{conversation}:counter", f"probe:{conversation}:log"

    async def one(task: int) -> None:
        for _ in range(turns):
            async with locks.lock(conversation) as held:
                raw.rpush(log, f"in {held.fence} {os.getpid()}")
                value = int(raw.get(counter) or 0)
                await asyncio.sleep(0.002)
                raw.set(counter, value + 1)
                await locks.confirm(conversation)
                raw.rpush(log, f"out {held.fence} {os.getpid()}")

    await asyncio.gather(*(one(t) for t in range(tasks)))
    print("done", flush=True)


async def hold(conversation: str, lifetime: float) -> None:
    locks = store(lifetime=lifetime)
    async with locks.lock(conversation) as held:
        print("held", held.token, flush=True)
        deadline = time.monotonic() + 300  # killed long before
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)


if __name__ == "__main__":
    what, conversation = sys.argv[1], sys.argv[2]
    if what == "contend":
        asyncio.run(contend(conversation, int(sys.argv[3]), int(sys.argv[4])))
    else:
        asyncio.run(hold(conversation, float(sys.argv[3])))
