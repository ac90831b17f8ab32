"""The tracker store on a real PostgreSQL (the `postgres` fixture): restarts, outages, cut-off commits, replicas."""
import asyncio
import logging
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from components.tracker_store import LegcareTrackerStore
from tests.rasa.test_tracker_store import DOMAIN, dump, turn


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def stores(postgres):
    """make(**settings): a store on the fixture's PostgreSQL; all disposed of afterwards."""
    made = []

    def make(cls=LegcareTrackerStore, url=None, **kwargs):
        made.append(cls(domain=DOMAIN, host=url or postgres.url, **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.engine.dispose()


@pytest.fixture
def sender():
    return "pgs-" + uuid.uuid4().hex[:10]


def rows(postgres, sender):
    engine = sa.create_engine(postgres.url)
    try:
        with engine.connect() as c:
            return c.execute(sa.text("select count(*) from events where sender_id = :s"), {"s": sender}).scalar()
    finally:
        engine.dispose()


def stored(stores, sender):
    """The conversation as Rasa's own store reads it from the database."""
    return dump(run(stores(SQLTrackerStore).retrieve(sender)))


def test_a_restart_between_two_saves_loses_nothing(postgres, stores, sender):
    s = stores()
    tracker = run(s.get_or_create_tracker(sender))
    turn(tracker, "my left leg is weak", side="left")
    run(s.save(tracker))
    postgres.restart(down_for=0.4)  # every pooled connection is dead now
    turn(tracker, "for a week")
    run(s.save(tracker))  # no error
    assert dump(run(s.retrieve(sender))) == dump(tracker)
    assert stored(stores, sender) == dump(tracker)
    assert rows(postgres, sender) == len(tracker.events)


def test_a_save_and_a_read_while_postgres_restarts_wait_for_it(postgres, stores, sender):
    s = stores()
    tracker = run(s.get_or_create_tracker(sender))
    turn(tracker, "my right leg is weak", side="right")
    run(s.save(tracker))
    restart = threading.Thread(target=postgres.restart, kwargs={"down_for": 0.4})
    restart.start()
    try:
        while postgres.running:  # until the restart's down time has begun (bounded by the restart itself)
            time.sleep(0.01)
        turn(tracker, "since yesterday")
        run(s.save(tracker))  # sent while PostgreSQL is down
        read = run(stores().retrieve(sender))  # a new store: nothing cached, its first connection refused
    finally:
        restart.join(60)
    assert dump(read) == dump(tracker) and read.get_slot("side") == "right"
    assert rows(postgres, sender) == len(tracker.events)


def test_postgres_down_longer_than_the_retry_budget_is_an_error_never_an_empty_conversation(postgres, stores,
                                                                                            sender, caplog):
    s = stores(retry_seconds=1)
    tracker = run(s.get_or_create_tracker(sender))
    turn(tracker, "my left leg is weak", side="left")
    run(s.save(tracker))
    assert run(s.retrieve(sender)) is not None  # cached now
    postgres.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="components.sql_retry"):
            with pytest.raises(sa.exc.OperationalError):
                run(s.retrieve(sender))  # neither None (a new conversation) nor the cached copy
            turn(tracker, "since this morning")
            with pytest.raises(sa.exc.OperationalError):
                run(s.save(tracker))
            with pytest.raises(sa.exc.OperationalError):
                run(s.ping())
    finally:
        postgres.start()
    assert any("gave up" in r.getMessage() for r in caplog.records)
    assert not any("my left leg" in r.getMessage() for r in caplog.records)
    run(s.save(tracker))  # back: the failed write is made now, once
    assert dump(run(s.retrieve(sender))) == dump(tracker)
    assert rows(postgres, sender) == len(tracker.events)


def test_a_second_server_on_the_same_postgres_is_seen(stores, sender):
    one, two = stores(), stores()
    tracker = run(one.get_or_create_tracker(sender))
    turn(tracker, "hello")
    run(one.save(tracker))
    assert run(one.retrieve(sender)) is not None  # cached in `one`

    other = run(two.retrieve(sender))
    turn(other, "my right leg is weak", side="right")
    run(two.save(other))

    again = run(one.retrieve(sender))
    assert dump(again) == dump(other) and again.get_slot("side") == "right"
    turn(again, "thanks")
    run(one.save(again))  # appends after the other server's rows
    assert stored(stores, sender) == dump(again)


@pytest.mark.parametrize("commit_took_effect", [True, False])
def test_a_write_whose_commit_was_cut_off_is_stored_once(postgres, stores, sender, commit_took_effect):
    """The connection dies at COMMIT: stored or not, the write run again leaves each event once."""
    s = stores()
    tracker = run(s.get_or_create_tracker(sender))
    turn(tracker, "my left leg is weak")
    run(s.save(tracker))
    admin = sa.create_engine(postgres.url)
    dialect = s.engine.dialect
    cut = []

    def commit_then_die(dbapi_connection):
        pid = dbapi_connection.get_backend_pid()
        if commit_took_effect:
            type(dialect).do_commit(dialect, dbapi_connection)
        with admin.connect() as c:  # the server ends the connection (as a restart does)
            c.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
        cut.append(pid)
        del dialect.do_commit  # the next commits are normal
        cursor = dbapi_connection.cursor()
        cursor.execute("select 1")  # raises: the connection is gone; the client cannot tell if it was stored
        raise AssertionError("the connection survived")

    dialect.do_commit = commit_then_die
    try:
        turn(tracker, "for a week", side="left")
        run(s.save(tracker))
    finally:
        dialect.__dict__.pop("do_commit", None)
        admin.dispose()
    assert cut  # the COMMIT really was cut off
    assert rows(postgres, sender) == len(tracker.events)  # each event once
    assert stored(stores, sender) == dump(tracker) == dump(run(s.retrieve(sender)))


def test_a_wrong_password_fails_at_once_without_waiting(postgres, stores, caplog):
    with caplog.at_level(logging.WARNING, logger="components.sql_retry"):
        with pytest.raises(sa.exc.OperationalError, match="password authentication failed"):
            stores(url=postgres.url.replace(postgres.password, "wrong"))
    assert not any("trying again" in r.getMessage() for r in caplog.records)  # not retried
