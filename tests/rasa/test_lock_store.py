"""The conversation lock on a real Redis (components/lock_store.py), and its settings (ops/settings.py).

Several servers taking one conversation's lock never hold it at once; a dead holder's lock expires
and whoever waits gets it; a holder whose lock expired and was taken cannot save; losing Redis after a
turn does not fail the turn.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import uuid

import pytest
import redis

from components.lock_store import LegcareLockStore, LockLost, LockTimeout
from ops.servers import free_port
from ops.settings import ROOT, RedisSettings, SettingError, redis_settings


class _Config:  # what Rasa passes: an endpoint config with the endpoints.yml keys in .kwargs
    def __init__(self, **kwargs):
        self.kwargs = kwargs


def _store(url, lifetime=10.0, wait=60.0):
    return LegcareLockStore(_Config(lock_lifetime=lifetime, wait_timeout=wait),
                            redis_settings=redis_settings({"REDIS_URL": url}))


def _conversation():
    return "lk-" + uuid.uuid4().hex[:12]


def _worker(redis_url, *args):
    env = dict(os.environ, REDIS_URL=redis_url, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "tests.rasa.lock_worker", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def spare_redis(backing_dir):
    """A Redis of this test's own, to stop and restart without disturbing the session's."""
    from ops.backing import Redis

    server = Redis(backing_dir / f"redis-{uuid.uuid4().hex[:6]}", free_port()).start()
    yield server
    server.stop()


# settings

def test_redis_settings_from_a_url_or_from_parts():
    s = redis_settings({"REDIS_URL": "rediss://:p%40ss@cache.example.org:6380/2"})
    assert (s.host, s.port, s.db, s.password, s.tls) == ("cache.example.org", 6380, 2, "p@ss", True)
    s = redis_settings({"REDIS_HOST": "10.0.0.5", "REDIS_PORT": "7000", "REDIS_PASSWORD": "pw", "REDIS_DB": "3"})
    assert (s.host, s.port, s.db, s.password, s.tls) == ("10.0.0.5", 7000, 3, "pw", False)
    assert redis_settings({"REDIS_URL": "redis://127.0.0.1"}) == RedisSettings("127.0.0.1", 6379, 0)
    s = redis_settings({"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PASSWORD": "kept-apart"})
    assert s.password == "kept-apart"
    assert redis_settings({}) is None  # one server: locks in its memory
    assert redis_settings({"LOCK_STORE_TYPE": "in_memory", "LOCK_STORE_URL": ""}) is None  # the old default


def test_the_redis_password_is_never_shown():
    s = redis_settings({"REDIS_URL": "redis://:VerySecret1@127.0.0.1:6379/0"})
    assert "VerySecret1" not in repr(s) and "VerySecret1" not in str(s) and "VerySecret1" not in s.safe_url()
    assert s.safe_url() == "redis://:***@127.0.0.1:6379/0"


@pytest.mark.parametrize("env, says", [
    ({"LOCK_STORE_TYPE": "redis", "LOCK_STORE_URL": "10.0.0.5"}, "LOCK_STORE_TYPE and LOCK_STORE_URL are no longer read"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must look like"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/x"}, "database of REDIS_URL"),
    ({"REDIS_URL": "redis://127.0.0.1", "REDIS_HOST": "other"}, "either REDIS_URL or REDIS_HOST"),
    ({"REDIS_URL": "redis://:a@127.0.0.1", "REDIS_PASSWORD": "b"}, "keep one"),
    ({"REDIS_HOST": "h", "REDIS_PORT": "99999"}, "REDIS_PORT must be"),
    ({"REDIS_HOST": "h", "REDIS_TLS": "maybe"}, "REDIS_TLS must be"),
    ({"REDIS_PASSWORD": "secret-pw"}, "without REDIS_HOST"),
])
def test_unusable_redis_settings_say_what_to_set(env, says):
    with pytest.raises(SettingError, match=says) as err:
        redis_settings(env)
    assert "secret-pw" not in str(err.value)


def test_without_redis_it_is_rasas_in_memory_lock():
    from rasa.core.lock import TicketLock

    store = LegcareLockStore(_Config())  # no REDIS_* in the environment of the tests
    assert store.redis is None and store.memory is not None

    async def turn():
        async with store.lock("c") as lock:
            return lock

    assert isinstance(asyncio.run(turn()), TicketLock)


# the lock on Redis

def test_many_servers_taking_one_conversation_never_hold_it_at_once(redis_server):
    """4 processes x 3 tasks x 8 turns of a racy read-modify-write: nothing lost, nothing interleaved."""
    conversation = _conversation()
    workers = [_worker(redis_server.url, "contend", conversation, 3, 8) for _ in range(4)]
    outputs = [w.communicate(timeout=240)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    raw = redis.Redis.from_url(redis_server.url)
    assert int(raw.get(f"probe:{conversation}:counter")) == 4 * 3 * 8  # no update lost to an overlap
    log = [line.decode().split() for line in raw.lrange(f"probe:{conversation}:log", 0, -1)]
    assert len(log) == 2 * 96
    for i in range(0, len(log), 2):  # each holder's "in" is followed by its own "out", never another's "in"
        assert log[i][0] == "in" and log[i + 1] == ["out"] + log[i][1:], log[i:i + 2]
    fences = [int(entry[1]) for entry in log[::2]]
    assert fences == sorted(fences) and len(set(fences)) == 96  # held in the order asked, each number once


def test_a_dead_holders_lock_expires_and_the_waiting_turn_gets_it(redis_server):
    conversation = _conversation()
    holder = _worker(redis_server.url, "hold", conversation, 2)
    try:
        line = holder.stdout.readline().split()
        assert line[:1] == ["held"], line
        raw = redis.Redis.from_url(redis_server.url)
        assert 0 < raw.pttl(f"legcare:{{{conversation}}}:lock") <= 2000  # renewed, never for longer
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # the server dies holding the lock
        holder.wait()
    store = _store(redis_server.url, lifetime=2, wait=8)  # waits longer than the dead lock's lifetime only

    async def turn():
        async with store.lock(conversation) as held:
            await store.confirm(conversation)
            return held.fence

    assert asyncio.run(turn()) == int(line[1].split(":")[0]) + 1  # the message was handled, not dropped


def test_a_slow_turn_keeps_its_lock_and_the_next_waits_for_it(redis_server):
    """A turn three lifetimes long: renewed while it runs, so the waiting turn comes after it, not during."""
    conversation = _conversation()
    slow, other = _store(redis_server.url, lifetime=1), _store(redis_server.url, lifetime=1)
    events = []

    async def run():
        async def slow_turn():
            async with slow.lock(conversation):
                events.append("slow in")
                await asyncio.sleep(3)
                await slow.confirm(conversation)  # still ours: it may save
                events.append("slow out")

        async def next_turn():
            await asyncio.sleep(0.2)
            async with other.lock(conversation):
                events.append("next in")

        await asyncio.gather(slow_turn(), next_turn())

    asyncio.run(run())
    assert events == ["slow in", "slow out", "next in"]


def test_a_holder_whose_lock_expired_and_was_taken_cannot_save(redis_server):
    conversation = _conversation()
    stalled, other = _store(redis_server.url, lifetime=1), _store(redis_server.url, lifetime=1)

    async def run():
        async def no_renewal(held):  # a server stalled (event loop stuck, paused): it renews nothing
            return None

        stalled._keep = no_renewal
        async with stalled.lock(conversation) as old:
            async with other.lock(conversation) as new:  # waits for the stalled lock to expire, then takes it
                await other.confirm(conversation)
                assert new.fence > old.fence
                with pytest.raises(LockLost):
                    await stalled.confirm(conversation)  # its save would write over the other turn: refused
            with pytest.raises(LockLost):
                await stalled.confirm(conversation)  # not even once the other released it

    asyncio.run(run())


def test_losing_redis_after_the_turn_does_not_fail_the_turn(spare_redis, caplog):
    conversation = _conversation()
    store = _store(spare_redis.url)

    async def turn():
        async with store.lock(conversation):
            await store.confirm(conversation)  # the turn is saved...
            spare_redis.kill()  # ...and Redis dies before the lock is released
        return "answered"

    with caplog.at_level(logging.WARNING, logger="components.lock_store"):
        assert asyncio.run(turn()) == "answered"
    assert any("could not be released" in r.getMessage() for r in caplog.records)


def test_a_turn_waits_through_a_redis_restart_then_gets_the_lock(spare_redis):
    conversation = _conversation()
    store = _store(spare_redis.url, wait=30)
    spare_redis.stop()

    async def turn():
        waiting = asyncio.ensure_future(store.lock(conversation).__aenter__())
        await asyncio.sleep(1)
        assert not waiting.done()  # Redis down: waiting, not failed
        await asyncio.get_running_loop().run_in_executor(None, spare_redis.start)
        held = await waiting
        await store.confirm(conversation)
        await store.release(held)
        return held.fence

    assert asyncio.run(turn()) == 1


def test_a_lock_that_cannot_be_had_in_time_is_an_error_not_a_silent_drop(redis_server):
    conversation = _conversation()
    raw = redis.Redis.from_url(redis_server.url)
    raw.set(f"legcare:{{{conversation}}}:lock", "999:someone-else", px=60_000)  # a holder that keeps it
    store = _store(redis_server.url, lifetime=1, wait=1.5)

    async def turn():
        async with store.lock(conversation):
            return "handled"

    with pytest.raises(LockTimeout):
        asyncio.run(turn())
    assert raw.zcard(f"legcare:{{{conversation}}}:queue") == 0  # the request that gave up left the queue


def test_readiness_check_fails_while_redis_does_not_answer(spare_redis):
    store = _store(spare_redis.url)
    asyncio.run(store.check())
    spare_redis.stop()
    with pytest.raises(redis.exceptions.ConnectionError):
        asyncio.run(store.check())
    wrong = _store(spare_redis.url.replace(spare_redis.password, "wrong"))
    spare_redis.start()
    with pytest.raises(redis.exceptions.AuthenticationError):
        asyncio.run(wrong.check())


# Slack's memory of answered events

def test_slack_seen_events_are_shared_through_redis_and_a_redis_error_handles_the_event(redis_server):
    from channels.slack import SeenEvents

    settings = redis_settings({"REDIS_URL": redis_server.url})
    one, two = SeenEvents(redis=settings.client()), SeenEvents(redis=settings.client())
    event_id = "Ev" + uuid.uuid4().hex

    async def run():
        return [await one.first_time_anywhere(event_id), await two.first_time_anywhere(event_id),
                await one.first_time_anywhere(event_id)]

    assert asyncio.run(run()) == [True, False, False]  # the second server does not answer it again
    down = SeenEvents(redis=RedisSettings("127.0.0.1", free_port()).client(timeout=0.5))

    async def unreachable():
        return [await down.first_time_anywhere("Ev-x"), await down.first_time_anywhere("Ev-x")]

    assert asyncio.run(unreachable()) == [True, False]  # handled, then this server's memory still holds it


# the Rasa server with Redis settings it cannot use

def _server_env(var, **extra):
    env = dict(os.environ, RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), LEGCARE_VAR_DIR=str(var),
               TRACKER_STORE_URL=f"sqlite:///{var / 'tracker.db'}", EMERGENCY_NUMBER="112")
    for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN",
                "BIND_HOST", "ACTION_SERVER_SECRET", "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD",
                "REDIS_DB", "REDIS_TLS", "LOCK_STORE_TYPE", "LOCK_STORE_URL"):
        env.pop(key, None)
    env.update(extra)
    return env


@pytest.mark.servers
def test_the_old_lock_store_variables_stop_the_server_with_what_to_set(trained_model, tmp_path):
    from ops.servers import Stack

    stack = Stack(model=trained_model, env=_server_env(tmp_path, LOCK_STORE_TYPE="redis",
                                                        LOCK_STORE_URL="10.1.2.3"))
    with pytest.raises(RuntimeError, match="LOCK_STORE_TYPE and LOCK_STORE_URL are no longer read: set REDIS_URL"):
        stack.start(["rasa"], timeout=180)
    stack.stop()


@pytest.mark.servers
def test_a_server_whose_redis_does_not_answer_is_not_ready(trained_model, tmp_path):
    import json
    import time
    import urllib.error
    import urllib.request

    from ops.servers import Stack

    nowhere = f"redis://:not-the-password@127.0.0.1:{free_port()}/0"  # nothing listens there
    stack = Stack(model=trained_model, env=_server_env(tmp_path, REDIS_URL=nowhere))
    rasa = stack.services["rasa"]
    rasa.start(stack.env)
    state = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and rasa.running:
            try:
                with urllib.request.urlopen(rasa.ready_url(), timeout=10) as r:
                    state = (r.status, json.loads(r.read()))
                    break
            except urllib.error.HTTPError as e:
                state = (e.code, json.loads(e.read()))
                if state[1]["checks"]["model"] is True:  # loaded: the answer is about the stores
                    break
            except OSError:
                pass
            time.sleep(0.5)
    finally:
        stack.stop()
    assert state is not None and state[0] == 503, state
    assert state[1]["checks"]["tracker_store"] is True and state[1]["checks"]["lock_store"] == "ConnectionError"
    assert "not-the-password" not in rasa.log.read_text(errors="replace")
