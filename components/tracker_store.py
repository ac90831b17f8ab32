"""Rasa's SQL tracker store, with less work per message.

Same table, same SQLAlchemy URLs (SQLite by default, PostgreSQL and others
through TRACKER_STORE_URL) and same results as `SQLTrackerStore`; profiling
the server under load showed that store spending about a quarter of the
server's CPU per message building the same ORM queries again, counting the
stored events on every save and, on SQLite, waiting for the rollback journal.
This subclass:

- keeps the stored rows (their JSON text, not live objects) of recent
  conversations in a bounded in-process cache. Before using a cached
  conversation it reads the newest row id stored for it (one indexed
  query); if another process wrote to the conversation, the id differs and
  the rows are read again, so several Rasa instances on one database stay
  correct;
- appends only the events that are new since the cached count, with one
  multi-row insert;
- replaces a pooled database connection that died (the database
  restarted, a network cut) and runs the read or write again, once; any
  other error reaches the caller (the Rasa server's entry point makes sure
  it is not hidden: see ops/rasa_patches.py);
- `check_writable()` tries a write (rolled back), so that the server can
  refuse to start on storage it cannot write;
- runs every database call in a thread pool of its own (as many threads as
  the connection pool has connections), never on the server's event loop:
  a database that is slow or locked by another process makes the turns that
  need it wait (and fail with the channel's error after `busy_timeout`
  seconds on SQLite) while health checks and every other request go on;
- on SQLite, keeps connections open (SQLAlchemy 1.4 opens one per query
  for an SQLite file) and uses write-ahead logging (WAL): a commit appends
  to one file and readers do not block the writer. `synchronous` stays FULL by default, so a
  committed turn survives a power cut; set `sqlite_synchronous: NORMAL` to
  trade that for speed (a crash of the process still loses nothing).
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Text, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's SQLite lock before the turn fails
POOL_SIZE, MAX_OVERFLOW = 2, 8
PROBE_SENDER = "__legcare_write_probe__"
T = TypeVar("T")


@dataclass
class _Conversation:
    """What Rasa's query would return for one sender, and the newest row id it was read at."""
    last_id: int  # newest row id stored for this sender (any session)
    session_start: Optional[float]  # timestamp of the latest SessionStarted event, if any
    rows: List[Tuple[Optional[float], Text]] = field(default_factory=list)  # (timestamp, JSON), by id

    def extended(self, last_id: int, new: List[Tuple[Text, Optional[float], Text]]) -> "_Conversation":
        """This conversation after rows (type, timestamp, JSON) were appended, selected as Rasa selects them."""
        starts = [ts for kind, ts, _ in new if kind == SessionStarted.type_name and ts is not None]
        start = max([self.session_start] + starts) if self.session_start is not None else max(starts, default=None)
        rows = self.rows + [(ts, data) for _, ts, data in new]
        if start is not None:
            rows = [(ts, data) for ts, data in rows if ts is not None and ts >= start]
        return _Conversation(last_id, start, rows)


class LegcareTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = 500, sqlite_synchronous: Text = "FULL",
                 busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache: "OrderedDict[Text, _Conversation]" = OrderedDict()
        self._cache_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=POOL_SIZE + MAX_OVERFLOW,
                                            thread_name_prefix="tracker-store")
        self.cache_size = max(0, int(cache_size))
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
        if self.engine.dialect.name == "sqlite":
            self._tune_sqlite(str(sqlite_synchronous).upper(), float(busy_timeout))

    async def _off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """work(*args) in the store's threads: the event loop goes on serving while the database is slow."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)

    def _tune_sqlite(self, synchronous: Text, busy_timeout: float) -> None:
        """WAL, and connections kept open (SQLAlchemy 1.4 opens a new one per query for SQLite files)."""
        if synchronous not in SYNCHRONOUS_MODES:
            raise ValueError(f"sqlite_synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, not {synchronous!r}")
        if self.engine.url.database in (None, "", ":memory:"):
            return  # an in-memory database has no journal to choose
        url = self.engine.url
        self.engine.dispose()
        if busy_timeout <= 0:
            raise ValueError(f"busy_timeout must be a positive number of seconds, not {busy_timeout!r}")
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=POOL_SIZE,
                                       max_overflow=MAX_OVERFLOW, pool_pre_ping=True,
                                       connect_args={"check_same_thread": False, "timeout": busy_timeout})

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _once_more_if_disconnected(self, work: Callable[[], T]) -> T:
        """work(), run again once if it failed because its pooled connection was dead (it is replaced)."""
        try:
            return work()
        except sa.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            logger.warning("A database connection of the tracker store was lost; it was replaced and the "
                           "operation is run again")
            return work()

    def check_writable(self) -> None:
        """Raise unless a row can be written here (the row is rolled back, nothing stays)."""
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(self._table.insert(), [{"sender_id": PROBE_SENDER, "type_name": "probe",
                                                           "timestamp": None, "data": "{}"}])
            finally:
                transaction.rollback()

    # reading

    def _newest(self, connection: Any, sender_id: Text) -> Optional[int]:
        return connection.execute(self._newest_id, {"sender_id": sender_id}).scalar()

    def _stored(self, connection: Any, sender_id: Text) -> Optional[_Conversation]:
        """The conversation as stored now: the cached one if no row was added since, else read; None if no rows."""
        newest = self._newest(connection, sender_id)
        if newest is None:
            return None
        with self._cache_lock:
            cached = self._cache.get(sender_id)
        return cached if cached is not None and cached.last_id == newest else self._read(connection, sender_id, newest)

    def _load(self, sender_id: Text) -> Optional[_Conversation]:
        def read() -> Optional[_Conversation]:
            with self.engine.connect() as connection:
                return self._stored(connection, sender_id)

        conversation = self._once_more_if_disconnected(read)
        if conversation is None:
            with self._cache_lock:
                self._cache.pop(sender_id, None)
            return None
        self._remember(sender_id, conversation)
        return conversation

    def _read(self, connection: Any, sender_id: Text, newest: int) -> _Conversation:
        rows = connection.execute(self._session_rows, {"sender_id": sender_id}).fetchall()
        start = rows[0][0] if rows else None
        return _Conversation(newest, start, [(ts, data) for _start, ts, data in rows])

    def _remember(self, sender_id: Text, conversation: _Conversation) -> None:
        if self.cache_size == 0:
            return
        with self._cache_lock:
            self._cache[sender_id] = conversation
            self._cache.move_to_end(sender_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        conversation = await self._off_loop(self._load, sender_id)
        if conversation is None or not conversation.rows or not self.domain:
            return None
        events = [json.loads(data) for _ts, data in conversation.rows]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    # writing

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        # run again after a lost connection: the rows stored by then are counted first, so nothing is doubled
        await self._off_loop(self._once_more_if_disconnected, lambda: self._save(tracker))

    def _save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        with self.engine.begin() as connection:
            stored = self._stored(connection, sender_id) or _Conversation(0, None)
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
            newest = self._newest(connection, sender_id)
        new = [(r["type_name"], r["timestamp"], r["data"]) for r in records]
        self._remember(sender_id, stored.extended(newest, new))
        logger.debug("Tracker stored: %d new events", len(records))
