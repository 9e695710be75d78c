"""The calendar page in Chinese (weekdays, holiday names, sources), and removing a local entry, which recomputes
open deadlines as adding one does."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import CalendarDay, CalendarSource, Role
from service_center.services.calendar_days import holiday_name, remove_calendar_day
from service_center.services.clock import seed_calendar_from_package, set_calendar_day
from service_center.services.reception import accept
from tests.conftest import extract_csrf
from tests.services.conftest import at


def test_the_national_holidays_have_their_chinese_names():
    assert [holiday_name(n) for n in ("Spring Festival", "Tomb-sweeping Day", "Mid-autumn Festival", "National Day",
                                      "New Year's Day", "Labour Day", "Dragon Boat Festival")] == [
        "春节", "清明节", "中秋节", "国庆节", "元旦", "劳动节", "端午节"]
    assert holiday_name("台风停工") == "台风停工"  # the centre's own notes as they are


def test_the_calendar_page_is_in_chinese_throughout(client, login_as):
    login_as(Role.ADMIN)
    seed_calendar_from_package(2026)
    assert db.session.get(CalendarDay, date(2026, 10, 2)).note == "National Day"  # as the package names it
    set_calendar_day(date(2026, 3, 4), False, "台风停工")
    db.session.commit()
    html = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    table = html[html.index("<table"):]
    assert "春节" in table
    assert "国庆节" in table
    assert "中秋节" in table
    assert "台风停工" in table
    assert "星期一" in table
    assert "星期三" in table
    assert "国家放假安排" in table
    assert "本地调整" in table
    english = re.findall(r">[^<]*\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Festival|National Day|package|local)\b", table)
    assert english == []


def _remove_form(html: str, day: str) -> str:
    match = re.search(r'<form method="post" action="(/admin/calendar/days/' + day + r'/remove)"[^>]*'
                      r'onsubmit="return window\.confirm\(', html)
    assert match, f"no confirmed remove form for {day}"
    return match.group(1)


def test_removing_a_local_closure_moves_open_deadlines_back(client, login_as, hall):
    login_as(Role.ADMIN)
    case = hall.receive(day="2026-03-02")
    accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    set_calendar_day(date(2026, 3, 4), False, "台风停工")
    db.session.commit()
    assert case.due_promised == date(2026, 3, 17)
    html = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    action = _remove_form(html, "2026-03-04")
    response = client.post(action, data={"csrf_token": extract_csrf(html)})
    assert response.status_code == 302
    assert "已删除 2026-03-04 的本地调整" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2026, 3, 4)) is None
    assert case.due_promised == date(2026, 3, 16)  # back to the date before the closure


def test_removing_a_local_change_of_a_national_day_restores_the_national_schedule(client, login_as, hall):
    login_as(Role.ADMIN)
    seed_calendar_from_package(2026)
    case = hall.receive(day="2026-09-28")
    accept(case, hall.actor("clerk"), when=at("2026-09-28"))
    db.session.commit()
    national_due = case.due_promised
    set_calendar_day(date(2026, 10, 10), False, "暂停办公")  # the make-up Saturday taken off locally
    db.session.commit()
    assert case.due_promised > national_due
    html = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "/admin/calendar/days/2026-10-01/remove" not in html  # national days have no remove button
    client.post(_remove_form(html, "2026-10-10"), data={"csrf_token": extract_csrf(html)})
    db.session.expire_all()
    row = db.session.get(CalendarDay, date(2026, 10, 10))
    assert (row.is_workday, row.note, row.source) == (True, "National Day", CalendarSource.PACKAGE)
    assert case.due_promised == national_due


def test_a_national_day_or_a_missing_entry_is_not_removed(client, login_as):
    login_as(Role.ADMIN)
    seed_calendar_from_package(2026)
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay))
    html = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    token = extract_csrf(html)
    for day in ("2026-10-01", "2026-03-04"):
        response = client.post(f"/admin/calendar/days/{day}/remove", data={"csrf_token": token})
        assert response.status_code == 302
        assert f"{day} 没有可删除的本地调整" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.post("/admin/calendar/days/2026-13-45/remove", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/calendar/days/2026-03-04/remove").status_code == 400  # no CSRF token
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == count
    assert db.session.get(CalendarDay, date(2026, 10, 1)).source == CalendarSource.PACKAGE


def test_the_service_reports_nothing_to_remove(app):
    assert remove_calendar_day(date(2026, 3, 4)) is None
    set_calendar_day(date(2026, 3, 4), False)
    assert remove_calendar_day(date(2026, 3, 4)) == 0  # no open cases to recompute
    assert db.session.get(CalendarDay, date(2026, 3, 4)) is None
