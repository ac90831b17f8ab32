"""The tracker store keeps Rasa's table and results while caching recent conversations."""
import asyncio
import sqlite3
import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from components.tracker_store import LegcareTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, describe_symptoms]
slots:
  side:
    type: any
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: hi}]
""")


def run(coro):
    return asyncio.run(coro)


def store(path, cls=LegcareTrackerStore, **kwargs):
    return cls(domain=DOMAIN, dialect="sqlite", host=f"sqlite:///{path}", db="legcare", **kwargs)


def turn(tracker, text, side=None, t=None):
    tracker.update(UserUttered(text, {"name": "describe_symptoms", "confidence": 0.9}, timestamp=t))
    if side:
        tracker.update(SlotSet("side", side, timestamp=t))
    tracker.update(BotUttered("ok", timestamp=t))
    tracker.update(ActionExecuted("action_listen", timestamp=t))


def dump(tracker):
    return [e.as_dict() for e in tracker.events] if tracker else None


def row_count(path, sender):
    with sqlite3.connect(path) as db:
        return db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]


def test_same_conversation_as_rasas_store_and_no_duplicate_rows(tmp_path):
    path = tmp_path / "t.db"
    ours, rasas = store(path), store(path, SQLTrackerStore)
    tracker = run(ours.get_or_create_tracker("a"))
    turn(tracker, "my left leg is weak", side="left")
    run(ours.save(tracker))
    turn(tracker, "for a week")
    run(ours.save(tracker))
    run(ours.save(tracker))  # nothing new: nothing written
    assert row_count(path, "a") == len(tracker.events) == 1 + 4 + 3
    mine, theirs = run(ours.retrieve("a")), run(rasas.retrieve("a"))
    assert dump(mine) == dump(theirs) == dump(tracker)
    assert mine.get_slot("side") == "left"
    assert run(ours.retrieve("nobody")) is None


def test_a_second_instance_on_the_same_database_is_seen(tmp_path):
    """Two Rasa servers sharing one database: neither serves a stale cached conversation."""
    path = tmp_path / "t.db"
    one, two = store(path), store(path)
    tracker = run(one.get_or_create_tracker("a"))
    turn(tracker, "hello")
    run(one.save(tracker))
    assert run(one.retrieve("a")) is not None  # now cached in `one`

    other = run(two.retrieve("a"))
    turn(other, "my right leg is weak", side="right")
    run(two.save(other))

    again = run(one.retrieve("a"))
    assert dump(again) == dump(other)
    assert again.get_slot("side") == "right"
    turn(again, "thanks")
    run(one.save(again))  # appends after the other server's rows, none lost or repeated
    assert dump(run(store(path, SQLTrackerStore).retrieve("a"))) == dump(again)


def test_a_new_session_reads_back_from_its_start_like_rasa(tmp_path):
    path = tmp_path / "t.db"
    ours = store(path)
    tracker = run(ours.get_or_create_tracker("a"))
    now = time.time()
    turn(tracker, "my left leg is weak", side="left", t=now + 1)
    run(ours.save(tracker))
    tracker.update(ActionExecuted("action_session_start", timestamp=now + 2))
    tracker.update(SessionStarted(timestamp=now + 3))
    tracker.update(ActionExecuted("action_listen", timestamp=now + 3))
    turn(tracker, "hello", t=now + 4)
    run(ours.save(tracker))

    mine = run(ours.retrieve("a"))
    assert dump(mine) == dump(run(store(path, SQLTrackerStore).retrieve("a")))  # cached
    assert dump(mine) == dump(run(store(path).retrieve("a")))  # read from the database
    assert mine.events[0].type_name == "session_started"
    assert mine.get_slot("side") is None  # the new session starts clean
    assert row_count(path, "a") == 1 + 4 + 3 + 3


def test_events_with_odd_timestamps_are_selected_as_rasa_selects_them(tmp_path):
    """Rasa reads back the events stamped at or after the latest session start, whatever their order."""
    path = tmp_path / "t.db"
    ours = store(path)
    tracker = run(ours.get_or_create_tracker("a"))  # stamped now
    tracker.update(SessionStarted(timestamp=100.0))  # a session start stamped in the past
    turn(tracker, "hello", t=50.0)  # and events stamped before it
    run(ours.save(tracker))
    expected = dump(run(store(path, SQLTrackerStore).retrieve("a")))
    assert dump(run(ours.retrieve("a"))) == expected  # from the cache
    assert dump(run(store(path).retrieve("a"))) == expected  # from the database
    assert [e["event"] for e in expected] == ["action", "session_started"]


def test_the_cache_is_bounded(tmp_path):
    ours = store(tmp_path / "t.db", cache_size=2)
    for sender in "abc":
        tracker = run(ours.get_or_create_tracker(sender))
        turn(tracker, "hello")
        run(ours.save(tracker))
    assert list(ours._cache) == ["b", "c"]
    assert [e.text for e in run(ours.retrieve("a")).events if isinstance(e, UserUttered)] == ["hello"]
    assert store(tmp_path / "u.db", cache_size=0)._cache == {}


def test_sqlite_uses_write_ahead_logging_and_checks_the_setting(tmp_path):
    path = tmp_path / "t.db"
    ours = store(path)
    run(ours.save(run(ours.get_or_create_tracker("a"))))
    with sqlite3.connect(path) as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError, match="sqlite_synchronous must be one of"):
        store(tmp_path / "v.db", sqlite_synchronous="sometimes")


def test_many_conversations_saved_at_once_lose_nothing(tmp_path):
    """Saves run in worker threads: concurrent conversations must not block or lose each other's events."""
    path = tmp_path / "t.db"
    ours = store(path)

    async def conversation(sender):
        tracker = await ours.get_or_create_tracker(sender)
        for i in range(5):
            turn(tracker, f"message {i}")
            await ours.save(tracker)
        return tracker

    async def all_at_once():
        return await asyncio.gather(*(conversation(f"s{n}") for n in range(20)))

    trackers = run(all_at_once())
    fresh = store(path, SQLTrackerStore)
    for tracker in trackers:
        assert row_count(path, tracker.sender_id) == 1 + 5 * 3
        assert dump(run(fresh.retrieve(tracker.sender_id))) == dump(tracker)


def test_a_deleted_conversation_is_not_served_from_memory(tmp_path):
    path = tmp_path / "t.db"
    ours = store(path)
    tracker = run(ours.get_or_create_tracker("a"))
    turn(tracker, "my left leg is weak", side="left")
    run(ours.save(tracker))
    assert run(ours.retrieve("a")) is not None  # cached
    with sqlite3.connect(path) as db:
        db.execute("delete from events where sender_id = ?", ("a",))
    assert run(ours.retrieve("a")) is None
    assert "a" not in ours._cache


def _dead_pooled_connections(s):
    """Close the pool's connections under it (as a database restart or a network cut would)."""
    held = [s.engine.connect() for _ in range(2)]
    raw = [c.connection.dbapi_connection for c in held]
    for c in held:
        c.close()  # back to the pool
    for dbapi_connection in raw:
        dbapi_connection.close()
    return raw


def test_a_dead_pooled_connection_is_replaced(tmp_path):
    s = store(tmp_path / "t.db")
    tracker = run(s.get_or_create_tracker("a"))
    turn(tracker, "my left leg is weak")
    assert _dead_pooled_connections(s)
    run(s.save(tracker))  # no "Cannot operate on a closed database"
    assert dump(run(s.retrieve("a"))) == dump(tracker)
    assert row_count(tmp_path / "t.db", "a") == len(tracker.events)


def test_a_connection_found_dead_while_in_use_is_replaced_and_the_write_run_again(tmp_path):
    s = store(tmp_path / "t.db")
    tracker = run(s.get_or_create_tracker("a"))
    turn(tracker, "my left leg is weak")
    run(s.save(tracker))
    s.engine.pool._pre_ping = False  # the connection dies after it was checked out
    _dead_pooled_connections(s)
    turn(tracker, "for a week")
    run(s.save(tracker))
    assert row_count(tmp_path / "t.db", "a") == len(tracker.events)  # stored once
    s.engine.pool._pre_ping = False
    _dead_pooled_connections(s)
    assert dump(run(s.retrieve("a"))) == dump(tracker)


def test_check_writable_refuses_a_read_only_database_and_leaves_nothing(tmp_path):
    path = tmp_path / "t.db"
    store(path).check_writable()
    assert row_count(path, "__legcare_write_probe__") == 0
    with pytest.raises(Exception, match="readonly"):
        store(f"file:{path}?mode=ro&uri=true").check_writable()
