"""A Rasa server on PostgreSQL rides out a database restart, and tells people the truth during a longer outage.

Uses the real PostgreSQL of the `postgres` fixture (ops/backing.py). What is
stored is checked in the database itself: every turn once, in order, and
every reply the one a fault-free conversation gets at that point (an answer
from an empty conversation would be a greeting or the emergency screen).
"""
import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from bench.reliability.common import SCRIPTS, canonical
from channels.common import ERROR_REPLY
from ops.servers import Stack, free_port
from tests.runner import post

pytestmark = pytest.mark.servers


def _env(var, url):
    env = dict(os.environ, RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), LEGCARE_VAR_DIR=str(var),
               TRACKER_STORE_URL=url, EMERGENCY_NUMBER="112")
    for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN",
                "BIND_HOST", "ACTION_SERVER_SECRET"):
        env.pop(key, None)
    return env


@pytest.fixture(scope="module")
def pg_stack(trained_model, tmp_path_factory, postgres):
    stack = Stack(model=trained_model, env=_env(tmp_path_factory.mktemp("pg-stack"), postgres.url)).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def db(postgres):
    engine = sa.create_engine(postgres.url, pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def reference(pg_stack):
    """The replies of a fault-free conversation, turn by turn, for each script."""
    out = []
    for script in SCRIPTS:
        sender = "ref-" + uuid.uuid4().hex[:8]
        replies = []
        for text in script:
            status, body = _say(pg_stack, sender, text)
            assert status == 200, (status, body)
            replies.append(canonical(body))
        out.append(replies)
    return out


def _say(stack, sender, text, message_id=None):
    body = {"sender": sender, "message": text}
    if message_id:
        body["message_id"] = message_id
    return post(stack.rasa_url + "/webhooks/rest/webhook", body, timeout=60)


def _stored_turns(db, sender):
    """(text, message_id) of every user message stored for `sender`, in order."""
    with db.connect() as c:
        rows = c.execute(sa.text("select data from events where sender_id = :s and type_name = 'user' order by id"),
                         {"s": sender}).fetchall()
    return [(json.loads(r[0])["text"], json.loads(r[0]).get("message_id")) for r in rows]


def _ready(stack):
    try:
        with urllib.request.urlopen(stack.rasa_url + "/health/ready", timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_down(postgres):
    """Until the PostgreSQL process has exited (the restart's down time has begun)."""
    for _ in range(300):
        if not postgres.running:
            return
        time.sleep(0.01)
    raise AssertionError("PostgreSQL did not stop")


def test_a_postgres_restart_mid_interview_is_ridden_out(pg_stack, postgres, db, reference):
    script, expected = SCRIPTS[0], reference[0]
    sender = "pg-" + uuid.uuid4().hex[:8]
    for i in range(3):  # greeting, symptom, emergency screen answered: the interview has begun
        status, body = _say(pg_stack, sender, script[i], f"m{i}")
        assert status == 200 and canonical(body) == expected[i], (i, status, body)

    restart = threading.Thread(target=postgres.restart, kwargs={"down_for": 0.4})
    restart.start()
    try:
        _wait_down(postgres)
        status, body = _say(pg_stack, sender, script[3], "m3")  # sent while PostgreSQL is down
    finally:
        restart.join(60)
    assert status == 200, (status, body)
    assert canonical(body) == expected[3], body  # the interview goes on: not a greeting or the screen again
    for i in range(4, len(script)):
        status, body = _say(pg_stack, sender, script[i], f"m{i}")
        assert status == 200 and canonical(body) == expected[i], (i, status, body)
    assert _stored_turns(db, sender) == [(text, f"m{i}") for i, text in enumerate(script)]  # each once, in order


def test_a_longer_outage_is_an_honest_error_and_the_same_turn_is_answered_once_after(pg_stack, postgres, db,
                                                                                       reference):
    script, expected = SCRIPTS[1], reference[1]
    sender = "pg-" + uuid.uuid4().hex[:8]
    for i in range(3):
        status, body = _say(pg_stack, sender, script[i], f"m{i}")
        assert status == 200 and canonical(body) == expected[i], (i, status, body)
    assert _ready(pg_stack) == 200

    postgres.stop()  # down for as long as the turn below takes (longer than the store's retry budget)
    try:
        status, body = _say(pg_stack, sender, script[3], "m3")
        assert (status, body) == (503, {"error": ERROR_REPLY})  # not an answer from an empty conversation
        assert _ready(pg_stack) == 503
    finally:
        postgres.start()
    states = []
    for _ in range(40):  # ready again once PostgreSQL is back (bounded: 20 s)
        states.append(_ready(pg_stack))
        if states[-1] == 200:
            break
        time.sleep(0.5)
    assert states[-1] == 200, states
    assert _stored_turns(db, sender) == [(script[i], f"m{i}") for i in range(3)]  # the failed turn: not stored

    status, body = _say(pg_stack, sender, script[3], "m3")  # the client sends the same turn again
    assert status == 200 and canonical(body) == expected[3], (status, body)
    status, again = _say(pg_stack, sender, script[3], "m3")  # and once more (a lost response)
    assert status == 200 and canonical(again) == canonical(body)
    assert _stored_turns(db, sender) == [(script[i], f"m{i}") for i in range(4)]


def test_a_burst_of_conversations_through_a_restart_loses_and_doubles_nothing(pg_stack, postgres, db, reference):
    conversations = [("burst-" + uuid.uuid4().hex[:8], n % len(SCRIPTS)) for n in range(10)]
    turns = 4
    answers = {}
    started = threading.Event()

    def talk(sender, k):
        for i in range(turns):
            if i == 1:
                started.set()
            answers[(sender, i)] = _say(pg_stack, sender, SCRIPTS[k][i], f"b{i}")

    threads = [threading.Thread(target=talk, args=c) for c in conversations]
    for t in threads:
        t.start()
    assert started.wait(120)
    postgres.restart(down_for=0.4)  # while the conversations are going on
    for t in threads:
        t.join(240)
    assert not any(t.is_alive() for t in threads)

    wrong = {key: answer for key, answer in answers.items()
             if answer[0] != 200 or canonical(answer[1]) != reference[dict(conversations)[key[0]]][key[1]]}
    assert not wrong, wrong  # every turn answered, each in the state of a fault-free conversation
    for sender, k in conversations:  # stored exactly once, in order
        assert _stored_turns(db, sender) == [(SCRIPTS[k][i], f"b{i}") for i in range(turns)]


@pytest.mark.parametrize("fault", ["refused", "wrong password"])
def test_make_run_refuses_to_start_on_a_postgres_it_cannot_use(trained_model, tmp_path, postgres, fault):
    from tests.runner import Run

    if fault == "refused":  # nothing listens on that port
        secret = postgres.password
        url, reason = postgres.url.replace(f":{postgres.port}/", f":{free_port()}/"), "Connection refused"
    else:
        secret = "not-the-password-" + uuid.uuid4().hex
        url, reason = postgres.url.replace(postgres.password, secret), "password authentication failed"
    run = Run(tmp_path, TRACKER_STORE_URL=url)
    try:
        run.proc.wait(timeout=240)
    finally:
        run.stop()
    assert run.proc.returncode != 0, run.output
    lines = [line for line in run.lines if "conversations cannot be stored in postgresql://legcare:***@" in line]
    assert len(lines) == 1 and reason in lines[0], run.output  # one line saying why
    assert "LegCare is running" not in run.output
    assert secret not in run.output and secret not in (tmp_path / "logs" / "rasa.log").read_text()
