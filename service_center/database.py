"""Engine set-up that differs between the embedded SQLite database and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# True while the current request or job only reads: its SQLite transactions then begin DEFERRED and hold
# no write lock (WAL readers never block writers). Everything else begins IMMEDIATE.
_reads_only: ContextVar[bool] = ContextVar("sqlite_reads_only", default=False)


@contextmanager
def reads_only() -> Iterator[None]:
    """Mark the enclosed work as read-only, so SQLite transactions started in it take no write lock."""
    token = _reads_only.set(True)
    try:
        yield
    finally:
        _reads_only.reset(token)


def set_reads_only(value: bool) -> object:
    """Set the flag for the current context (a request); returns a token for :func:`reset_reads_only`."""
    return _reads_only.set(value)


def reset_reads_only(token: object) -> None:
    _reads_only.reset(token)  # type: ignore[arg-type]


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Make SQLite safe for several processes: WAL, a busy timeout, and write transactions that begin IMMEDIATE.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` emits
    ``BEGIN IMMEDIATE``: the write lock is taken at the start, so two processes that read and then write
    wait for each other (up to the busy timeout) instead of failing with "database is locked".
    Work marked with :func:`reads_only` (GET requests) begins DEFERRED instead.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN" if _reads_only.get() else "BEGIN IMMEDIATE")
