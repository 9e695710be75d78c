"""The calendar admin page and CLI: local closures and published years recompute open deadlines."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import CalendarDay, CalendarYear, Role
from service_center.services.reception import accept
from tests.conftest import extract_csrf
from tests.services.conftest import at


def test_calendar_page_lists_the_year_and_warns_about_unpublished_years(client, login_as):
    login_as(Role.ADMIN)
    db.session.add(CalendarDay(day=date(2026, 10, 1), is_workday=False, note="国庆节", source="package"))
    db.session.commit()
    html = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "2026-10-01" in html
    assert "国庆节" in html
    assert "2027" in html  # the unpublished next year is listed


def test_marking_a_local_closure_moves_open_deadlines(client, login_as, hall):
    login_as(Role.ADMIN)
    case = hall.receive(day="2026-03-02")
    accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    db.session.commit()
    before = case.due_promised
    assert before == date(2026, 3, 16)
    token = extract_csrf(client.get("/admin/calendar").get_data(as_text=True))
    response = client.post("/admin/calendar/days",
                           data={"day": "2026-03-04", "kind": "off", "note": "台风停工", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2026, 3, 4)).note == "台风停工"
    assert case.due_promised == date(2026, 3, 17)  # one working day later


@pytest.mark.parametrize("day", ["2026-13-45", "0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_bad_date_rerenders_with_an_error_and_stores_nothing(client, login_as, day):
    login_as(Role.ADMIN)
    token = extract_csrf(client.get("/admin/calendar").get_data(as_text=True))
    response = client.post("/admin/calendar/days", data={"day": day, "kind": "off", "csrf_token": token})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0


def test_publishing_a_year_makes_its_deadlines_final(client, login_as, hall):
    login_as(Role.ADMIN)
    case = hall.receive(day="2026-12-21")
    accept(case, hall.actor("clerk"), when=at("2026-12-21"))
    db.session.commit()
    assert case.due_provisional is True
    token = extract_csrf(client.get("/admin/calendar").get_data(as_text=True))
    assert client.post("/admin/calendar/years", data={"year": "2027", "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CalendarYear, 2027) is not None
    assert case.due_provisional is False


def test_cli_seeds_the_package_schedule_idempotently(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["calendar", "seed", "--since", "2025"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay))
    assert count > 20
    assert db.session.get(CalendarDay, date(2025, 1, 26)).is_workday is True  # Spring Festival make-up Sunday
    assert db.session.get(CalendarDay, date(2026, 2, 16)).is_workday is False
    assert runner.invoke(args=["calendar", "seed", "--since", "2025"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == count
    assert {2025, 2026} <= set(db.session.scalars(sa.select(CalendarYear.year)))


def test_cli_marks_a_day(app):
    result = app.test_cli_runner().invoke(args=["calendar", "set", "2027-02-08", "--off", "--note", "春节"])
    assert result.exit_code == 0, result.output
    assert db.session.get(CalendarDay, date(2027, 2, 8)).is_workday is False
