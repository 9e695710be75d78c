"""The case list's filters (department, window, item, state, kind, warning level, date ranges) and its Excel
export: each filter narrows as it should, combined with search and paging, within the user's scope."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from service_center.case_labels import WARNING_LABELS, state_choices
from service_center.extensions import db
from service_center.models import CasePause, ItemStatus, ProcedureType, Role
from service_center.queries.deadlines import WARNING_LEVELS
from service_center.services import reception
from service_center.services.clock import local_today
from service_center.services.complaints import open_rectification, receive_complaint
from service_center.services.core import Actor
from service_center.services.intake import Applicant
from service_center.services.reception import receive_application
from tests.conftest import login
from tests.hall import at

ROW_NUMBER = re.compile(r'<tr class="case-row">\s*<td[^>]*><a href="/cases/\d+">([^<]+)</a>')


def sign_in(client, user) -> None:
    db.session.commit()
    assert login(client, user.username).status_code == 302


def listed(client, query: str = "") -> set[str]:
    """The case numbers the list shows for this query string (one page)."""
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return set(ROW_NUMBER.findall(response.get_data(as_text=True)))


def exported(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def town(hall, make_window, make_user, make_item):
    """The hall plus a second department's window, clerk and item, with cases at both windows:

    - ``a``: committed item, window 1, received 2026-03-02, under review
    - ``b``: instant item, window 1, received 2026-03-05, refused (closed that day)
    - ``c``: the other department's item at window 2, received 2026-03-10, just received
    """
    window2 = make_window(department=hall.other)
    clerk2 = make_user(Role.CLERK, windows=[window2], department=hall.other)
    item2 = make_item(department=hall.other, name="建筑工程施工许可")
    item2.windows = [window2]
    a = hall.receive(day="2026-03-02", name="张三")
    reception.accept(a, hall.actor("clerk"), when=at("2026-03-02"))
    b = hall.receive(hall.instant, day="2026-03-05", name="李四")
    reception.refuse(b, hall.actor("clerk"), "不属于本机关职权范围", when=at("2026-03-05"))
    c = receive_application(item=item2, window=window2, clerk=clerk2, when=at("2026-03-10"),
                            applicant=Applicant("王五", "330102199001011234", "13900000000"))
    db.session.flush()
    return {"hall": hall, "window2": window2, "clerk2": clerk2, "item2": item2, "a": a, "b": b, "c": c}


def numbers(*cases) -> set[str]:
    return {c.number for c in cases}


def test_each_filter_narrows_the_list(client, town):
    hall, a, b, c = town["hall"], town["a"], town["b"], town["c"]
    assert b.closed_on == date(2026, 3, 5)
    sign_in(client, hall.manager)
    assert listed(client) == numbers(a, b, c)
    assert listed(client, f"department={hall.other.id}") == numbers(c)
    assert listed(client, f"department={hall.lead.id}") == numbers(a, b)
    assert listed(client, f"window={hall.window.id}") == numbers(a, b)
    assert listed(client, f"window={town['window2'].id}") == numbers(c)
    assert listed(client, f"item={hall.committed.code}") == numbers(a)
    assert listed(client, f"item={town['item2'].code}") == numbers(c)
    assert listed(client, "state=under_review") == numbers(a)
    assert listed(client, "state=refused") == numbers(b)
    assert listed(client, "received_from=2026-03-03") == numbers(b, c)
    assert listed(client, "received_to=2026-03-05") == numbers(a, b)
    assert listed(client, "received_from=2026-03-05&received_to=2026-03-05") == numbers(b)
    assert listed(client, "closed_from=2026-03-01&closed_to=2026-03-31") == numbers(b)
    assert listed(client, "closed_from=2026-03-06") == set()
    # Combined with each other and with the search box.
    assert listed(client, f"window={hall.window.id}&received_from=2026-03-03") == numbers(b)
    assert listed(client, f"window={hall.window.id}&q=张三") == numbers(a)
    assert listed(client, f"department={hall.other.id}&q=张三") == set()


def test_an_item_filter_covers_every_version_of_the_item(client, town, make_item):
    hall, a = town["hall"], town["a"]
    hall.committed.status = ItemStatus.SUPERSEDED
    db.session.flush()
    newer = make_item(department=hall.lead, code=hall.committed.code, version=2, name="新版事项名称")
    newer.windows = [hall.window]
    db.session.flush()
    later = hall.receive(newer, day="2026-03-12", name="赵六")
    sign_in(client, hall.manager)
    assert listed(client, f"item={hall.committed.code}") == numbers(a, later)
    html = client.get("/cases").get_data(as_text=True)
    assert f"{hall.committed.code} 新版事项名称" in html  # offered once, under its latest name
    assert html.count(f'<option value="{hall.committed.code}"') == 1


@pytest.fixture
def two_per_page(app, town):
    """Pages of two cases, and three more committed cases at the hall's window (received 2026-03-03)."""
    per_page = app.config["ITEMS_PER_PAGE"]
    app.config["ITEMS_PER_PAGE"] = 2
    yield [town["hall"].receive(day="2026-03-03", name=f"申请人{n}") for n in range(3)]
    app.config["ITEMS_PER_PAGE"] = per_page


def test_filters_are_kept_in_the_query_string_across_pages(client, town, two_per_page):
    hall = town["hall"]
    sign_in(client, hall.manager)
    query = f"window={hall.window.id}&item={hall.committed.code}"
    first = client.get(f"/cases?{query}").get_data(as_text=True)
    assert f"window={hall.window.id}&amp;item={hall.committed.code}&amp;page=2" in first
    both = listed(client, query) | listed(client, f"{query}&page=2")
    assert both == numbers(town["a"], *two_per_page)
    # The export link carries the same filters.
    assert re.search(rf'href="/cases/export.xlsx\?[^"]*window={hall.window.id}', first)


def test_warning_levels_use_the_deadline_predicates(client, hall):
    today = local_today()
    late, red, soon, calm, paused = (hall.receive(name=n) for n in ("甲", "乙", "丙", "丁", "戊"))
    joint = hall.receive(hall.joint, name="己")
    for case in (late, red, soon, calm, paused, joint):
        reception.accept(case, hall.actor("clerk"))
    dues = {late: (-3, 30), red: (-10, -2), soon: (0, 30), calm: (10, 30), paused: (-3, 30), joint: (10, 30)}
    for case, (promised, statutory) in dues.items():
        case.due_promised, case.due_statutory = today + timedelta(days=promised), today + timedelta(days=statutory)
    joint.steps[0].due_on = today - timedelta(days=1)
    db.session.add(CasePause(case_id=paused.id, procedure_type=ProcedureType.INSPECTION,
                             started_on=today - timedelta(days=5), expected_days=10, reason="检验"))
    db.session.flush()
    sign_in(client, hall.manager)
    assert listed(client, "due=overdue") == numbers(late, red, joint)
    assert listed(client, "due=statutory_overdue") == numbers(red)
    assert listed(client, "due=step_overdue") == numbers(joint)
    assert listed(client, "due=soon") == numbers(soon)
    assert listed(client, "due=paused") == numbers(paused)
    assert listed(client, "due=overdue&state=parallel_review") == numbers(joint)


def test_the_state_filter_offers_each_application_state_once(app, client, hall):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        choices = state_choices()
    values = [value for value, _label in choices]
    labels = [label for _value, label in choices]
    assert len(values) == len(set(values))
    assert len(labels) == len(set(labels))  # 不予受理 once: a complaint's "rejected" is not offered
    assert {"received", "under_review", "parallel_review", "forwarded_review", "processing", "closed"} <= set(values)
    assert not {"rejected", "opened", "called_back", "rectified", "reported"} & set(values)
    assert dict(choices)["received"] == "已收件"
    sign_in(client, hall.clerk)
    html = client.get("/cases").get_data(as_text=True)
    state_select = re.search(r'<select[^>]*name="state".*?</select>', html, re.S).group(0)
    assert state_select.count('value="received"') == 1
    assert 'value="opened"' not in state_select


def test_kind_filter_for_the_oversight_roles_only(client, hall):
    application = hall.receive(name="张三")
    complaint = receive_complaint(window=hall.window, complainant=Applicant("李四", "", "13900000000"),
                                  content="窗口人员态度差", actor=Actor.staff(hall.manager))
    task = open_rectification(application, actor=Actor.staff(hall.manager), reason="差评")
    sign_in(client, hall.manager)
    assert listed(client, "kind=application") == numbers(application)
    assert listed(client, "kind=complaint") == numbers(complaint)
    assert listed(client, "kind=rectification") == numbers(task)
    assert listed(client, "state=received") == numbers(application)  # application states, applications only


def test_a_clerk_has_no_kind_filter(client, hall):
    application = hall.receive(name="张三")
    complaint = receive_complaint(window=hall.window, complainant=Applicant("李四", "", "13900000000"),
                                  content="窗口人员态度差", actor=Actor.staff(hall.manager))
    sign_in(client, hall.clerk)
    html = client.get("/cases").get_data(as_text=True)
    assert 'name="kind"' not in html
    assert listed(client, "kind=complaint") == listed(client) == numbers(application)  # the argument is ignored
    assert complaint.number not in listed(client)


def test_a_clerk_is_offered_only_what_they_see(client, town):
    hall = town["hall"]
    sign_in(client, hall.clerk)
    html = client.get("/cases").get_data(as_text=True)
    window_select = re.search(r'<select[^>]*name="window".*?</select>', html, re.S).group(0)
    assert f'value="{hall.window.id}"' in window_select
    assert f'value="{town["window2"].id}"' not in window_select
    department_select = re.search(r'<select[^>]*name="department".*?</select>', html, re.S).group(0)
    assert f'value="{hall.other.id}"' not in department_select
    item_select = re.search(r'<select[^>]*name="item".*?</select>', html, re.S).group(0)
    assert town["item2"].code not in item_select
    # Asking for another window anyway is a field error, and shows nothing of it.
    response = client.get(f"/cases?window={town['window2'].id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'data-field="window"' in body
    assert town["c"].number not in body


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("department=abc", "department"),
        ("department=99999999999999999999", "department"),
        ("window=-1", "window"),
        ("item=NO-SUCH-ITEM", "item"),
        ("state=opened", "state"),
        ("due=red", "due"),
        ("kind=nonsense", "kind"),
        ("received_from=2026-13-45", "received_from"),
        ("received_from=yesterday", "received_from"),
        ("closed_to=99999-01-01", "closed_to"),
        ("received_from=2026-03-10&received_to=2026-03-01", "received_to"),
        ("closed_from=2026-03-10&closed_to=2026-03-01", "closed_to"),
    ],
)
def test_bad_filter_values_are_field_errors_and_are_ignored(client, town, query, field):
    sign_in(client, town["hall"].manager)
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-field="{field}"' in html
    assert set(ROW_NUMBER.findall(html)) == numbers(town["a"], town["b"], town["c"])  # that filter left out
    export = client.get(f"/cases/export.xlsx?{query}")
    assert export.status_code == 400  # never a wider export than asked for
    assert f'data-field="{field}"' in export.get_data(as_text=True)


def test_a_bad_filter_leaves_the_good_ones_applied(client, town):
    sign_in(client, town["hall"].manager)
    assert listed(client, f"window={town['window2'].id}&due=nonsense&received_from=x") == numbers(town["c"])


# -- the export -------------------------------------------------------------------------------------------------

HEADERS = ("办件编号", "事项", "申请人", "证件号码", "部门", "窗口", "状态", "收件时间", "受理日期", "办结期限",
           "法定办结期限", "办结日期", "预警", "暂停计时")


def test_the_export_has_every_matching_row_not_just_the_page(client, town, two_per_page):
    sign_in(client, town["hall"].manager)
    rows = exported(client.get(f"/cases/export.xlsx?window={town['hall'].window.id}"))
    assert rows[0] == HEADERS
    assert {row[0] for row in rows[1:]} == numbers(town["a"], town["b"], *two_per_page)
    assert len(rows) == 1 + 5


def test_the_export_rows_in_chinese_with_the_identity_masked(client, town):
    hall, a, b = town["hall"], town["a"], town["b"]
    sign_in(client, hall.manager)
    response = client.get(f"/cases/export.xlsx?item={hall.committed.code}", headers={"Accept-Language": "en"})
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    rows = exported(response)
    assert rows[0] == HEADERS  # Chinese whatever the interface language
    (row,) = rows[1:]
    by_header = dict(zip(HEADERS, row, strict=True))
    assert by_header["办件编号"] == a.number
    assert by_header["事项"] == hall.committed.name
    assert by_header["申请人"] == "张三"
    assert by_header["证件号码"] == "330***********1234"
    assert by_header["部门"] == hall.lead.name
    assert by_header["窗口"] == f"{hall.window.number} {hall.window.name}"
    assert by_header["状态"] == "审查中"
    assert by_header["收件时间"].date() == date(2026, 3, 2)
    assert by_header["受理日期"].date() == a.accepted_on
    assert by_header["办结期限"].date() == a.due_promised
    assert by_header["法定办结期限"].date() == a.due_statutory
    assert by_header["办结日期"] is None
    refused = exported(client.get("/cases/export.xlsx?state=refused"))[1]
    assert refused[0] == b.number
    assert refused[6] == "不予受理"
    assert refused[11].date() == date(2026, 3, 5)
    assert "330102199001011234" not in repr(exported(client.get("/cases/export.xlsx")))


def test_the_export_names_the_warnings(client, hall):
    today = local_today()
    red, late, paused = hall.receive(name="甲"), hall.receive(name="乙"), hall.receive(name="丙")
    for case in (red, late, paused):
        reception.accept(case, hall.actor("clerk"))
    red.due_promised, red.due_statutory = today - timedelta(days=10), today - timedelta(days=2)
    late.due_promised, late.due_statutory = today - timedelta(days=3), today + timedelta(days=30)
    paused.due_promised, paused.due_statutory = today + timedelta(days=5), today + timedelta(days=30)
    db.session.add(CasePause(case_id=paused.id, procedure_type=ProcedureType.INSPECTION,
                             started_on=today, expected_days=10, reason="检验"))
    sign_in(client, hall.manager)
    rows = {row[0]: row for row in exported(client.get("/cases/export.xlsx"))[1:]}
    assert rows[red.number][12] == "超过法定时限"
    assert rows[late.number][12] == "超期"
    assert rows[paused.number][12] in ("", None)
    assert rows[paused.number][13] == "暂停计时"
    assert {row[0] for row in exported(client.get("/cases/export.xlsx?due=statutory_overdue"))[1:]} == {red.number}


def test_a_clerk_cannot_export_another_windows_cases(client, town):
    hall, c = town["hall"], town["c"]
    sign_in(client, hall.clerk)
    everything = exported(client.get("/cases/export.xlsx"))
    assert {row[0] for row in everything[1:]} == numbers(town["a"], town["b"])
    assert c.number not in repr(everything)
    # Naming the other window is a field error, not an export of it.
    response = client.get(f"/cases/export.xlsx?window={town['window2'].id}")
    assert response.status_code == 400
    assert c.number not in response.get_data(as_text=True)
    # Searching for its number finds nothing either.
    assert exported(client.get(f"/cases/export.xlsx?q={c.number}"))[1:] == []


def test_the_export_needs_a_login(client):
    response = client.get("/cases/export.xlsx")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_text_that_looks_like_a_formula_stays_text(client, hall):
    case = hall.receive(name="=HYPERLINK(\"http://x\")")
    sign_in(client, hall.manager)
    response = client.get("/cases/export.xlsx")
    rows = exported(response)
    assert rows[1][2] == case.applicant_name
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert sheet["C2"].data_type == "s"


def test_every_warning_level_has_a_label():
    assert tuple(WARNING_LABELS) == WARNING_LEVELS
