"""SQLite is configured for several writers: two transactions that read then write both succeed."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from service_center.database import configure_sqlite


def _engine(path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    configure_sqlite(engine, busy_timeout_ms=10_000)
    return engine


def test_pragmas_are_set(tmp_path):
    engine = _engine(tmp_path / "db.sqlite3")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_read_then_write_transactions_do_not_fail_with_database_locked(tmp_path):
    engine = _engine(tmp_path / "db.sqlite3")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def read_then_write() -> None:
        try:
            start.wait()
            with engine.begin() as conn:
                n = conn.exec_driver_sql("SELECT n FROM counter").scalar()
                time.sleep(0.05)  # both would hold a read snapshot here without BEGIN IMMEDIATE
                conn.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read_then_write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 4  # no lost update
    engine.dispose()
