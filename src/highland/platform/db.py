"""Database engine, sessions and the declarative base (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from highland.platform.config import get_settings
from highland.platform.kit import clock
from highland.platform.kit.fifo import FifoLock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; SQLite gets it back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Refuse naive datetimes and normalise to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Highland stores only timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Attach UTC where the driver returns a naive value (SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time, timezone-aware (from the one clock, `kit.clock`)."""
    return clock.now()


# How long SQLite waits for another connection's lock before answering "database is locked":
# the CLI, imports and background jobs queue for up to 30 s; requests wait less
# (HIGHLAND_SQLITE_BUSY_MS, see request_engine).
BUSY_MS = 30000


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; SQLAlchemy's
    # documented remedy is to switch it off and emit BEGIN ourselves (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets readers run while one writer works; busy_timeout makes writers queue, not fail.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    cur.execute("PRAGMA cache_size=-200000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # A writing transaction starts IMMEDIATE (see begin_write): it takes SQLite's write lock
    # at once, so that concurrent writers queue on busy_timeout instead of failing when they
    # later upgrade a read snapshot that another writer has made stale.
    options = conn.get_execution_options()
    # How long this transaction may wait for the lock (see wait_at_most, request_engine): set
    # at every BEGIN, since a pooled connection keeps whatever its previous user set.
    busy_ms = int(options.get("highland_busy_ms", BUSY_MS))
    mode = options.get("highland_sqlite_begin", "")
    queue: FifoLock | None = options.get("highland_write_queue") if mode else None
    if queue is not None:  # a request's writer: first its turn among this process's writers
        started = time.monotonic()
        if not queue.acquire(busy_ms / 1000):
            raise WriteQueueTimeout(f"no turn to write within {busy_ms} ms")
        conn.info["highland_write_queue"] = queue
        busy_ms = max(0, busy_ms - int((time.monotonic() - started) * 1000))
    try:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_ms}")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())
    except BaseException:
        _leave_queue(conn.info)
        raise


class WriteQueueTimeout(SATimeoutError):
    """A request's writer did not get its turn within HIGHLAND_SQLITE_BUSY_MS (`is_busy`)."""


def _leave_queue(info: dict[str, Any]) -> None:
    queue: FifoLock | None = info.pop("highland_write_queue", None)
    if queue is not None:
        queue.release()


def _sqlite_end(conn: Any) -> None:
    _leave_queue(conn.info)


def _sqlite_checkin(_dbapi_conn: Any, record: Any) -> None:
    _leave_queue(record.info)  # a connection returned mid-transaction: its turn ends too


def begin_write(session: Session) -> None:
    """Declare, before its first statement, that the session's transaction will write.

    On SQLite this starts the transaction with BEGIN IMMEDIATE; on PostgreSQL it changes
    nothing (row locks and version checks do the work there). A session that has already
    begun keeps its transaction as it is.
    """
    if session.in_transaction() or not is_sqlite(session):
        return
    session.connection(execution_options={"highland_sqlite_begin": "IMMEDIATE"})


def will_write(session: Session) -> None:
    """Declare that the session's transaction will write, without starting it: on SQLite it
    begins with BEGIN IMMEDIATE at its first statement (so the write lock is taken when the
    work starts, not while the request is still being routed). Elsewhere, or for a session
    bound to a connection, as begin_write."""
    if session.in_transaction() or not is_sqlite(session):
        return
    if not isinstance(session.get_bind(), Engine):
        begin_write(session)
        return
    # Session-wide options reach the connection its transaction begins on (_sqlite_begin);
    # sessions made later from the same engine are not affected.
    session.execution_options = session.execution_options.union(
        {"highland_sqlite_begin": "IMMEDIATE"}
    )


def wait_at_most(session: Session, ms: int) -> None:
    """Bound how long the session's next transaction waits for a lock held by another
    connection (SQLite: busy_timeout; PostgreSQL: lock_timeout), then fails with an
    OperationalError that `is_busy` recognises. Call it before the session's first statement.
    """
    if is_sqlite(session):
        if not session.in_transaction():
            session.connection(execution_options={"highland_busy_ms": max(0, int(ms))})
        return
    session.execute(text(f"SET LOCAL lock_timeout = {max(1, int(ms))}"))


def request_engine(engine: Engine, busy_ms: int) -> Engine:
    """The engine as requests use it (sharing the engine's connection pool). On SQLite:

    - a transaction waits at most `busy_ms` for the write lock (then the request answers
      503, see web.busy) instead of the CLI's 30 s;
    - the writing transactions (BEGIN IMMEDIATE) of this process queue for their turn in
      arrival order (kit.fifo) and only the first in line waits on SQLite's lock itself:
      SQLite's own wait is not first come, first served, so under many writers some would
      wait far longer than others.

    Other databases: the engine itself."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(
        highland_busy_ms=max(0, int(busy_ms)), highland_write_queue=FifoLock()
    )


# SQLSTATEs of PostgreSQL that mean "another transaction was in the way; try again":
# lock_not_available (lock_timeout), deadlock_detected, serialization_failure.
_PG_BUSY = {"55P03", "40P01", "40001"}


def is_busy(exc: BaseException) -> bool:
    """Tell whether a database error means the database was busy (SQLite locked past its
    busy_timeout, a PostgreSQL lock timeout, deadlock or serialization failure, or no free
    connection in the pool): the same request may succeed when tried again."""
    if isinstance(exc, SATimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _PG_BUSY:
        return True
    message = str(orig).lower()
    return isinstance(exc, OperationalError) and any(
        m in message for m in ("database is locked", "database table is locked")
    )


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
        event.listen(engine, "checkin", _sqlite_checkin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


@lru_cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Return a session factory bound to the engine."""
    return _factory(engine or get_engine())


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    """Tell whether the bound database is SQLite."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "sqlite"


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as a Table (for set-based statements)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
