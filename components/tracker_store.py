"""Rasa's SQL tracker store, with less work per message and riding out database restarts.

Same table, same SQLAlchemy URLs (SQLite by default, PostgreSQL and others
through TRACKER_STORE_URL) and same results as `SQLTrackerStore`; profiling
the server under load showed that store spending about a quarter of the
server's CPU per message building the same ORM queries again, counting the
stored events on every save and, on SQLite, waiting for the rollback journal.
This subclass:

- keeps the stored rows of recent conversations in memory
  (components/tracker_cache.py); before using a cached conversation it reads
  the newest row id stored for it (one indexed query), so several Rasa
  servers on one database stay correct;
- appends only the events that are new since the rows stored for the
  conversation, with one multi-row insert: a write run again (its COMMIT
  was cut off by a restart) adds only what is missing;
- runs every read and write through components/sql_retry.py: a connection
  that died is replaced and the call run again; while the database cannot
  be reached (a restart) the call is tried again for up to `retry_seconds`
  (endpoints.yml), then fails; any other error reaches the caller at once
  (the Rasa server's entry point makes sure it is not hidden: see
  ops/rasa_patches.py). Never an empty conversation for one it cannot read;
- sets up the engine for its database (components/sql_engine.py): pooled
  connections checked before use, pool size and connect timeout for
  PostgreSQL, write-ahead logging and busy timeout for SQLite;
- runs every database call in a thread pool of its own (one thread per
  connection the pool can open), never on the server's event loop: a
  database that is slow, locked or restarting makes the turns that need it
  wait while health checks and every other request go on;
- `check_writable()` tries a write (rolled back) and `ping()` one read
  without retrying, for the start-up check and /health/ready.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, Optional, Text, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, validate_port
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from components.sql_engine import EngineSettings, connections_of, create_engine
from components.sql_retry import RetryPolicy
from components.tracker_cache import Conversation, ConversationCache

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT = EngineSettings.busy_timeout
DEFAULT_RETRY_SECONDS = RetryPolicy.budget
PROBE_SENDER = "__legcare_write_probe__"
T = TypeVar("T")


class LegcareTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, dialect: Text = "sqlite", host: Optional[Text] = None,
                 port: Any = None, db: Text = "rasa.db", username: Optional[Text] = None,
                 password: Optional[Text] = None, event_broker: Any = None, login_db: Optional[Text] = None,
                 query: Optional[Dict] = None, cache_size: int = 500, sqlite_synchronous: Text = "FULL",
                 busy_timeout: float = DEFAULT_BUSY_TIMEOUT, pool_size: int = EngineSettings.pool_size,
                 max_overflow: int = EngineSettings.max_overflow,
                 connect_timeout: float = EngineSettings.connect_timeout,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS, **kwargs: Any) -> None:
        # not SQLTrackerStore.__init__: its engine has no connect timeout and it retries creating the
        # database for ever; the rest (table, queries, `sessionmaker`) is as it does
        if login_db:
            raise ValueError("login_db is not supported by LegcareTrackerStore: create the database first")
        url = self.get_db_url(dialect, host, validate_port(port), db, username, password, None, query)
        settings = EngineSettings(int(pool_size), int(max_overflow), float(connect_timeout), float(busy_timeout),
                                  str(sqlite_synchronous).upper())
        self.retry = RetryPolicy(float(retry_seconds))
        self.engine = create_engine(url, settings)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._cache = ConversationCache(cache_size)
        self._executor = ThreadPoolExecutor(max_workers=connections_of(self.engine, settings),
                                            thread_name_prefix="tracker-store")
        table = self.SQLEvent.__table__
        self._table = table
        sender = sa.bindparam("sender_id")
        self._newest_id = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sender)
        latest_start = (sa.select(sa.func.max(table.c.timestamp))
                        .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
                        .scalar_subquery())
        # Rasa's own selection: the events since the latest session start (all events if none)
        self._session_rows = (sa.select(latest_start, table.c.timestamp, table.c.data)
                              .where(table.c.sender_id == sender,
                                     sa.or_(latest_start.is_(None), table.c.timestamp >= latest_start))
                              .order_by(table.c.id))
        self._all_rows = sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        self._create_table()
        TrackerStore.__init__(self, domain, event_broker, **kwargs)

    @property
    def cache_size(self) -> int:
        return self._cache.size

    def _create_table(self) -> None:
        try:
            self._run(lambda connection: self.Base.metadata.create_all(connection), write=True)
        except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
            # another Rasa server created it at the same moment: it exists now
            self._run(lambda connection: self.Base.metadata.create_all(connection), write=True)

    def _run(self, work: Callable[[Any], T], write: bool = False, asked_at: Optional[float] = None) -> T:
        """work(connection) with the retry policy (components/sql_retry.py), its time counted from `asked_at`."""
        return self.retry.run(self.engine, work, write, asked_at=asked_at)

    async def _off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """work(*args, asked_at) in the store's threads: the event loop goes on serving while the database is slow.

        `asked_at` is now: a call that waits for a free thread has that much less time for its retries.
        """
        asked_at = time.monotonic()
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args, asked_at)

    # health

    def check_writable(self) -> None:
        """Raise unless a row can be written here (the row is rolled back, nothing stays)."""
        def probe(connection: Any) -> None:
            transaction = connection.begin()
            try:
                connection.execute(self._table.insert(), [{"sender_id": PROBE_SENDER, "type_name": "probe",
                                                           "timestamp": None, "data": "{}"}])
            finally:
                transaction.rollback()

        self._run(probe)

    async def ping(self) -> None:
        """Raise unless the table can be read now (one try, no waiting: for readiness checks)."""
        def once(asked_at: float) -> None:
            self.retry.run(self.engine, lambda connection: self._newest(connection, PROBE_SENDER), budget=0)

        await self._off_loop(once)

    # reading

    def _newest(self, connection: Any, sender_id: Text) -> Optional[int]:
        return connection.execute(self._newest_id, {"sender_id": sender_id}).scalar()

    def _stored(self, connection: Any, sender_id: Text) -> Optional[Conversation]:
        """The conversation as stored now: the cached one if no row was added since, else read; None if no rows."""
        newest = self._newest(connection, sender_id)
        if newest is None:
            return None
        return self._cache.current(sender_id, newest) or self._read(connection, sender_id, newest)

    def _read(self, connection: Any, sender_id: Text, newest: int) -> Conversation:
        rows = connection.execute(self._session_rows, {"sender_id": sender_id}).fetchall()
        start = rows[0][0] if rows else None
        return Conversation(newest, start, [(ts, data) for _start, ts, data in rows])

    def _load(self, sender_id: Text, asked_at: Optional[float] = None) -> Optional[Conversation]:
        conversation = self._run(lambda connection: self._stored(connection, sender_id), asked_at=asked_at)
        if conversation is None:
            self._cache.forget(sender_id)
            return None
        self._cache.remember(sender_id, conversation)
        return conversation

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        conversation = await self._off_loop(self._load, sender_id)
        if conversation is None or not conversation.rows or not self.domain:
            return None
        events = [json.loads(data) for _ts, data in conversation.rows]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """Every session of the conversation (Rasa's HTTP API), read with the same retries."""
        def read(connection: Any) -> list:
            return connection.execute(self._all_rows, {"sender_id": conversation_id}).scalars().all()

        rows = await self._off_loop(self._run, read, False)
        if not rows or not self.domain:
            return None
        return DialogueStateTracker.from_dict(conversation_id, [json.loads(data) for data in rows],
                                              self.domain.slots)

    async def keys(self) -> Iterable[Text]:
        query = sa.select(self._table.c.sender_id).distinct()
        return await self._off_loop(self._run, lambda connection: connection.execute(query).scalars().all(), False)

    # writing

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._off_loop(self._save, tracker)

    def _save(self, tracker: DialogueStateTracker, asked_at: Optional[float] = None) -> None:
        sender_id = tracker.sender_id
        written: Dict[Text, Any] = {}

        def append(connection: Any) -> None:
            # run again after a lost connection or a cut-off COMMIT: the rows stored by then are counted
            # first (from the database, not the cache, unless its newest row id is still the cached one),
            # so nothing is stored twice
            written.clear()
            stored = self._stored(connection, sender_id) or Conversation(0, None)
            # as Rasa's store: the tracker's events after as many as the database holds for this session
            new_events = list(tracker.events)[len(stored.rows):]
            if not new_events:
                return
            records = []
            for event in new_events:
                data = event.as_dict()
                records.append({
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })
            connection.execute(self._table.insert(), records)
            written.update(stored=stored, records=records, newest=self._newest(connection, sender_id))

        self._run(append, write=True, asked_at=asked_at)
        if not written:
            return
        new = [(r["type_name"], r["timestamp"], r["data"]) for r in written["records"]]
        self._cache.remember(sender_id, written["stored"].extended(written["newest"], new))
        logger.debug("Tracker stored: %d new events", len(new))
