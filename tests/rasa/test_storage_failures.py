"""Conversations are never silently lost: storage that fails is an error the person is told about.

Rasa's own fail-safe store would answer from an empty conversation when the
tracker store cannot be read, keep turns in memory when it cannot be
written, and use memory when the store class does not load.
"""
import os
import sqlite3
import uuid

import pytest

from channels.common import ERROR_REPLY
from ops.servers import Stack, free_port
from ops.settings import ROOT
from tests.runner import Run, post

pytestmark = pytest.mark.servers


def _env(var, **extra):
    env = dict(os.environ, RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), LEGCARE_VAR_DIR=str(var),
               TRACKER_STORE_URL=f"sqlite:///{var / 'tracker.db'}", EMERGENCY_NUMBER="112")
    for key in ("RASA_AUTH_TOKEN", "ACTION_ENDPOINT_URL", "RASA_ENDPOINTS", "TELEGRAM_TOKEN", "SLACK_BOT_TOKEN",
                "BIND_HOST", "ACTION_SERVER_SECRET"):
        env.pop(key, None)
    env.update(extra)
    return env


def test_unwritable_storage_at_start_stops_make_run(trained_model, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    run = Run(tmp_path, TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'a-file' / 'tracker.db'}")
    try:
        run.proc.wait(timeout=240)
    finally:
        run.stop()
    assert run.proc.returncode != 0, run.output
    assert "error: rasa server did not start: conversations cannot be stored" in run.output, run.output
    assert "LegCare is running" not in run.output


def test_read_only_storage_at_start_stops_the_server(trained_model, tmp_path):
    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as c:  # a database that exists but can only be read
        c.execute("create table t (x)")
    stack = Stack(model=trained_model, env=_env(tmp_path, TRACKER_STORE_URL=f"sqlite:///file:{db}?mode=ro&uri=true"))
    with pytest.raises(RuntimeError, match="conversations cannot be stored .*readonly"):
        stack.start(["rasa"], timeout=180)
    stack.stop()


def test_a_store_class_that_does_not_load_stops_the_server(trained_model, tmp_path):
    endpoints = (ROOT / "endpoints.yml").read_text().replace("components.tracker_store.LegcareTrackerStore",
                                                             "components.tracker_store.NoSuchStore")
    (tmp_path / "endpoints.yml").write_text(endpoints)
    stack = Stack(model=trained_model, env=_env(tmp_path, RASA_ENDPOINTS=str(tmp_path / "endpoints.yml")))
    with pytest.raises(RuntimeError, match="the tracker store cannot be opened .*NoSuchStore"):
        stack.start(["rasa"], timeout=180)
    stack.stop()


@pytest.fixture(scope="module")
def own_stack(trained_model, tmp_path_factory):
    var = tmp_path_factory.mktemp("store-fails")
    stack = Stack(model=trained_model, env=_env(var)).start()
    yield stack, var / "tracker.db"
    stack.stop()


def _say(stack, sender, text, **extra):
    return post(stack.rasa_url + "/webhooks/rest/webhook", dict({"sender": sender, "message": text}, **extra))


def _user_texts(db, sender):
    with sqlite3.connect(db) as c:
        rows = c.execute("select data from events where sender_id = ? and type_name = 'user' order by id",
                         (sender,)).fetchall()
    import json
    return [json.loads(r[0])["text"] for r in rows]


def test_unreadable_store_mid_run_is_an_error_not_a_new_conversation(own_stack):
    stack, db = own_stack
    sender = "sf-" + uuid.uuid4().hex[:8]
    assert _say(stack, sender, "hello")[0] == 200
    with sqlite3.connect(db) as c:
        c.execute("alter table events rename to events_away")
    try:
        status, body = _say(stack, sender, "hello")
        assert status == 503 and body == {"error": ERROR_REPLY}, (status, body)  # not a first greeting
    finally:
        with sqlite3.connect(db) as c:
            c.execute("alter table events_away rename to events")
    status, body = _say(stack, sender, "hello")
    assert status == 200 and not body[0]["text"].startswith("Hello, I'm LegCare"), body  # greeted again: kept
    assert _user_texts(db, sender) == ["hello", "hello"]


def test_unwritable_store_mid_run_is_an_error_and_the_turn_can_be_sent_again(own_stack):
    stack, db = own_stack
    sender = "sf-" + uuid.uuid4().hex[:8]
    assert _say(stack, sender, "hello")[0] == 200
    blocker = sqlite3.connect(db, timeout=1, isolation_level=None)
    blocker.execute("begin exclusive")  # another writer holds the database: writes time out
    try:
        status, body = _say(stack, sender, "thanks", message_id="t-2")
        assert status == 503 and body == {"error": ERROR_REPLY}, (status, body)
    finally:
        blocker.execute("rollback")
        blocker.close()
    assert _user_texts(db, sender) == ["hello"]  # the failed turn is not half stored
    status, body = _say(stack, sender, "thanks", message_id="t-2")  # the client sends it again
    assert status == 200 and body, body
    assert _user_texts(db, sender) == ["hello", "thanks"]


def test_a_store_locked_by_another_process_fails_its_turns_but_not_the_server(own_stack):
    """Turns that cannot be written wait in the store's own threads: the server keeps answering meanwhile."""
    import threading
    import urllib.request

    stack, db = own_stack
    senders = ["sf-" + uuid.uuid4().hex[:8] for _ in range(4)]
    for sender in senders:
        assert _say(stack, sender, "hello")[0] == 200
    blocker = sqlite3.connect(db, timeout=1, isolation_level=None)
    blocker.execute("begin exclusive")  # held until every turn below has its answer
    results = {}
    turns = [threading.Thread(target=lambda s=s: results.__setitem__(s, _say(stack, s, "thanks", message_id="x")))
             for s in senders]
    live = []
    try:
        for t in turns:
            t.start()
        while any(t.is_alive() for t in turns):
            try:  # the event loop answers while four turns wait on the database (each up to its busy timeout)
                with urllib.request.urlopen(stack.rasa_url + "/health/live", timeout=2) as r:
                    live.append(r.status)
            except OSError as exc:
                live.append(type(exc).__name__)
            for t in turns:
                t.join(0.5)
    finally:
        blocker.execute("rollback")
        blocker.close()
    assert len(live) >= 3 and set(live) == {200}, live
    assert all(results[s] == (503, {"error": ERROR_REPLY}) for s in senders), results
    for sender in senders:  # nothing half stored; the same turn sent again is answered and stored once
        assert _user_texts(db, sender) == ["hello"]
        assert _say(stack, sender, "thanks", message_id="x")[0] == 200
        assert _user_texts(db, sender) == ["hello", "thanks"]


def test_an_emergency_whose_turn_cannot_be_stored_is_still_told_to_call_now(own_stack):
    stack, db = own_stack
    sender = "sf-" + uuid.uuid4().hex[:8]
    blocker = sqlite3.connect(db, timeout=1, isolation_level=None)
    blocker.execute("begin exclusive")
    try:
        status, body = _say(stack, sender, "my face is drooping and my left arm went weak suddenly", message_id="e")
        calm = _say(stack, "sf-" + uuid.uuid4().hex[:8], "my calves ache after football", message_id="c")
    finally:
        blocker.execute("rollback")
        blocker.close()
    assert status == 503 and body["triage"]["level"] == "emergency", (status, body)
    assert "Call 112" in body["error"] and "could not be saved" in body["error"], body  # EMERGENCY_NUMBER
    assert "stroke" in body["error"], body
    assert calm == (503, {"error": ERROR_REPLY})  # a calm message is not alarmed by the failure
    assert _user_texts(db, sender) == []


def test_a_repeated_message_id_is_answered_from_storage_not_processed_twice(own_stack):
    stack, db = own_stack
    sender = "sf-" + uuid.uuid4().hex[:8]
    first = _say(stack, sender, "hello", message_id="m-1")
    again = _say(stack, sender, "hello", message_id="m-1")  # e.g. the client lost the first response
    assert first[0] == again[0] == 200 and again[1] == first[1]
    assert _user_texts(db, sender) == ["hello"]
    status, body = _say(stack, sender, "hello", message_id="m-2")  # a new id is a new turn
    assert status == 200 and not body[0]["text"].startswith("Hello, I'm LegCare")
    assert _user_texts(db, sender) == ["hello", "hello"]
    assert _say(stack, sender, "hello", message_id="\x00bad")[0] == 400
