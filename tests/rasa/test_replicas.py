"""Two Rasa servers sharing one PostgreSQL tracker store and one Redis: one conversation, one turn at a time.

Both servers (with their action servers) start once for the module, with the repository's endpoints.yml
(components/lock_store.py). To see the same tests with Rasa's own `RedisLockStore` instead, run them with
LEGCARE_TEST_LOCK_STORE=rasa-redis (the race test then fails: turns lost or doubled, every one a 200).
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

import pytest
import redis
import sqlalchemy as sa

from bench.reliability.common import canonical
from ops.servers import Stack, free_port
from ops.settings import ROOT
from tests.conftest import SLACK_SECRET
from tests.runner import post

pytestmark = pytest.mark.servers

REST = "/webhooks/rest/webhook"
PAIRS = 60
AT_ONCE = 4  # conversations racing at the same time
SETUP = ["my legs have felt weak for a week", "no"]  # the emergency screen answered: the interview asks the onset
SYMPTOM, ANSWER = "my left leg has been weak for three days", "gradually"  # sent at the same instant


def _endpoints(tmp, redis_server) -> Dict[str, str]:
    if os.environ.get("LEGCARE_TEST_LOCK_STORE") != "rasa-redis":
        return {}
    text = (ROOT / "endpoints.yml").read_text()
    start = text.index("lock_store:")
    end = text.index("\n\n", start)
    rasa = (f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {redis_server.port}\n"
            f"  password: {redis_server.password}\n  db: 0")
    path = tmp / "endpoints-rasa-redis.yml"
    path.write_text(text[:start] + rasa + text[end:])
    return {"RASA_ENDPOINTS": str(path)}


@pytest.fixture(scope="module")
def replicas(trained_model, tmp_path_factory, postgres, redis_server, fake_slack):
    tmp = tmp_path_factory.mktemp("replicas")
    stacks = []
    for name in ("one", "two"):
        env = dict(os.environ, RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()),
                   LEGCARE_VAR_DIR=str(tmp / name), TRACKER_STORE_URL=postgres.url, REDIS_URL=redis_server.url,
                   EMERGENCY_NUMBER="112", SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SLACK_SECRET,
                   SLACK_API_URL=fake_slack.url + "/api/", **_endpoints(tmp, redis_server))
        for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "TELEGRAM_TOKEN", "BIND_HOST", "ACTION_SERVER_SECRET",
                    "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DB", "REDIS_TLS"):
            env.pop(key, None)
        if "RASA_ENDPOINTS" not in _endpoints(tmp, redis_server):
            env.pop("RASA_ENDPOINTS", None)
        stacks.append(Stack(model=trained_model, env=env))
    with ThreadPoolExecutor(2) as pool:  # ~20 s each; side by side
        list(pool.map(lambda s: s.start(timeout=240), stacks))
    yield stacks
    for s in stacks:
        s.stop()


@pytest.fixture(scope="module")
def events_of(postgres):
    engine = sa.create_engine(postgres.url)

    def read(sender: str) -> List[Dict[str, Any]]:
        with engine.connect() as c:
            rows = c.execute(sa.text("select data from events where sender_id = :s order by id"), {"s": sender})
            return [json.loads(r[0]) for r in rows]

    yield read
    engine.dispose()


def _say(stack: Stack, sender: str, text: str, message_id: str) -> Tuple[int, Any]:
    return post(stack.rasa_url + REST, {"sender": sender, "message": text, "message_id": message_id})


def _turns(events: List[Dict[str, Any]]) -> List[Tuple[str, Tuple[str, ...]]]:
    """The stored conversation as (user text, the bot texts after it)."""
    out: List[Tuple[str, List[Dict[str, Any]]]] = []
    for e in events:
        if e["event"] == "user":
            out.append((e["text"], []))
        elif e["event"] == "bot" and out:
            out[-1][1].append(e)
    return [(text, canonical(bots)) for text, bots in out]


def _form_starts(events: List[Dict[str, Any]]) -> int:
    return sum(1 for e in events if e["event"] == "active_loop" and e.get("name") == "triage_form")


def _reference(stack: Stack, order: Tuple[str, str]) -> List[Tuple[str, Tuple[str, ...]]]:
    """The turns of one conversation sent one message at a time, in `order` after the setup."""
    sender = "ref-" + uuid.uuid4().hex[:12]
    out = []
    for i, text in enumerate(SETUP + list(order)):
        status, body = _say(stack, sender, text, f"r{i}")
        assert status == 200, (status, body)
        out.append((text, canonical(body)))
    return out


def test_two_messages_at_the_same_instant_to_two_servers_are_handled_one_after_the_other(replicas, events_of):
    one, two = replicas
    references = {order: _reference(one, order) for order in ((SYMPTOM, ANSWER), (ANSWER, SYMPTOM))}
    assert references[(SYMPTOM, ANSWER)] == _reference(two, (SYMPTOM, ANSWER))  # both servers answer alike

    def race(n: int) -> List[str]:
        sender = f"race-{n}-{uuid.uuid4().hex[:10]}"
        for i, text in enumerate(SETUP):
            assert _say(one if i % 2 else two, sender, text, f"s{i}")[0] == 200
        replies: Dict[str, Any] = {}
        start = threading.Barrier(2)

        def send(stack: Stack, text: str, message_id: str) -> None:
            start.wait(30)
            replies[text] = _say(stack, sender, text, message_id)

        threads = [threading.Thread(target=send, args=(one, SYMPTOM, "p-symptom")),
                   threading.Thread(target=send, args=(two, ANSWER, "p-answer"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        problems = []
        if any(status != 200 for status, _ in replies.values()):
            problems.append(f"status {[s for s, _ in replies.values()]}")
        events = events_of(sender)
        stored = _turns(events)
        user_texts = [text for text, _ in stored]
        if sorted(user_texts[len(SETUP):]) != sorted([SYMPTOM, ANSWER]) or len(user_texts) != len(SETUP) + 2:
            problems.append(f"user messages stored {user_texts}")
        elif stored != references[tuple(user_texts[len(SETUP):])]:
            problems.append(f"stored turns differ from a one-at-a-time run: {stored}")
        else:
            expected = dict(references[tuple(user_texts[len(SETUP):])][len(SETUP):])
            for text, (status, body) in replies.items():
                if status == 200 and canonical(body) != expected[text]:
                    problems.append(f"answer to {text!r}: {canonical(body)}")
        if _form_starts(events) != 1:
            problems.append(f"interview started {_form_starts(events)} times")
        return problems

    with ThreadPoolExecutor(AT_ONCE) as pool:
        results = list(pool.map(race, range(PAIRS)))
    broken = [(n, p) for n, p in enumerate(results) if p]
    assert not broken, f"{len(broken)} of {PAIRS} pairs broken, e.g. {broken[:3]}"


def _lock_key(sender: str) -> str:
    return f"legcare:{{{sender}}}:lock"


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"not within {seconds:.0f} s: {what}"
        time.sleep(0.1)


def test_a_server_stalled_past_its_lock_cannot_save_over_the_turn_another_server_handled(replicas, events_of,
                                                                                          redis_server):
    """Server one stalls mid-turn (paused); the client sends the turn again to server two, which handles it.

    When server one wakes up its lock is gone: its turn fails honestly instead of storing the turn twice.
    """
    one, two = replicas
    sender = "stall-" + uuid.uuid4().hex[:12]
    raw = redis.Redis.from_url(redis_server.url)
    assert _say(one, sender, SETUP[0], "m0")[0] == 200
    actions, rasa = one.services["actions"].proc.pid, one.services["rasa"].proc.pid
    first: Dict[str, Any] = {}
    os.kill(actions, signal.SIGSTOP)  # the turn below waits for its action: server one holds the lock meanwhile
    try:
        sending = threading.Thread(target=lambda: first.update(r=_say(one, sender, SETUP[1], "m1")))
        sending.start()
        _wait(lambda: raw.exists(_lock_key(sender)), 30, "server one holds the lock")
        os.kill(rasa, signal.SIGSTOP)  # server one stalls: it renews nothing
        try:
            _wait(lambda: not raw.exists(_lock_key(sender)), 30, "the stalled server's lock expires")
            status, handled = _say(two, sender, SETUP[1], "m1")  # the client gave up on one and sends it to two
            assert status == 200 and canonical(handled), handled
        finally:
            os.kill(rasa, signal.SIGCONT)
    finally:
        os.kill(actions, signal.SIGCONT)
    sending.join(120)
    status, body = first["r"]
    # Honest either way, never a second store: the stalled turn fails (503, not stored) or, when server one
    # stalled before it had begun the turn (a loaded machine can pause it between taking the lock and
    # reading the conversation), it finds the turn already handled and gives the stored answer.
    assert ((status == 503 and "error" in body)
            or (status == 200 and canonical(body) == canonical(handled))), (status, body)
    assert [text for text, _ in _turns(events_of(sender))] == SETUP  # the turn stored once, by server two
    status, again = _say(one, sender, SETUP[1], "m1")  # sent once more: the stored answer, not a new turn
    assert status == 200 and canonical(again) == canonical(handled), again
    assert [text for text, _ in _turns(events_of(sender))] == SETUP


def _ready(stack: Stack) -> Tuple[int, Dict[str, Any]]:
    try:
        with urllib.request.urlopen(stack.rasa_url + "/health/ready", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_a_redis_restart_under_a_conversation(replicas, events_of, redis_server):
    one, two = replicas
    sender = "redis-" + uuid.uuid4().hex[:12]
    assert _say(one, sender, SETUP[0], "m0")[0] == 200
    assert all(_ready(s)[0] == 200 for s in replicas)
    redis_server.stop()
    answer: Dict[str, Any] = {}
    try:
        for s in replicas:  # not ready while Redis does not answer: a load balancer sends nothing here
            status, state = _ready(s)
            assert status == 503 and state["checks"]["lock_store"] is not True, state
        waiting = threading.Thread(target=lambda: answer.update(r=_say(two, sender, SETUP[1], "m1")))
        waiting.start()
        waiting.join(2)
        assert waiting.is_alive()  # the turn waits for Redis rather than failing or going ahead unlocked
    finally:
        redis_server.start()
    waiting.join(120)
    status, body = answer["r"]
    assert status == 200 and canonical(body), (status, body)
    _wait(lambda: all(_ready(s)[0] == 200 for s in replicas), 30, "both servers ready again")
    assert _say(one, sender, ANSWER, "m2")[0] == 200
    assert [text for text, _ in _turns(events_of(sender))] == SETUP + [ANSWER]  # each turn stored once
    for s in replicas:  # the Redis password is in no log
        assert redis_server.password not in s.services["rasa"].log.read_text(errors="replace")


def test_a_slack_event_delivered_to_both_servers_is_answered_once(replicas, fake_slack):
    from tests.rasa.test_slack import event, post as slack_post, posted_to

    body, user = event("hello")

    class _Chat:  # what tests.rasa.test_slack.post needs: .stack.rasa_url
        def __init__(self, stack):
            self.stack = stack

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(lambda s: slack_post(_Chat(s), body)[0], replicas))
    assert statuses == [200, 200]
    fake_slack.wait_for(posted_to(user))
    time.sleep(3)  # room for a second answer, which must not come
    assert len(fake_slack.matching(posted_to(user))) == 1
