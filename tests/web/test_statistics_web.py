"""The statistics pages (#11 items 3-6): the dashboard and its drill-down and exports, the scorecard, the monthly
bulletin and the hall board: who sees what, bad input, the Excel round trip, an empty month."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from service_center.extensions import db
from service_center.models import Case, Role, Window
from service_center.services import reception
from service_center.services.clock import local_now
from service_center.services.core import Actor
from service_center.services.intake import Applicant
from service_center.services.reception import receive_application
from service_center.services.statistics import refresh_days
from tests.conftest import login
from tests.hall import Hall, at

MARCH = "2026-03"


@dataclass
class Centre:
    hall: Hall
    other_window: Window
    overdue: Case  # accepted 2 March at the lead window, still open: overdue by the end of March
    waiting: Case  # received 3 March at the lead window, not accepted
    other_case: Case  # accepted 4 March at the other department's window, overdue too


@pytest.fixture
def centre(hall: Hall, make_window, make_user, make_item) -> Centre:
    other_window = make_window(department=hall.other)
    other_clerk = make_user(Role.CLERK, windows=[other_window], department=hall.other)
    other_item = make_item(department=hall.other)
    other_item.windows = [other_window]
    overdue = hall.receive(day="2026-03-02", name="张三")
    reception.accept(overdue, hall.actor("clerk"), when=at("2026-03-02"))
    waiting = hall.receive(day="2026-03-03", name="李四")
    other_case = receive_application(item=other_item, window=other_window, clerk=other_clerk,
                                     applicant=Applicant("王五", "330102199001011234", "13800000000"),
                                     when=at("2026-03-04"))
    reception.accept(other_case, Actor.staff(other_clerk), when=at("2026-03-04"))
    refresh_days(date(2026, 3, 1), date(2026, 3, 31))
    db.session.commit()
    return Centre(hall, other_window, overdue, waiting, other_case)


def _sign_in(client, user) -> None:  # type: ignore[no-untyped-def]
    db.session.commit()
    assert login(client, user.username).status_code == 302


class _TableReader(HTMLParser):
    """The body and foot rows of one table: each row as {data-column: data-value, or the cell's text}."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.section = table_id, False, ""
        self.rows: list[tuple[str, dict[str, str]]] = []
        self.cell: tuple[str, str | None] | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif self.inside and tag == "tr" and self.section != "thead":
            self.rows.append((self.section, {}))
        elif self.inside and tag == "td" and "data-column" in found:
            self.cell, self.text = (found["data-column"] or "", found.get("data-value")), ""

    def handle_data(self, data: str) -> None:
        self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "td" and self.cell is not None:
            column, value = self.cell
            self.rows[-1][1][column] = value if value is not None else self.text.strip()
            self.cell = None


def table(html: str, table_id: str) -> dict[str, dict[str, str]]:
    """{row label: {column: value}} of a statistics table; the totals row (its foot) is "TOTAL"."""
    reader = _TableReader(table_id)
    reader.feed(html)
    assert reader.rows, f"no table {table_id}"
    return {"TOTAL" if section == "tfoot" else cells["label"]: cells for section, cells in reader.rows if cells}


def workbook_rows(data: bytes, sheet: int | str = 0) -> list[tuple]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    return list(ws.iter_rows(values_only=True))


def same(shown: str, cell: object) -> bool:
    """A page's figure (data-value, "" for no rate) and the workbook's cell hold the same number."""
    return cell is None if shown == "" else cell is not None and float(shown) == float(cell)  # type: ignore[arg-type]


def dashboard(client, **args: str):  # type: ignore[no-untyped-def]
    return client.get("/statistics", query_string={"period": "month", "month": MARCH, **args})


def test_a_manager_sees_every_window_and_the_centre(client, centre):
    _sign_in(client, centre.hall.manager)
    response = dashboard(client, breakdown="window")
    assert response.status_code == 200
    rows = table(response.get_data(as_text=True), "stats-table")
    lead, other = centre.hall.window, centre.other_window
    assert rows[f"{lead.number} {lead.name}"]["received"] == "2"
    assert rows[f"{lead.number} {lead.name}"]["accepted"] == "1"
    assert rows[f"{lead.number} {lead.name}"]["overdue_open"] == "1"
    assert rows[f"{other.number} {other.name}"]["received"] == "1"
    assert rows["TOTAL"]["received"] == "3"
    assert rows["TOTAL"]["overdue_open"] == "2"
    assert rows["TOTAL"]["completion_rate"] == "0.0"  # 0 closed of 2 accepted
    assert rows["TOTAL"]["on_time_rate_promised"] == ""  # nothing closed: no rate


@pytest.mark.parametrize("breakdown", ["department", "item", "clerk"])
def test_every_breakdown_adds_up_to_the_centre(client, centre, breakdown):
    _sign_in(client, centre.hall.manager)
    rows = table(dashboard(client, breakdown=breakdown).get_data(as_text=True), "stats-table")
    totals = rows.pop("TOTAL")
    assert sum(int(r["received"]) for r in rows.values()) == int(totals["received"]) == 3


def test_the_excel_export_holds_the_pages_numbers(client, centre):
    _sign_in(client, centre.hall.manager)
    page = table(dashboard(client, breakdown="window").get_data(as_text=True), "stats-table")
    response = client.get("/statistics/export.xlsx",
                          query_string={"period": "month", "month": MARCH, "breakdown": "window"})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = workbook_rows(response.data)
    assert rows[0][0].startswith("统计")  # the heading line, then the headers
    headers = rows[1]
    assert headers[:4] == ("名称", "收件", "受理", "办结")
    keys = ["label", "received", "accepted", "closed", "completion_rate", "on_time_rate_promised",
            "on_time_rate_statutory", "overdue_open", "overdue_closed", "instant_rate", "average_working_days",
            "satisfaction_rate", "bad_rate", "coverage_rate", "rectification_rate", "complaints",
            "complaints_per_thousand", "cards_yellow", "cards_red"]
    assert len(headers) == len(keys)
    exported = {("TOTAL" if index == len(rows) - 3 else row[0]): row for index, row in enumerate(rows[2:])}
    assert set(exported) == set(page)
    for label, cells in page.items():
        for index, key in enumerate(keys[1:], start=1):
            assert same(cells[key], exported[label][index]), (label, key)


def test_a_head_sees_their_department_only_through_page_drill_down_and_export(client, centre):
    hall = centre.hall
    _sign_in(client, hall.head)
    other_label = f"{centre.other_window.number} {centre.other_window.name}"
    html = dashboard(client, breakdown="window").get_data(as_text=True)
    rows = table(html, "stats-table")
    assert set(rows) == {f"{hall.window.number} {hall.window.name}", "TOTAL"}
    assert rows["TOTAL"]["label"] == hall.lead.name
    assert rows["TOTAL"]["received"] == "2"
    assert other_label not in html
    departments = table(dashboard(client, breakdown="department").get_data(as_text=True), "stats-table")
    assert set(departments) == {hall.lead.name, "TOTAL"}

    period = {"period": "month", "month": MARCH, "measure": "overdue_open"}
    other = client.get("/statistics/cases", query_string={**period, "breakdown": "window",
                                                          "key": centre.other_window.id})
    assert other.status_code == 404
    assert client.get("/statistics/cases/export.xlsx", query_string={
        **period, "breakdown": "department", "key": hall.other.id}).status_code == 404
    everything = client.get("/statistics/cases", query_string={**period, "breakdown": "centre"})
    assert centre.overdue.number in everything.get_data(as_text=True)
    assert centre.other_case.number not in everything.get_data(as_text=True)
    exported = workbook_rows(client.get("/statistics/cases/export.xlsx",
                                        query_string={**period, "breakdown": "centre"}).data)
    assert [row[0] for row in exported[1:]] == [centre.overdue.number]

    rows = workbook_rows(client.get("/statistics/export.xlsx", query_string={
        "period": "month", "month": MARCH, "breakdown": "window"}).data)
    assert other_label not in {row[0] for row in rows}
    bulletin = client.get("/statistics/bulletin", query_string={"month": MARCH}).get_data(as_text=True)
    assert centre.other_case.number not in bulletin
    assert other_label not in bulletin
    assert centre.overdue.number in bulletin


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.ADMIN])
def test_other_roles_get_403(client, login_as, role):
    login_as(role)
    for path in ("/statistics", "/statistics/export.xlsx", "/statistics/cases?measure=received",
                 "/statistics/scorecard", "/statistics/bulletin", "/statistics/bulletin.xlsx", "/hall-board",
                 "/hall-board.json"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize(("args", "field"), [
    ({"period": "decade"}, "period"),
    ({"breakdown": "planet"}, "breakdown"),
    ({"period": "month", "month": "2026-13"}, "month"),
    ({"period": "day", "day": "yesterday"}, "day"),
    ({"period": "quarter", "year": "abc"}, "year"),
    ({"period": "quarter", "year": "2026", "quarter": "5"}, "quarter"),
    ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "end"),
    ({"period": "custom", "start": "2026-03-10"}, "end"),
    ({"period": "custom", "start": "2020-01-01", "end": "2026-01-01"}, "end"),
    ({"period": "week", "day": "9999-12-31"}, "day"),
    ({"period": "month", "month": "0001-01"}, "month"),
    ({"period": "custom", "start": "1999-12-31", "end": "2000-01-02"}, "start"),
])
def test_bad_input_is_a_field_error_never_a_500(client, login_as, args, field):
    login_as(Role.MANAGER)
    for path in ("/statistics", "/statistics/export.xlsx"):
        response = client.get(path, query_string=args)
        assert response.status_code == 400, path
        assert f'data-field="{field}"' in response.get_data(as_text=True)
    assert client.get("/statistics/cases", query_string={**args, "measure": "received"}).status_code == 400


@pytest.mark.parametrize("args", [{"measure": "secrets"}, {"measure": "received", "key": "x"},
                                  {"measure": "received", "breakdown": "window", "key": "99999999999"}])
def test_a_bad_drill_down_is_400(client, login_as, args):
    login_as(Role.MANAGER)
    assert client.get("/statistics/cases", query_string=args).status_code == 400


@pytest.mark.parametrize(("args", "label"), [
    ({"period": "day", "day": "2026-03-02"}, "2026-03-02"),
    ({"period": "week", "day": "2026-03-04"}, "2026-W10"),
    ({"period": "quarter", "year": "2026", "quarter": "1"}, "2026-Q1"),
    ({"period": "custom", "start": "2026-03-02", "end": "2026-03-03"}, "2026-03-02 – 2026-03-03"),
])
def test_each_period_kind(client, centre, args, label):
    _sign_in(client, centre.hall.manager)
    response = client.get("/statistics", query_string={**args, "breakdown": "window"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert label in html
    received = int(table(html, "stats-table")["TOTAL"]["received"])
    assert received == {"2026-03-02": 1, "2026-W10": 3, "2026-Q1": 3, "2026-03-02 – 2026-03-03": 2}[label]


def test_the_drill_down_lists_a_windows_overdue_cases_and_exports_them(client, centre):
    _sign_in(client, centre.hall.manager)
    html = dashboard(client, breakdown="window").get_data(as_text=True)
    pattern = rf'href="(/statistics/cases\?[^"]*key={centre.hall.window.id}&[^"]*measure=overdue_open[^"]*)"'
    link = re.search(pattern, html.replace("&amp;", "&"))
    assert link, "the overdue figure links to its cases"
    page = client.get(link.group(1))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert centre.overdue.number in text
    assert centre.waiting.number not in text
    assert centre.other_case.number not in text
    exported = client.get(link.group(1).replace("/statistics/cases?", "/statistics/cases/export.xlsx?"))
    rows = workbook_rows(exported.data)
    assert rows[0][:3] == ("办件编号", "事项", "申请人")
    assert [row[0] for row in rows[1:]] == [centre.overdue.number]


def test_the_scorecard_ranks_windows_and_departments(client, centre):
    _sign_in(client, centre.hall.manager)
    response = client.get("/statistics/scorecard", query_string={"month": MARCH})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    windows = table(html, "score-windows")
    assert set(windows) == {f"{w.number} {w.name}" for w in (centre.hall.window, centre.other_window)}
    assert 'data-part="timeliness"' in html
    rows = workbook_rows(client.get("/statistics/scorecard.xlsx", query_string={"month": MARCH}).data)
    assert rows[2][:3] == ("名次", "名称", "效能得分")
    assert {row[1] for row in rows[3:]} == set(windows)
    for row in rows[3:]:
        assert same(windows[row[1]]["total"], row[2])


def test_the_bulletin_of_a_month_page_print_and_workbook(client, centre):
    _sign_in(client, centre.hall.manager)
    page = client.get("/statistics/bulletin", query_string={"month": MARCH})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "月通报" in html
    assert centre.overdue.number in html
    assert centre.other_case.number in html
    assert "张三" not in html
    assert "王五" not in html
    overview = table(html, "bulletin-department-figures")
    assert overview["TOTAL"]["received"] == "3"
    assert '超期未办结 <span class="muted">(2)</span>' in html  # the list's count is the figure's
    printable = client.get("/statistics/bulletin", query_string={"month": MARCH, "print": "1"})
    assert printable.status_code == 200
    assert 'class="topbar' not in printable.get_data(as_text=True)
    assert centre.overdue.number in printable.get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get("/statistics/bulletin.xlsx",
                                                   query_string={"month": MARCH}).data), read_only=True)
    assert workbook.sheetnames[:3] == ["概况", "窗口排名", "部门排名"]
    overview_rows = list(workbook["概况"].iter_rows(values_only=True))
    assert overview_rows[2][1] == 3  # received, as on the page
    overdue_rows = list(workbook["超期未办结"].iter_rows(values_only=True))
    assert {row[0] for row in overdue_rows[1:]} == {centre.overdue.number, centre.other_case.number}
    assert all(row[2] in ("张*", "王*") for row in overdue_rows[1:])  # names masked


def test_a_month_without_cases_renders(client, login_as):
    login_as(Role.MANAGER)
    for query in ({"month": "2025-01"}, {"month": "2025-01", "print": "1"}):
        response = client.get("/statistics/bulletin", query_string=query)
        assert response.status_code == 200
        assert "2025-01" in response.get_data(as_text=True)
    assert table(client.get("/statistics/bulletin?month=2025-01").get_data(as_text=True),
                 "bulletin-department-figures")["TOTAL"]["received"] == "0"
    workbook = load_workbook(io.BytesIO(client.get("/statistics/bulletin.xlsx?month=2025-01").data), read_only=True)
    assert len(list(workbook["超期未办结"].iter_rows(values_only=True))) == 1  # headers only
    assert client.get("/statistics/scorecard?month=2025-01").status_code == 200
    assert client.get("/statistics?period=month&month=2025-01").status_code == 200


@pytest.mark.parametrize("month", ["2026-3x", "9999-12", "2026-00"])
def test_the_bulletin_refuses_a_bad_month(client, login_as, month):
    login_as(Role.MANAGER)
    for path in ("/statistics/bulletin", "/statistics/bulletin.xlsx", "/statistics/scorecard",
                 "/statistics/scorecard.xlsx"):
        response = client.get(path, query_string={"month": month})
        assert response.status_code == 400, path
        assert 'data-field="month"' in response.get_data(as_text=True)


def test_the_hall_board_json_gives_todays_figures_only(client, centre):
    hall = centre.hall
    now = local_now()
    today = hall.receive(day=now.date().isoformat(), name="赵六")
    refresh_days(now.date(), now.date())
    _sign_in(client, hall.manager)
    response = client.get("/hall-board.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["day"] == now.date().isoformat()
    rows = {row["number"]: row for row in data["windows"]}
    assert rows[hall.window.number] == {"number": hall.window.number, "name": hall.window.name, "received": 1,
                                        "closed": 0, "waiting": 1, "overdue": 1, "satisfaction": None}
    assert rows[centre.other_window.number]["received"] == 0
    assert data["totals"]["received"] == 1
    assert data["totals"]["waiting"] == 1
    text = response.get_data(as_text=True)
    assert today.number not in text
    assert "赵六" not in text
    assert "330102" not in text
    page = client.get("/hall-board")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-url="/hall-board.json"' in html
    assert "hall_board.js" in html
    assert f'data-window="{hall.window.number}"' in html


def test_the_hall_board_asks_anonymous_visitors_to_sign_in(client):
    assert client.get("/hall-board.json").status_code == 302
    assert client.get("/hall-board").status_code == 302


@pytest.mark.parametrize(("role", "board"), [(Role.MANAGER, True), (Role.SUPERVISOR, True), (Role.DEPT_HEAD, False)])
def test_the_landing_page_and_nav_link_the_statistics_pages(client, login_as, role, board):
    login_as(role)
    html = client.get("/").get_data(as_text=True)
    for path in ("/statistics", "/statistics/scorecard", "/statistics/bulletin"):
        assert f'href="{path}"' in html, path
    assert ('href="/hall-board"' in html) is board  # the board shows the whole centre
    if not board:
        assert client.get("/hall-board").status_code == 403


def test_a_clerk_has_no_statistics_link(client, login_as):
    login_as(Role.CLERK)
    assert 'href="/statistics"' not in client.get("/").get_data(as_text=True)


def test_echarts_is_served_by_the_app(client):
    response = client.get("/static/vendor/echarts/echarts.min.js")
    assert response.status_code == 200
    assert b"echarts" in response.data[:2000]
    response.close()


def test_the_pages_forbid_inline_and_foreign_scripts(client, login_as):
    login_as(Role.MANAGER)
    for path in ("/statistics", "/statistics/bulletin?print=1", "/hall-board"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy, path
        assert "frame-ancestors 'none'" in policy
