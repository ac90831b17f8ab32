"""The reliability suite's bookkeeping on a tiny synthetic tracker store: the same events in SQLite and in a
real PostgreSQL (the cluster part reads its turns from there), the ledger's lost / duplicated / reordered
counts and the same-instant pair judge of bench/reliability/cluster.py. No Rasa server is started."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import sqlalchemy as sa

from bench.reliability.cluster import ANSWER, SETUP, SYMPTOM, judge_pair
from bench.reliability.common import Ledger, Reply, read_events, stored_user_turns

SCHEMA = ("create table events (id {id}, sender_id varchar(255) not null, type_name varchar(255) not null, "
          "timestamp float, intent_name varchar(255), action_name varchar(255), data text)")


def _user(text: str, message_id: str) -> Dict[str, Any]:
    return {"event": "user", "text": text, "message_id": message_id}


def _bot(text: str) -> Dict[str, Any]:
    return {"event": "bot", "text": text}


def _form() -> Dict[str, Any]:
    return {"event": "active_loop", "name": "triage_form"}


# a: t0, t1 stored in order; b: t1 stored twice, t0 after it (reordered); c: nothing stored (its 200 lost)
ROWS: List[Tuple[str, Dict[str, Any]]] = [
    ("a", _user("hello", "t0")), ("a", _bot("Hi")), ("b", _user("x", "t1")), ("a", _user("no", "t1")),
    ("b", _user("x", "t1")), ("b", _user("y", "t0")), ("other", _user("z", "t0")),
]


def _fill(connection, id_type: str) -> None:
    connection.execute(sa.text(SCHEMA.format(id=id_type)))
    for sender, event in ROWS:
        connection.execute(sa.text("insert into events (sender_id, type_name, timestamp, data) "
                                   "values (:s, :t, 0, :d)"), {"s": sender, "t": event["event"], "d": json.dumps(event)})


@pytest.fixture
def sqlite_store(tmp_path) -> Path:
    db = tmp_path / "tracker.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as c:
        _fill(c, "integer primary key autoincrement")
    engine.dispose()
    return db


@pytest.fixture
def postgres_store(postgres) -> str:
    """A database of its own on the session's PostgreSQL (the Rasa tests' `events` table is elsewhere)."""
    name = "bookkeeping_" + uuid.uuid4().hex[:8]
    admin = sa.create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"create database {name}"))
    url = postgres.url.rsplit("/", 1)[0] + "/" + name
    engine = sa.create_engine(url)
    with engine.begin() as c:
        _fill(c, "serial primary key")
    engine.dispose()
    yield url
    with admin.connect() as c:
        c.execute(sa.text(f"drop database {name}"))
    admin.dispose()


def _ledger() -> Ledger:
    ledger = Ledger()
    for sender in ("a", "b", "c"):
        for mid in ("t0", "t1"):
            ledger.sent(sender, mid)
            ledger.ok(sender, mid)
    return ledger


@pytest.mark.parametrize("which", ["sqlite", "postgres"])
def test_the_store_is_read_alike_from_sqlite_and_postgresql(which, request):
    store = request.getfixturevalue(f"{which}_store")
    events = read_events(store, ["a", "b", "c"])
    assert set(events) == {"a", "b", "c"}  # only the senders asked for; one without events is empty
    assert [e["event"] for e in events["a"]] == ["user", "bot", "user"]  # every event, in the order stored
    assert events["c"] == []
    assert stored_user_turns(store, ["a", "b", "c"]) == {"a": ["t0", "t1"], "b": ["t1", "t1", "t0"], "c": []}
    assert _ledger().check(store) == {"answered": 6, "stored": 5, "lost": 2, "duplicated": 1, "reordered": 1,
                                      "stored_without_a_200": 0}


def test_many_senders_are_read_in_chunks(postgres_store):
    senders = ["a"] + [f"nobody-{n}" for n in range(1200)]  # more than one chunk of 500
    assert stored_user_turns(postgres_store, senders)["a"] == ["t0", "t1"]


def _refs() -> Dict[Tuple[str, str], List[Tuple[str, Tuple[str, ...]]]]:
    setup = [(SETUP[0], ("screen?",)), (SETUP[1], ("how did it start?",))]
    return {(SYMPTOM, ANSWER): setup + [(SYMPTOM, ("noted",)), (ANSWER, ("how long?",))],
            (ANSWER, SYMPTOM): setup + [(ANSWER, ("how long?",)), (SYMPTOM, ("noted",))]}


def _events(turns: List[Tuple[str, str]], forms: int = 1) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for i, (text, bot) in enumerate(turns):
        out += [_user(text, f"m{i}"), _bot(bot)]
        if i == 1:
            out += [_form()] * forms
    return out


def _replies(symptom: str = "noted", answer: str = "how long?", status: int = 200) -> Dict[str, Reply]:
    return {SYMPTOM: Reply(status, [{"text": symptom}], 0.1), ANSWER: Reply(200, [{"text": answer}], 0.1)}


def test_a_pair_handled_one_after_the_other_is_not_broken_in_either_order():
    refs = _refs()
    for order in ((SYMPTOM, ANSWER), (ANSWER, SYMPTOM)):
        turns = [(text, bots[0]) for text, bots in refs[order]]
        assert judge_pair(_events(turns), _replies(), refs) == []


def test_broken_pairs_are_found():
    refs = _refs()
    good = [(text, bots[0]) for text, bots in refs[(SYMPTOM, ANSWER)]]
    doubled = good + [(ANSWER, "how long?")]
    assert any("user messages stored" in p for p in judge_pair(_events(doubled), _replies(), refs))
    lost = good[:3]
    assert any("user messages stored" in p for p in judge_pair(_events(lost), _replies(), refs))
    other_state = good[:3] + [(ANSWER, "how did it start?")]  # processed as if the other had not happened
    assert judge_pair(_events(other_state), _replies(), refs) == ["stored turns differ from a one-at-a-time run"]
    assert judge_pair(_events(good), _replies(symptom="something else"), refs) == [
        "an answer differs from a one-at-a-time run"]
    assert judge_pair(_events(good, forms=2), _replies(), refs) == ["interview started 2 times"]
    assert judge_pair(_events(good), _replies(status=503), refs) == ["status [200, 503]"]
