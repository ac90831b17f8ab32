"""Database calls of the tracker store that outlast a database restart (components/tracker_store.py).

`RetryPolicy().run(engine, work)` opens a connection, runs `work(connection)`
(in one transaction when it writes) and, if the database could not be
reached or the connection was lost, runs it again:

- "lost": SQLAlchemy saw the connection die under a statement or a COMMIT
  (it then replaces every connection of the pool opened before): run again
  at once, then with back-off;
- "unreachable": no connection could be opened (connection refused while
  the database restarts, "the database system is starting up", a connect
  timeout): run again after 0.05 s, 0.1 s, 0.2 s... (at most `max_delay`);

until it succeeds or `budget` seconds have passed since the first try; then
the last error is raised, and the turn fails with the channel's error. Any
other error (a wrong password, a missing database, SQL errors, an SQLite
lock held past busy_timeout) is raised at once: waiting would not help.

`work` must be safe to run again. A write whose COMMIT was cut off may have
been stored or not; the store's write counts the rows stored for the
conversation before it appends, so running it again adds only what is
missing. Log lines name the exception type only, never its text or a row.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Text, TypeVar

import sqlalchemy as sa

logger = logging.getLogger(__name__)
T = TypeVar("T")

# errors at connect time that waiting does not cure (PostgreSQL's and SQLite's wording; libpq gives no code)
PERMANENT = ("authentication failed", "no pg_hba.conf entry", "does not exist", "unable to open database file",
             "permission denied")


class _Retryable(Exception):
    def __init__(self, cause: sa.exc.DBAPIError, kind: Text) -> None:
        super().__init__(kind)
        self.cause, self.kind = cause, kind


def _permanent(exc: sa.exc.DBAPIError) -> bool:
    text = str(exc.orig if exc.orig is not None else exc)
    return any(marker in text for marker in PERMANENT)


def _attempt(engine: sa.engine.Engine, work: Callable[[Any], T], write: bool) -> T:
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as exc:
        if _permanent(exc):
            raise
        raise _Retryable(exc, "unreachable") from exc
    try:
        with connection:
            if not write:
                return work(connection)
            with connection.begin():
                return work(connection)
    except sa.exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise _Retryable(exc, "lost") from exc
        raise


@dataclass(frozen=True)
class RetryPolicy:
    budget: float = 5.0  # seconds from the first try after which a call that keeps failing fails
    first_delay: float = 0.05
    max_delay: float = 0.5

    def __post_init__(self) -> None:
        if float(self.budget) < 0:
            raise ValueError(f"retry_seconds must be 0 or more seconds, not {self.budget!r}")

    def run(self, engine: sa.engine.Engine, work: Callable[[Any], T], write: bool = False,
            budget: Optional[float] = None, asked_at: Optional[float] = None) -> T:
        """work(connection), run again while the database is briefly away (see the module's docstring).

        `asked_at`: when the call was asked for (time.monotonic()), if it waited for a thread before
        running; the budget counts from then, so a turn queued behind others does not wait twice.
        """
        start = time.monotonic() if asked_at is None else asked_at
        deadline = start + (self.budget if budget is None else budget)
        delay, attempt = self.first_delay, 1
        while True:
            try:
                result = _attempt(engine, work, write)
            except _Retryable as failure:
                pause = 0.0 if failure.kind == "lost" and attempt == 1 else delay
                if time.monotonic() + pause > deadline:
                    if attempt > 1 or budget != 0:
                        logger.warning("Tracker store: database %s (%s); gave up after %d attempts in %.1f s",
                                       failure.kind, type(failure.cause).__name__, attempt,
                                       time.monotonic() - start)
                    raise failure.cause from None
                if attempt == 1:
                    logger.warning("Tracker store: database %s (%s); trying again for up to %.1f s",
                                   failure.kind, type(failure.cause).__name__, deadline - start)
                time.sleep(pause)
                if pause:
                    delay = min(delay * 2, self.max_delay)
                attempt += 1
                continue
            if attempt > 1:
                logger.info("Tracker store: database call succeeded at attempt %d, after %.1f s", attempt,
                            time.monotonic() - start)
            return result
