"""The item form edits material notes; an admin retires an item with a confirmation, the counter stops offering
it, the public guide shows it withdrawn."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, Item, ItemMaterial, ItemStatus, Role
from tests.conftest import extract_csrf, login

EDIT_FORM = {
    "name": "食品经营许可", "category": "licensing", "case_type": "committed", "workflow_key": "",
    "statutory_limit_days": "20", "promised_limit_days": "10", "lead_department_id": "0", "join_rule": "",
    "acceptance_periods": "", "fees": "", "legal_basis": "", "conditions": "",
    "publish_results": "y", "publish_days": "30",  # as the prefilled form posts them
}


def _with_notes(item: Item) -> Item:
    item.materials[0].note = "原件1份"
    item.materials[1].note = "复印件1份，加盖公章"
    db.session.commit()
    return item


def test_the_item_form_shows_and_edits_material_notes(client, login_as, make_item):
    login_as(Role.ADMIN)
    v1 = _with_notes(make_item(name="食品经营许可"))
    url = f"/admin/items/{v1.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "*申请书 | 原件1份\n身份证复印件 | 复印件1份，加盖公章" in page
    data = {**EDIT_FORM, "department_id": str(v1.department_id),
            "materials": "*申请书 | 原件2份\n身份证复印件 | 复印件1份，加盖公章\n授权委托书 | 委托时提交"}
    response = client.post(url, data={"csrf_token": extract_csrf(page), **data})
    assert response.status_code == 302
    v2 = db.session.scalar(sa.select(Item).where(Item.code == v1.code, Item.version == 2))
    assert [(m.name, m.is_key, m.note) for m in v2.materials] == [
        ("申请书", True, "原件2份"), ("身份证复印件", False, "复印件1份，加盖公章"),
        ("授权委托书", False, "委托时提交")]
    db.session.expire_all()
    assert [m.note for m in db.session.get(Item, v1.id).materials] == ["原件1份", "复印件1份，加盖公章"]


def test_saving_the_prefilled_form_unchanged_keeps_the_notes_and_makes_no_version(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = _with_notes(make_item(name="食品经营许可", fees="", legal_basis="", conditions=""))
    url = f"/admin/items/{item.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = {**EDIT_FORM, "department_id": str(item.department_id),
            "materials": "*申请书 | 原件1份\n身份证复印件 | 复印件1份，加盖公章"}
    assert client.post(url, data={"csrf_token": extract_csrf(page), **data}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.code == item.code)) == 1
    assert db.session.scalars(sa.select(ItemMaterial.note).order_by(ItemMaterial.position)).all() == [
        "原件1份", "复印件1份，加盖公章"]


def test_a_too_long_note_is_a_field_error(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item(name="食品经营许可")
    db.session.commit()
    url = f"/admin/items/{item.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = {**EDIT_FORM, "department_id": str(item.department_id), "materials": "*申请书 | " + "长" * 301}
    response = client.post(url, data={"csrf_token": extract_csrf(page), **data})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.code == item.code)) == 1


def test_an_admin_retires_an_item_with_a_confirmation(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item(name="食品经营许可")
    db.session.commit()
    page = client.get(f"/admin/items/{item.id}").get_data(as_text=True)
    assert f'action="/admin/items/{item.id}/retire"' in page
    assert "onsubmit=\"return window.confirm(" in page
    response = client.post(f"/admin/items/{item.id}/retire", data={"csrf_token": extract_csrf(page)})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Item, item.id)
    assert stored.status == ItemStatus.RETIRED
    assert stored.retired_at is not None
    page = client.get(f"/admin/items/{item.id}").get_data(as_text=True)
    assert "已停用" in page
    assert f'action="/admin/items/{item.id}/retire"' not in page
    assert client.get(f"/admin/items/{item.id}/edit").status_code == 302  # no edits
    again = client.post(f"/admin/items/{item.id}/retire", data={"csrf_token": extract_csrf(page)})
    assert again.status_code == 409
    assert "已停用" in client.get("/admin/items?status=retired").get_data(as_text=True)


def test_retiring_without_the_csrf_token_changes_nothing(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item()
    db.session.commit()
    assert client.post(f"/admin/items/{item.id}/retire").status_code == 400
    db.session.expire_all()
    assert db.session.get(Item, item.id).status == ItemStatus.PUBLISHED


def test_the_counter_stops_offering_a_retired_item_and_refuses_a_posted_one(client, hall):
    db.session.commit()
    login(client, hall.clerk.username)
    assert hall.committed.name in client.get("/cases/receive").get_data(as_text=True)
    hall.committed.status, hall.committed.retired_at = ItemStatus.RETIRED, hall.committed.created_at
    db.session.commit()
    html = client.get("/cases/receive").get_data(as_text=True)
    assert hall.committed.name not in html
    assert hall.instant.name in html
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": "李四",
    })
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_the_guide_shows_a_retired_item_as_withdrawn_and_lists_it_no_more(client, make_item):
    item = make_item(name="旧事项名称")
    kept = make_item(name="现行事项名称")
    db.session.commit()
    item.status, item.retired_at = ItemStatus.RETIRED, item.created_at
    db.session.commit()
    response = client.get(f"/guide/{item.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "旧事项名称" in html
    assert "已停用" in html
    assert "不再受理" in html
    catalogue = client.get("/guide/").get_data(as_text=True)
    assert "旧事项名称" not in catalogue
    assert kept.name in catalogue
