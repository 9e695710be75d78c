"""Windows admin: list, search, create, edit, unique numbers, field errors."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Role, Window
from tests.conftest import extract_csrf


def _post_form(client, url: str, **data):
    token = extract_csrf(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_list_searches_number_name_and_department(client, login_as, make_window, make_department):
    login_as(Role.ADMIN)
    tax = make_department(name="税务局")
    make_window(tax, number="B07", name="综合受理")
    make_window(number="C01", name="社保窗口")
    db.session.commit()
    html = client.get("/admin/windows?q=税务").get_data(as_text=True)
    assert "B07" in html
    assert "C01" not in html
    html = client.get("/admin/windows?q=c01").get_data(as_text=True)
    assert "社保窗口" in html
    assert "B07" not in html


def test_list_paginates(app, client, login_as, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    for n in range(app.config["ITEMS_PER_PAGE"] + 5):
        db.session.add(Window(number=f"P{n:03d}", name=f"窗口{n}", department=department))
    db.session.commit()
    first = client.get("/admin/windows?q=P").get_data(as_text=True)
    second = client.get("/admin/windows?q=P&page=2").get_data(as_text=True)
    assert "P000" in first
    assert "P024" not in first
    assert "P024" in second


def test_create_window(client, login_as, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    response = _post_form(
        client,
        "/admin/windows/new",
        number="A09",
        name="不动产登记",
        department_id=department.id,
        hall_zone="A区",
        opening_hours="9:00-17:00",
        is_open="y",
    )
    assert response.status_code == 302
    window = db.session.scalar(sa.select(Window).where(Window.number == "A09"))
    assert window.department_id == department.id
    assert window.hall_zone == "A区"
    assert window.is_open is True


def test_edit_window_closes_it(client, login_as, make_window):
    login_as(Role.ADMIN)
    window = make_window()
    db.session.commit()
    response = _post_form(
        client,
        f"/admin/windows/{window.id}/edit",
        number=window.number,
        name="改名窗口",
        department_id=window.department_id,
        hall_zone="B区",
        opening_hours="",
    )
    assert response.status_code == 302
    db.session.expire_all()
    window = db.session.get(Window, window.id)
    assert window.name == "改名窗口"
    assert window.is_open is False


def test_window_number_is_unique(client, login_as, make_window):
    login_as(Role.ADMIN)
    existing = make_window(number="A01")
    db.session.commit()
    client.get("/lang/en")
    response = _post_form(
        client, "/admin/windows/new", number="A01", name="重复", department_id=existing.department_id
    )
    assert response.status_code == 400
    assert "A01 is already in use." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Window)) == 1


def test_missing_fields_rerender_with_400(client, login_as, make_department):
    login_as(Role.ADMIN)
    make_department()
    db.session.commit()
    response = _post_form(client, "/admin/windows/new", number="bad number!", name="")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Window)) == 0


def test_post_without_csrf_is_rejected(client, login_as, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    response = client.post("/admin/windows/new", data={"number": "A05", "name": "x", "department_id": department.id})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Window)) == 0
