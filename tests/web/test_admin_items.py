"""Catalogue admin pages: list and filters, detail, create, edit, publish, revise, import and export."""

from __future__ import annotations

import io

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import CaseType, Item, ItemStatus, Role
from service_center.services.catalogue_io import COLUMNS
from tests.conftest import extract_csrf


def _token(client, url: str = "/") -> str:
    return extract_csrf(client.get(url).get_data(as_text=True))


def _item_form(department, **overrides) -> dict:
    data = {
        "code": "XK-100",
        "name": "食品经营许可",
        "category": "licensing",
        "department_id": str(department.id),
        "case_type": "committed",
        "workflow_key": "",
        "statutory_limit_days": "20",
        "promised_limit_days": "10",
        "materials": "*申请书\n营业执照复印件",
        "lead_department_id": "0",
        "join_rule": "",
        "acceptance_periods": "",
        "fees": "不收费",
        "legal_basis": "",
        "conditions": "",
    }
    data.update(overrides)
    return data


def _count(**where) -> int:
    query = sa.select(sa.func.count()).select_from(Item)
    for key, value in where.items():
        query = query.where(getattr(Item, key) == value)
    return db.session.scalar(query)


def test_create_saves_a_draft(client, login_as, make_department, make_window):
    login_as(Role.ADMIN)
    department = make_department()
    window = make_window(department)
    db.session.commit()
    data = _item_form(department, window_ids=str(window.id), acceptance_periods="2026-03-01..2026-03-31")
    response = client.post("/admin/items/new", data={"csrf_token": _token(client, "/admin/items/new"), **data})
    assert response.status_code == 302
    item = db.session.scalar(sa.select(Item).where(Item.code == "XK-100"))
    assert item.status == ItemStatus.DRAFT
    assert [(m.name, m.is_key) for m in item.materials] == [("申请书", True), ("营业执照复印件", False)]
    assert [w.id for w in item.windows] == [window.id]
    assert len(item.acceptance_periods) == 1
    assert response.headers["Location"] == f"/admin/items/{item.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "营业执照复印件" in page


def test_field_errors_rerender_with_400_and_save_nothing(client, login_as, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    client.get("/lang/en")
    bad = [
        {"promised_limit_days": "30"},
        {"acceptance_periods": "2026-03-01"},
        {"case_type": "joint"},
        {"statutory_limit_days": "abc"},
        {"name": ""},
    ]
    messages = [
        "may not exceed the statutory",
        "is not a period like",
        "A joint item needs a lead department.",
        "Not a valid integer value.",
        "This field is required.",
    ]
    for overrides, message in zip(bad, messages, strict=True):
        token = _token(client, "/admin/items/new")
        response = client.post("/admin/items/new", data={"csrf_token": token, **_item_form(department, **overrides)})
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), overrides
    assert _count() == 0


def test_joint_item_through_the_form(client, login_as, make_department):
    login_as(Role.ADMIN)
    lead, other = make_department(), make_department()
    db.session.commit()
    data = _item_form(
        lead,
        case_type="joint",
        lead_department_id=str(lead.id),
        join_rule="all_approve",
        participating_department_ids=[str(lead.id), str(other.id)],
    )
    client.get("/lang/en")
    too_long = {**data, "step_limit_days": "11"}  # beyond the promised 10
    response = client.post("/admin/items/new", data={"csrf_token": _token(client, "/admin/items/new"), **too_long})
    assert response.status_code == 400
    assert "Between 1 working day and the promised time limit." in response.get_data(as_text=True)
    assert _count() == 0
    data["step_limit_days"] = "7"
    response = client.post("/admin/items/new", data={"csrf_token": _token(client, "/admin/items/new"), **data})
    assert response.status_code == 302
    item = db.session.scalar(sa.select(Item).where(Item.code == "XK-100"))
    assert item.case_type == CaseType.JOINT
    assert item.workflow_key == "joint"
    assert item.step_limit_days == 7
    assert {d.id for d in item.participating_departments} == {lead.id, other.id}
    page = client.get(f"/admin/items/{item.id}/edit").get_data(as_text=True)
    assert 'name="step_limit_days" type="number" value="7"' in page or 'value="7"' in page


def test_publish_a_draft_then_a_second_publish_is_409(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item(status=ItemStatus.DRAFT)
    db.session.commit()
    token = _token(client, f"/admin/items/{item.id}")
    assert client.post(f"/admin/items/{item.id}/publish", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, item.id).status == ItemStatus.PUBLISHED
    assert client.post(f"/admin/items/{item.id}/publish", data={"csrf_token": token}).status_code == 409


def test_editing_a_draft_keeps_one_row(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item(status=ItemStatus.DRAFT)
    db.session.commit()
    url = f"/admin/items/{item.id}/edit"
    data = _item_form(item.department, name="改名")
    data.pop("code")
    response = client.post(url, data={"csrf_token": _token(client, url), **data})
    assert response.status_code == 302
    assert _count() == 1
    db.session.expire_all()
    assert db.session.get(Item, item.id).name == "改名"


def test_editing_a_published_item_creates_version_2(client, login_as, make_item):
    login_as(Role.ADMIN)
    v1 = make_item()
    db.session.commit()
    url = f"/admin/items/{v1.id}/edit"
    form_page = client.get(url).get_data(as_text=True)
    assert "*申请书" in form_page  # materials prefilled, key marked
    data = _item_form(v1.department, name="新版名称", materials="*申请书\n*授权委托书")
    data.pop("code")
    response = client.post(url, data={"csrf_token": extract_csrf(form_page), **data})
    assert response.status_code == 302
    db.session.expire_all()
    old = db.session.get(Item, v1.id)
    new = db.session.scalar(sa.select(Item).where(Item.code == v1.code, Item.version == 2))
    assert old.status == ItemStatus.SUPERSEDED
    assert old.superseded_at is not None
    assert new.status == ItemStatus.PUBLISHED
    assert new.name == "新版名称"
    assert [m.name for m in new.materials] == ["申请书", "授权委托书"]
    # Version 1 stays readable, with its own content, and links to the history.
    page = client.get(f"/admin/items/{v1.id}").get_data(as_text=True)
    assert old.name in page
    assert "身份证复印件" in page
    assert f"/admin/items/{new.id}" in page
    # The superseded version cannot be edited.
    assert client.get(url).status_code == 302


def test_list_shows_current_versions_and_filters(client, login_as, make_item, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    make_item(code="OLD-1", name="旧版本事项", version=1, status=ItemStatus.SUPERSEDED, department=department)
    make_item(code="OLD-1", name="新版本事项", version=2, department=department)
    make_item(code="DRAFT-1", name="草稿事项", status=ItemStatus.DRAFT)
    make_item(code="INST-1", name="即办事项", case_type=CaseType.INSTANT, workflow_key="instant",
              statutory_limit_days=1, promised_limit_days=0)
    db.session.commit()
    html = client.get("/admin/items").get_data(as_text=True)
    assert "新版本事项" in html
    assert "草稿事项" in html
    assert "旧版本事项" not in html
    assert "旧版本事项" in client.get("/admin/items?all=1").get_data(as_text=True)
    html = client.get("/admin/items?status=draft").get_data(as_text=True)
    assert "草稿事项" in html
    assert "新版本事项" not in html
    html = client.get("/admin/items?case_type=instant").get_data(as_text=True)
    assert "即办事项" in html
    assert "草稿事项" not in html
    html = client.get(f"/admin/items?department_id={department.id}&q=OLD").get_data(as_text=True)
    assert "新版本事项" in html
    assert "即办事项" not in html


def test_export_downloads(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item()
    db.session.commit()
    response = client.get("/admin/items/export.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert item.code in response.data.decode("utf-8-sig")
    response = client.get("/admin/items/export.xlsx")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"
    template = client.get("/admin/items/template.csv").data.decode("utf-8-sig")
    assert template.strip() == ",".join(COLUMNS)
    assert client.get("/admin/items/export.pdf").status_code == 404


def _upload(client, name: str, content: bytes, token: str | None = None):
    data = {"file": (io.BytesIO(content), name)}
    if token is not False:
        data["csrf_token"] = token or _token(client, "/admin/items/import")
    return client.post("/admin/items/import", data=data, content_type="multipart/form-data")


def _catalogue_csv(rows: list[str]) -> bytes:
    header = "code,name,category,department_code,case_type,statutory_limit_days,promised_limit_days,materials"
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8-sig")


def test_import_page_creates_items_and_reports_counts(client, login_as, make_department):
    login_as(Role.ADMIN)
    make_department(code="SJ")
    db.session.commit()
    client.get("/lang/en")
    rows = [f"IMP-{n:03d},事项{n},行政许可,SJ,承诺件,20,10,*申请书;身份证复印件" for n in range(1, 31)]
    response = _upload(client, "catalogue.csv", _catalogue_csv(rows))
    assert response.status_code == 302
    assert _count(status=ItemStatus.PUBLISHED) == 30
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 created, 0 revised, 0 unchanged" in page


def test_import_page_lists_every_bad_row_and_saves_nothing(client, login_as, make_department):
    login_as(Role.ADMIN)
    make_department(code="SJ")
    db.session.commit()
    client.get("/lang/en")
    rows = [
        "OK-1,好的事项,行政许可,SJ,承诺件,20,10,*申请书",
        "BAD-1,坏的事项,行政许可,NOPE,承诺件,20,10,*申请书",
        "BAD-2,坏的事项,什么类型,SJ,承诺件,20,30,*申请书",
    ]
    response = _upload(client, "catalogue.csv", _catalogue_csv(rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "3 problems found" in html
    assert "Unknown department code NOPE." in html
    assert "Unknown category 什么类型." in html
    assert "may not exceed the statutory" in html
    assert _count() == 0


def test_import_without_csrf_is_rejected(client, login_as, make_department):
    login_as(Role.ADMIN)
    make_department(code="SJ")
    db.session.commit()
    response = _upload(client, "catalogue.csv", _catalogue_csv(["OK-1,事项,行政许可,SJ,承诺件,20,10,"]), token=False)
    assert response.status_code == 400
    assert _count() == 0


def test_import_without_a_file_is_400(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/admin/items/import", data={"csrf_token": _token(client, "/admin/items/import")})
    assert response.status_code == 400


def test_an_oversized_upload_is_refused(app, client, login_as, monkeypatch):
    login_as(Role.ADMIN)
    token = _token(client, "/admin/items/import")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = _upload(client, "big.csv", b"x" * 4096, token=token)
    assert response.status_code == 413
    assert _count() == 0


def test_a_blank_join_rule_is_a_field_error_not_a_500(client, login_as, make_department):
    """Found in use: join_rule=" " passed Optional(), then JoinRule(" ") raised in to_data (500)."""
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    client.get("/lang/en")
    for overrides in ({"join_rule": " "}, {"join_rule": "\u200b"}, {"workflow_key": " "},
                      {"lead_department_id": " "}):
        token = _token(client, "/admin/items/new")
        response = client.post("/admin/items/new", data={"csrf_token": token, **_item_form(department, **overrides)})
        assert response.status_code == 400, overrides
        assert 'class="error"' in response.get_data(as_text=True), overrides
    assert _count() == 0
