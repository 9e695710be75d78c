"""The centre's calendar is checked once per session: remembered on a cache hit as on a miss, forgotten on a
calendar change or a rollback. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from flask import Flask

from service_center.extensions import db
from service_center.models import CalendarDay, CalendarSource, utcnow
from service_center.services.clock import publish_year, set_calendar_day, work_calendar


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the engine sends inside the block."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_a_cache_hit_is_remembered_by_the_session(app: Flask) -> None:
    built = work_calendar()  # builds it, or finds it in the process-wide cache
    db.session.info.pop("work_calendar")  # as a new session would start: the process-wide cache is warm
    with statements() as sent:
        hit = work_calendar()
    assert hit is built
    assert len(sent) == 1  # the stamp
    assert db.session.info["work_calendar"] is hit
    with statements() as sent:
        again = work_calendar()
    assert again is hit
    assert sent == []


def test_a_second_call_in_a_new_session_issues_no_sql(app: Flask) -> None:
    work_calendar()
    db.session.remove()  # the next request's session
    first = work_calendar()
    with statements() as sent:
        assert work_calendar() is first
        assert work_calendar() is first
    assert sent == []


def test_a_calendar_change_in_the_session_is_seen_at_once(app: Flask) -> None:
    closure = date(2026, 3, 5)  # Thursday
    assert work_calendar().is_workday(closure) is True
    set_calendar_day(closure, False, "停电闭厅", today=date(2026, 3, 4))
    changed = work_calendar()
    assert changed.is_workday(closure) is False
    with statements() as sent:
        assert work_calendar() is changed
    assert sent == []
    assert work_calendar().is_provisional(date(2027, 6, 1)) is True
    publish_year(2027, today=date(2026, 3, 4))
    assert work_calendar().is_provisional(date(2027, 6, 1)) is False
    assert work_calendar().is_workday(closure) is False


def test_a_rolled_back_change_is_forgotten(app: Flask) -> None:
    closure = date(2026, 3, 5)
    set_calendar_day(closure, False, "", today=date(2026, 3, 4))
    assert work_calendar().is_workday(closure) is False
    db.session.rollback()
    assert "work_calendar" not in db.session.info
    assert work_calendar().is_workday(closure) is True


def test_a_change_made_elsewhere_is_seen_by_the_next_session(app: Flask) -> None:
    closure = date(2026, 3, 5)
    assert work_calendar().is_workday(closure) is True
    db.session.commit()
    now = utcnow()
    with db.engine.begin() as conn:  # another worker process marks the closure
        conn.execute(sa.insert(CalendarDay).values(
            day=closure, is_workday=False, note="", source=CalendarSource.LOCAL, created_at=now, updated_at=now
        ))
    db.session.remove()  # the next request: the stamp has changed, the process-wide cache is not used
    assert work_calendar().is_workday(closure) is False
