"""The conversation lock: one turn of a conversation at a time, across every Rasa server sharing a Redis.

Named in endpoints.yml (`lock_store: type: components.lock_store.LegcareLockStore`). Without Redis
settings (REDIS_URL, or REDIS_HOST and its parts: ops/settings.py) it is Rasa's in-memory lock, exactly
(one Rasa server, `make run`). With Redis, every step is one atomic Redis operation, so two servers
can never both believe they hold a conversation (Rasa's `RedisLockStore` reads the lock, changes it in
Python and writes it back: two servers doing that at once both "get" it, rasa issue 9213).

Keys, for conversation C (prefix `legcare:`; `{C}` keeps a conversation's keys together on a cluster):

    legcare:{C}:lock     the holder's token "<fence>:<random>"; SET NX PX <lifetime>, so it expires
                         by itself when its holder dies
    legcare:{C}:fence    INCR counter: each request for the lock takes the next number (its fencing
                         number, also its place in the queue)
    legcare:{C}:queue    sorted set of waiting tokens by fencing number: the lock goes to the oldest
                         waiter, so one person's messages are handled in the order they arrived
    legcare:{C}:alive    sorted set of waiting tokens by the time (Redis's clock) their waiter was last
                         seen; a waiter not seen for WAITER_LEASE seconds (its server died) leaves the queue

- Lifetime (default 10 s, `lock_lifetime` in endpoints.yml): while the holder's turn runs, a task on
  its event loop renews the lock every third of the lifetime (compare-and-pexpire, in Lua). A server that
  crashed, was killed or whose event loop is stuck stops renewing, and its lock expires within the
  lifetime; a live slow turn keeps it.
- Waiting (default 45 s, `wait_timeout`): a request waits its turn, polling (20 ms growing to 100 ms), and
  keeps waiting through a Redis outage and a dead holder's lock; when the lock expires it gets it. Only
  when it cannot get it within `wait_timeout` does the turn fail with LockTimeout: the channel's honest
  error (REST: 503 with the JSON error), never a dropped message.
- Fencing, before the turn is saved: ops/rasa_patches.py makes the processor's `save_tracker` call
  `confirm()`, which checks (compare-and-pexpire, renewing it for a whole lifetime) that the token this
  request acquired is still the lock's value. If another server holds it now (this one was stalled past
  the lifetime), the turn fails with LockLost instead of being written over the other server's turn; if
  Redis cannot say, the turn fails as well (after a Redis restart another server may hold it).
- Release (compare-and-delete, in Lua) comes after the turn was saved: a Redis error then is logged
  (without message text) and not raised, so the client is not told to send a stored turn again; the
  lock expires by itself within the lifetime.
"""
from __future__ import annotations

import asyncio
import logging
import random
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any, AsyncGenerator, Callable, Dict, Optional, Text, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore

logger = logging.getLogger(__name__)

DEFAULT_LIFETIME = 10.0  # seconds: a dead holder's lock is gone after this
DEFAULT_WAIT = 45.0  # seconds a turn waits for its conversation's lock before failing honestly
WAITER_LEASE = 5.0  # seconds a waiter that is no longer polling keeps its place in the queue
POLL_FIRST, POLL_MAX = 0.02, 0.1
KEEP_KEYS = 3600 * 1000  # ms: the fence counter and the queue vanish after an hour without requests
KEY_PREFIX = "legcare:"
THREADS = 16
T = TypeVar("T")

# Lua: each runs atomically in Redis. TIME is Redis's clock, the same for every server.
_ENQUEUE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local n = redis.call('INCR', KEYS[1])
local token = n .. ':' .. ARGV[1]
redis.call('ZADD', KEYS[2], n, token)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), token)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return token
"""
_ACQUIRE = """
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -1 end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[1])
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end
if redis.call('ZRANGE', KEYS[2], 0, 0)[1] ~= ARGV[1] then return 0 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
"""


class LockTimeout(LockError):
    """The conversation's lock could not be had within the wait: the turn fails with the channel's error."""


class LockLost(LockError):
    """This request no longer holds (or cannot show it holds) its conversation's lock: the turn is not saved."""


@dataclass
class HeldLock:
    conversation_id: Text
    token: Text
    lost: bool = False

    @property
    def fence(self) -> int:
        """The fencing number: larger for every later holder of this conversation's lock."""
        return int(self.token.split(":", 1)[0])


class RedisLocks:
    """The lock's Redis operations, synchronous and thread-safe (the store runs them in its threads)."""

    def __init__(self, client: Any, lifetime: float = DEFAULT_LIFETIME, lease: float = WAITER_LEASE,
                 prefix: Text = KEY_PREFIX) -> None:
        self.client = client
        self.lifetime_ms = int(lifetime * 1000)
        self.lease_ms = int(lease * 1000)
        self.prefix = prefix
        self._enqueue = client.register_script(_ENQUEUE)
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._leave = client.register_script(_LEAVE)

    def key(self, conversation_id: Text, what: Text) -> Text:
        return f"{self.prefix}{{{conversation_id}}}:{what}"

    def enqueue(self, conversation_id: Text) -> Text:
        """Take the next fencing number and a place in the queue; returns the token."""
        keys = [self.key(conversation_id, k) for k in ("fence", "queue", "alive")]
        token = self._enqueue(keys=keys, args=[secrets.token_hex(8), self.lease_ms, KEEP_KEYS])
        return token.decode() if isinstance(token, bytes) else str(token)

    def try_acquire(self, conversation_id: Text, token: Text) -> int:
        """1: acquired; 0: not yet (someone holds it or is ahead); -1: no longer queued (enqueue again)."""
        keys = [self.key(conversation_id, k) for k in ("lock", "queue", "alive")]
        return int(self._acquire(keys=keys, args=[token, self.lifetime_ms, self.lease_ms]))

    def renew(self, conversation_id: Text, token: Text) -> bool:
        """True if `token` still holds the lock (its lifetime starts again); False if it does not."""
        return bool(self._renew(keys=[self.key(conversation_id, "lock")], args=[token, self.lifetime_ms]))

    def release(self, conversation_id: Text, token: Text) -> bool:
        """Delete the lock if `token` holds it; False if it had expired (or another holds it)."""
        return bool(self._release(keys=[self.key(conversation_id, "lock")], args=[token]))

    def leave(self, conversation_id: Text, token: Text) -> None:
        self._leave(keys=[self.key(conversation_id, "queue"), self.key(conversation_id, "alive")], args=[token])

    def holder(self, conversation_id: Text) -> Optional[Text]:
        value = self.client.get(self.key(conversation_id, "lock"))
        return value.decode() if value is not None else None

    def ping(self) -> None:
        self.client.ping()


class LegcareLockStore(LockStore):
    """Rasa's in-memory lock without Redis settings; the atomic Redis lock above with them."""

    def __init__(self, endpoint_config: Any = None, redis_settings: Any = None, client: Any = None) -> None:
        from ops.settings import redis_settings as settings_from_env

        super().__init__()
        kwargs = dict(getattr(endpoint_config, "kwargs", None) or {})
        self.lifetime = float(kwargs.get("lock_lifetime", DEFAULT_LIFETIME))
        self.wait = float(kwargs.get("wait_timeout", DEFAULT_WAIT))
        if not 1 <= self.lifetime <= 300 or self.wait < self.lifetime:
            raise ValueError("lock_store: lock_lifetime must be 1 to 300 seconds and wait_timeout at least as long")
        settings = redis_settings if redis_settings is not None or client is not None else settings_from_env()
        self.settings = settings
        self.memory: Optional[InMemoryLockStore] = None
        self.redis: Optional[RedisLocks] = None
        if client is None and settings is None:
            self.memory = InMemoryLockStore()
        else:
            self.redis = RedisLocks(client if client is not None else settings.client(), self.lifetime,
                                    prefix=str(kwargs.get("key_prefix", KEY_PREFIX)))
        self._executor: Optional[ThreadPoolExecutor] = None
        # the locks of this store held by the running request (its task's context), by conversation
        self._held: ContextVar[Dict[Text, HeldLock]] = ContextVar(f"legcare_held_locks_{id(self)}", default={})

    def describe(self) -> Text:
        if self.redis is None:
            return "in memory (one Rasa server)"
        return f"Redis at {self.settings.safe_url()}" if self.settings is not None else "Redis"

    # Rasa's storage interface, used by its ticket lock (in memory only)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.memory.get_lock(conversation_id) if self.memory is not None else None

    def delete_lock(self, conversation_id: Text) -> None:
        if self.memory is not None:
            self.memory.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        if self.memory is None:
            raise LockError("the Redis lock store keeps no ticket locks")
        self.memory.save_lock(lock)

    # what the Rasa server uses

    async def _call(self, work: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="lock-store")
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(work, *args))

    async def check(self) -> None:
        """Raise unless the lock store answers (readiness)."""
        if self.redis is not None:
            await self._call(self.redis.ping)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[Any, None]:
        if self.memory is not None:
            async with self.memory.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as ticket_lock:
                yield ticket_lock
            return
        held = await self.acquire(conversation_id)
        keeper = asyncio.create_task(self._keep(held))
        mine = self._held.set({**self._held.get(), conversation_id: held})
        try:
            yield held
        finally:
            try:
                self._held.reset(mine)
            except ValueError:  # exited from another context (a generator closed by the garbage collector)
                pass
            keeper.cancel()
            await self.release(held)

    async def acquire(self, conversation_id: Text) -> HeldLock:
        """Wait (at most `wait` seconds) for the conversation's lock, in arrival order."""
        assert self.redis is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        token: Optional[Text] = None
        delay, complained, acquired = POLL_FIRST, False, False
        try:
            while True:
                try:
                    if token is None:
                        token = await self._call(self.redis.enqueue, conversation_id)
                    got = await self._call(self.redis.try_acquire, conversation_id, token)
                    if got == 1:
                        acquired = True
                        logger.debug("Lock of conversation %s acquired (fence %s)", conversation_id,
                                     token.split(":")[0])
                        return HeldLock(conversation_id, token)
                    if got == -1:  # our place is gone (Redis restarted, or we did not poll for a lease): queue again
                        token = None
                except Exception as exc:  # Redis unreachable or restarting: keep waiting until the deadline
                    if not complained:
                        logger.warning("Lock store: Redis did not answer (%s); conversation %s waits for it",
                                       type(exc).__name__, conversation_id)
                        complained = True
                if loop.time() + delay >= deadline:
                    logger.error("Lock of conversation %s not acquired within %.0f s; the turn fails",
                                 conversation_id, self.wait)
                    raise LockTimeout(f"could not acquire the lock of conversation '{conversation_id}' "
                                      f"within {self.wait:.0f} s")
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(delay * 1.5, POLL_MAX)
        finally:
            if token is not None and not acquired:
                try:
                    await self._call(self.redis.leave, conversation_id, token)
                except Exception:  # its lease ends by itself
                    pass

    async def _keep(self, held: HeldLock) -> None:
        """Renew the lock every third of its lifetime while the turn runs."""
        assert self.redis is not None
        while True:
            await asyncio.sleep(self.lifetime / 3)
            try:
                still = await self._call(self.redis.renew, held.conversation_id, held.token)
            except Exception as exc:
                logger.warning("Lock of conversation %s could not be renewed (%s); trying again",
                               held.conversation_id, type(exc).__name__)
                continue
            if not still:
                held.lost = True
                logger.error("Lock of conversation %s was lost (fence %d): this turn will not be saved",
                             held.conversation_id, held.fence)
                return

    async def confirm(self, conversation_id: Text) -> None:
        """Before a turn is saved: raise LockLost unless this request still holds the conversation's lock.

        A no-op in memory, and for a save made outside any lock of this store.
        """
        if self.redis is None:
            return
        held = self._held.get().get(conversation_id)
        if held is None:
            return
        if not held.lost:
            try:
                if await self._call(self.redis.renew, conversation_id, held.token):
                    return
                held.lost = True
            except Exception as exc:
                logger.error("Lock of conversation %s cannot be confirmed (%s): the turn is not saved",
                             conversation_id, type(exc).__name__)
                raise LockLost(f"the lock of conversation '{conversation_id}' cannot be confirmed") from None
        logger.error("Lock of conversation %s is held by another request now (fence %d was ours): the turn is "
                     "not saved", conversation_id, held.fence)
        raise LockLost(f"the lock of conversation '{conversation_id}' was lost before the turn was saved")

    async def release(self, held: HeldLock) -> None:
        """Release after the turn; never raises (the turn is already saved), the lock expires by itself."""
        assert self.redis is not None
        try:
            if not await self._call(self.redis.release, held.conversation_id, held.token):
                logger.warning("Lock of conversation %s had already expired when released (fence %d)",
                               held.conversation_id, held.fence)
        except asyncio.CancelledError:
            logger.warning("Release of the lock of conversation %s cancelled; it expires within %.0f s",
                           held.conversation_id, self.lifetime)
            raise
        except Exception as exc:
            logger.warning("Lock of conversation %s could not be released (%s); it expires within %.0f s",
                           held.conversation_id, type(exc).__name__, self.lifetime)

