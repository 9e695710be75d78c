"""Engine set-up that differs between the embedded SQLite database and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

# A pooled connection used less than this long ago is handed out without a ping (see ping_idle_connections).
IDLE_PING_SECONDS = 1.0

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


def ping_idle_connections(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Test a pooled connection before use only when it has been idle ``idle_seconds`` or more.

    ``pool_pre_ping`` pings on every checkout: one more round trip per request, though a connection that served
    a request a moment ago is alive. This pings the ones that sat in the pool (where a server restart or an idle
    timeout leaves dead connections); a dead one is replaced, as pre-ping does. A connection that dies while in
    use fails its statement, and SQLAlchemy then drops the whole pool, as before.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["service_center.idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.pop("service_center.idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # just connected, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: let the pool replace it (it retries the checkout)
            raise exc.DisconnectionError(str(error)) from error


def read_without_transaction(session: Session | scoped_session) -> None:
    """On PostgreSQL, run the rest of this request's statements in autocommit: no BEGIN and no ROLLBACK round trip.

    For views that only read (the public guide and tracking pages). Under PostgreSQL's default READ COMMITTED
    every statement takes its own snapshot either way, so the reads see the same data. Does nothing on SQLite or
    once the session holds a connection. The connection's isolation level is restored when it returns to the pool.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
