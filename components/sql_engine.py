"""The tracker store's SQLAlchemy engine, set up for the database it talks to (components/tracker_store.py).

- Every database: a pool of `pool_size` connections kept open plus up to
  `max_overflow` more opened when busy (the store runs as many threads as
  that, so no thread waits for a connection), and each pooled connection
  checked before use (pre-ping): one that died (the database restarted, a
  network cut) is replaced instead of failing the call.
- PostgreSQL (and other database servers): opening a connection gives up
  after `connect_timeout` seconds (libpq counts whole seconds, at least 2),
  so a database host that does not answer fails a call in bounded time; the
  connections are named `legcare` in `pg_stat_activity`. Rasa's
  POSTGRESQL_SCHEMA variable still chooses the schema. With several Rasa
  servers on one database, each opens at most pool_size + max_overflow
  connections: keep their sum under PostgreSQL's `max_connections`.
- SQLite: connections kept open (SQLAlchemy 1.4 opens one per query for an
  SQLite file), write-ahead logging (a commit appends to one file and
  readers do not block the writer), a write waits `busy_timeout` seconds for
  another process's lock, and `synchronous` FULL by default (a committed
  turn survives a power cut; NORMAL trades that for speed, a crash of the
  process still loses nothing). An in-memory database is one connection.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Text, Union

import sqlalchemy as sa
from rasa.core.tracker_store import create_engine_kwargs

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


@dataclass(frozen=True)
class EngineSettings:
    pool_size: int = 4
    max_overflow: int = 6
    connect_timeout: float = 3.0  # seconds to open a connection to a database server
    busy_timeout: float = 5.0  # seconds an SQLite write waits for another process's lock before the turn fails
    sqlite_synchronous: Text = "FULL"

    def __post_init__(self) -> None:
        if int(self.pool_size) < 1 or int(self.max_overflow) < 0:
            raise ValueError(f"pool_size must be at least 1 and max_overflow at least 0, not "
                             f"{self.pool_size!r} and {self.max_overflow!r}")
        if float(self.connect_timeout) <= 0:
            raise ValueError(f"connect_timeout must be a positive number of seconds, not {self.connect_timeout!r}")
        if float(self.busy_timeout) <= 0:
            raise ValueError(f"busy_timeout must be a positive number of seconds, not {self.busy_timeout!r}")
        if str(self.sqlite_synchronous).upper() not in SYNCHRONOUS_MODES:
            raise ValueError(f"sqlite_synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}, "
                             f"not {self.sqlite_synchronous!r}")

    @property
    def connections(self) -> int:
        """The most connections the engine opens (and threads the store runs)."""
        return int(self.pool_size) + int(self.max_overflow)


def connections_of(engine: sa.engine.Engine, settings: EngineSettings) -> int:
    """How many connections `engine` can have open at once."""
    return 1 if isinstance(engine.pool, sa.pool.StaticPool) else settings.connections


def create_engine(url: Union[Text, sa.engine.URL], settings: EngineSettings) -> sa.engine.Engine:
    url = sa.engine.make_url(url)
    if url.drivername == "postgres":  # the scheme many hosting services hand out; SQLAlchemy wants postgresql
        url = url.set(drivername="postgresql")
    if url.get_backend_name() == "sqlite":
        return _sqlite(url, settings)
    return _server(url, settings)


def _server(url: sa.engine.URL, settings: EngineSettings) -> sa.engine.Engine:
    kwargs: Dict[Text, Any] = {"connect_args": dict(create_engine_kwargs(url).get("connect_args") or {})}
    if url.get_backend_name() == "postgresql":
        kwargs["connect_args"].update(connect_timeout=max(2, round(float(settings.connect_timeout))),
                                      application_name="legcare")
    return sa.create_engine(url, pool_size=int(settings.pool_size), max_overflow=int(settings.max_overflow),
                            pool_pre_ping=True, **kwargs)


def _sqlite(url: sa.engine.URL, settings: EngineSettings) -> sa.engine.Engine:
    connect_args = {"check_same_thread": False, "timeout": float(settings.busy_timeout)}
    if url.database in (None, "", ":memory:"):  # one database per connection: keep exactly one
        return sa.create_engine(url, poolclass=sa.pool.StaticPool, connect_args=connect_args)
    synchronous = str(settings.sqlite_synchronous).upper()
    engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=int(settings.pool_size),
                              max_overflow=int(settings.max_overflow), pool_pre_ping=True,
                              connect_args=connect_args)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return engine
