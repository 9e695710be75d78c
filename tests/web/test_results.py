"""Published results (办件结果公示, /results): only decisions on items that publish them, within each item's window
counted from the decision day; a person's name masked, a company's in full, identity numbers and phones never;
filters by item, department and date range, bad filter input a field error (400). The item's settings in the
admin form and in the catalogue's export and import. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from service_center.extensions import db
from service_center.models import ApplicantKind, Case, Item, Role, User
from service_center.services import decisions, reception
from service_center.services.catalogue_io import export_csv, import_catalogue
from service_center.services.clock import local_today
from service_center.services.core import Actor
from service_center.services.intake import Applicant
from service_center.services.reception import receive_application
from tests.conftest import extract_csrf
from tests.hall import at

ID_NUMBER, PHONE = "330102199001011234", "13800000000"
CREDIT_CODE = "91330100MA2ABCDE1" + uscc.calc_check_digit("91330100MA2ABCDE1")


def _decided(hall, item: Item, name: str, *, days_ago: int, grant: bool = True,
             kind: ApplicantKind = ApplicantKind.PERSON, head: User | None = None) -> Case:
    """A case of ``item`` decided ``days_ago`` days before today (received and accepted a month earlier) by
    ``head`` (the hall's head unless given)."""
    day = local_today() - timedelta(days=days_ago)
    id_number = CREDIT_CODE if kind == ApplicantKind.ORGANISATION else ID_NUMBER
    case = receive_application(item=item, window=hall.window, clerk=hall.clerk,
                               applicant=Applicant(name, id_number, PHONE, kind),
                               when=at((day - timedelta(30)).isoformat()))
    reception.accept(case, hall.actor("clerk"), when=at((day - timedelta(29)).isoformat()))
    decisions.decide(case, Actor.staff(head or hall.head), grant=grant, reason="" if grant else "不符合条件",
                     when=at(day.isoformat()))
    db.session.commit()
    return case


def _listed(client, query: str = "") -> tuple[int, str]:
    response = client.get(f"/results{query}")
    return response.status_code, response.get_data(as_text=True)


def test_only_decisions_of_publishing_items_within_their_window_are_listed(app, hall, make_item):
    quiet = make_item(department=hall.lead, name="不公示事项", publish_results=False, windows=[hall.window])
    short = make_item(department=hall.lead, name="短期公示事项", publish_days=5, windows=[hall.window])
    recent = _decided(hall, hall.committed, "张三", days_ago=3)
    denied = _decided(hall, hall.committed, "李四", days_ago=0, grant=False)
    expired = _decided(hall, hall.committed, "王五", days_ago=31)
    last_day = _decided(hall, hall.committed, "赵六", days_ago=30)
    hidden = _decided(hall, quiet, "钱七", days_ago=1)
    short_in = _decided(hall, short, "孙八", days_ago=5)
    short_out = _decided(hall, short, "周九", days_ago=6)
    undecided = hall.receive(day=local_today().isoformat())
    db.session.commit()

    status, page = _listed(app.test_client())
    assert status == 200
    for case in (recent, denied, last_day, short_in):
        assert case.number in page
    for case in (expired, hidden, short_out, undecided):
        assert case.number not in page
    # Newest decision first, with its item, department, outcome and day.
    assert page.index(denied.number) < page.index(recent.number) < page.index(last_day.number)
    assert "不予许可" in page
    assert "准予许可" in page
    assert hall.committed.name in page
    assert hall.lead.name in page
    assert (local_today() - timedelta(days=3)).isoformat() in page

    # Turning publication off on the item's current version hides its past decisions at once.
    hall.committed.publish_results = False
    db.session.commit()
    status, page = _listed(app.test_client())
    assert recent.number not in page
    assert short_in.number in page


def test_the_applicant_is_masked_and_identity_numbers_and_phones_never_shown(app, hall):
    person = _decided(hall, hall.committed, "欧阳娜娜", days_ago=1)
    company = _decided(hall, hall.committed, "杭州某某科技有限公司", days_ago=2, kind=ApplicantKind.ORGANISATION)
    status, page = _listed(app.test_client())
    assert status == 200
    assert person.number in page
    assert company.number in page
    assert "欧**" in page
    assert "欧阳娜娜" not in page
    assert "杭州某某科技有限公司" in page
    for secret in (ID_NUMBER, CREDIT_CODE, PHONE, "138****", "330***", "913***"):
        assert secret not in page


def test_filters_by_item_department_and_decision_date(app, hall, make_item, make_user):
    other_item = make_item(department=hall.other, name="食品经营许可", keywords="食品许可证", windows=[hall.window])
    mine = _decided(hall, hall.committed, "张三", days_ago=10)
    food = _decided(hall, other_item, "李四", days_ago=2, head=make_user(Role.DEPT_HEAD, department=hall.other))
    client = app.test_client()

    def numbers(query: str) -> set[str]:
        status, page = _listed(client, query)
        assert status == 200
        return {c.number for c in (mine, food) if c.number in page}

    assert numbers("") == {mine.number, food.number}
    assert numbers("?item=食品") == {food.number}
    assert numbers("?item=spjy") == {food.number}  # pinyin initials
    assert numbers(f"?item={hall.committed.code}") == {mine.number}
    assert numbers(f"?department={hall.other.id}") == {food.number}
    assert numbers(f"?department={hall.lead.id}") == {mine.number}
    five_days_ago = (local_today() - timedelta(days=5)).isoformat()
    assert numbers(f"?decided_from={five_days_ago}") == {food.number}
    assert numbers(f"?decided_to={five_days_ago}") == {mine.number}
    assert numbers(f"?decided_from={five_days_ago}&decided_to={five_days_ago}") == set()


@pytest.mark.parametrize(("query", "field"), [
    ("?department=999999", "department"),
    ("?department=abc", "department"),
    ("?decided_from=2026-13-45", "decided_from"),
    ("?decided_to=yesterday", "decided_to"),
    ("?decided_from=2026-03-10&decided_to=2026-03-01", "decided_to"),
    ("?item=" + "x" * 101, "item"),
    ("?page=abc&decided_from=%00", None),
])
def test_bad_filter_input_is_a_field_error_and_the_rest_still_applies(app, hall, query, field):
    case = _decided(hall, hall.committed, "张三", days_ago=1)
    status, page = _listed(app.test_client(), query)
    if field is None:  # a NUL is refused before any view runs
        assert status == 400
        return
    assert status == 400
    assert f'data-field="{field}"' in page
    assert case.number in page  # the bad filter is left out


def test_results_are_paginated(app, hall):
    app.config["ITEMS_PER_PAGE"] = 2
    try:
        cases = [_decided(hall, hall.committed, "张三", days_ago=n) for n in range(3)]
        client = app.test_client()
        first, second = _listed(client)[1], _listed(client, "?page=2")[1]
        assert {c.number for c in cases if c.number in first} == {cases[0].number, cases[1].number}
        assert {c.number for c in cases if c.number in second} == {cases[2].number}
    finally:
        app.config["ITEMS_PER_PAGE"] = 20


def test_the_front_door_links_to_the_results(app):
    assert 'href="/results"' in app.test_client().get("/").get_data(as_text=True)


def test_publication_settings_in_the_item_form(client, login_as, hall):
    login_as(Role.ADMIN)
    item = hall.committed
    url = f"/admin/items/{item.id}/edit"
    page = client.get(url).get_data(as_text=True)
    checkbox = page.split('name="publish_results"')[0].rsplit("<input", 1)[1]
    assert "checked" in checkbox + page.split('name="publish_results"')[1].split(">", 1)[0]
    assert 'name="publish_days"' in page
    assert 'value="30"' in page
    data = {
        "csrf_token": extract_csrf(page), "name": item.name, "category": "licensing",
        "department_id": str(item.department_id), "case_type": "committed", "workflow_key": "",
        "statutory_limit_days": "20", "promised_limit_days": "10", "materials": "*申请书\n身份证复印件",
        "lead_department_id": "0", "join_rule": "", "acceptance_periods": "",
    }
    for bad in ("0", "99999", "abc"):
        refused = client.post(url, data={**data, "publish_results": "y", "publish_days": bad})
        assert refused.status_code == 400
        assert "has-error" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.code == item.code)) == 1
    saved = client.post(url, data={**data, "publish_days": "90"})  # the box unticked: not published
    assert saved.status_code == 302, saved.get_data(as_text=True)
    current = db.session.scalar(sa.select(Item).where(Item.code == item.code).order_by(Item.version.desc()).limit(1))
    assert (current.version, current.publish_results, current.publish_days) == (item.version + 1, False, 90)
    assert "不公示" in client.get(f"/admin/items/{current.id}").get_data(as_text=True)


def test_publication_settings_are_exported_and_imported(app, hall):
    hall.committed.publish_results = False
    hall.committed.publish_days = 60
    db.session.commit()
    exported = export_csv().decode("utf-8-sig")
    header, *rows = exported.splitlines()
    columns = header.split(",")
    assert columns[-2:] == ["publish_results", "publish_days"]
    row = next(r for r in rows if r.startswith(hall.committed.code + ","))
    assert row.endswith(",no,60")
    changed = exported.replace(row, row[: -len(",no,60")] + ",是,45")
    import_catalogue("items.csv", changed.encode("utf-8-sig"))
    db.session.commit()
    current = db.session.scalar(sa.select(Item).where(Item.code == hall.committed.code)
                                .order_by(Item.version.desc()).limit(1))
    assert (current.publish_results, current.publish_days) == (True, 45)
