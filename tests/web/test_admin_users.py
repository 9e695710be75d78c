"""Users admin: list and filters, create, edit, deactivate (ends sessions), reset password, self-protection."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Role, User
from tests.conftest import PASSWORD, extract_csrf, login


def _post_form(client, url: str, **data):
    token = extract_csrf(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _count_users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_list_searches_and_filters_by_role(client, login_as, make_user):
    login_as(Role.ADMIN)
    make_user(Role.CLERK, username="zhangsan", display_name="张三")
    make_user(Role.REVIEWER, username="lisi", display_name="李四")
    db.session.commit()
    html = client.get("/admin/users?q=张").get_data(as_text=True)
    assert "zhangsan" in html
    assert "lisi" not in html
    html = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert "lisi" in html
    assert "zhangsan" not in html


def test_create_clerk_with_windows(client, login_as, make_window):
    login_as(Role.ADMIN)
    first, second = make_window(), make_window()
    db.session.commit()
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": extract_csrf(client.get("/admin/users/new").get_data(as_text=True)),
            "username": "wangwu",
            "display_name": "王五",
            "role": "clerk",
            "department_id": "0",
            "window_ids": [str(first.id), str(second.id)],
            "password": "a-new-password",
            "password_confirm": "a-new-password",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "wangwu"))
    assert user.role == Role.CLERK
    assert {w.id for w in user.windows} == {first.id, second.id}
    assert user.department_id == first.department_id
    assert user.check_password("a-new-password")


def test_clerk_without_window_is_refused(client, login_as):
    login_as(Role.ADMIN)
    before = _count_users()
    client.get("/lang/en")
    response = _post_form(
        client,
        "/admin/users/new",
        username="nowin",
        display_name="无窗口",
        role="clerk",
        department_id="0",
        password="a-new-password",
        password_confirm="a-new-password",
    )
    assert response.status_code == 400
    assert "A clerk needs at least one window." in response.get_data(as_text=True)
    assert _count_users() == before


def test_create_refuses_taken_username_and_mismatched_passwords(client, login_as, make_department):
    admin = login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    before = _count_users()
    response = _post_form(
        client,
        "/admin/users/new",
        username=admin.username,
        display_name="重复",
        role="reviewer",
        department_id=str(department.id),
        password="a-new-password",
        password_confirm="a-new-password",
    )
    assert response.status_code == 400
    response = _post_form(
        client,
        "/admin/users/new",
        username="fresh",
        display_name="新人",
        role="reviewer",
        department_id=str(department.id),
        password="a-new-password",
        password_confirm="another-password",
    )
    assert response.status_code == 400
    assert _count_users() == before


def test_edit_changes_role_and_department(client, login_as, make_user, make_department):
    login_as(Role.ADMIN)
    user = make_user(Role.CLERK)
    department = make_department()
    db.session.commit()
    response = _post_form(
        client,
        f"/admin/users/{user.id}/edit",
        display_name="新名字",
        role="dept_head",
        department_id=str(department.id),
        active="y",
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.role == Role.DEPT_HEAD
    assert user.department_id == department.id
    assert user.windows == []
    assert user.display_name == "新名字"


def test_deactivation_ends_the_users_sessions(app, make_user, login_as, client):
    clerk = make_user(Role.CLERK)
    db.session.commit()
    clerk_client = app.test_client()
    assert login(clerk_client, clerk.username, remember=True).status_code == 302
    assert clerk_client.get("/cases").status_code == 200
    remember = clerk_client.get_cookie("remember_token").value
    old_token = clerk.session_token

    login_as(Role.ADMIN)
    response = _post_form(
        client,
        f"/admin/users/{clerk.id}/edit",
        display_name=clerk.display_name,
        role="clerk",
        department_id="0",
        window_ids=str(clerk.windows[0].id),
    )
    assert response.status_code == 302
    db.session.expire_all()
    clerk = db.session.get(User, clerk.id)
    assert clerk.active is False
    assert clerk.session_token != old_token
    assert clerk_client.get("/cases").status_code == 302  # the open session has ended
    clerk_client.delete_cookie("session")
    clerk_client.set_cookie("remember_token", remember)
    assert clerk_client.get("/cases").status_code == 302  # and so has the remember-me cookie


def test_admin_cannot_deactivate_or_demote_themselves(client, login_as):
    admin = login_as(Role.ADMIN)
    client.get("/lang/en")
    url = f"/admin/users/{admin.id}/edit"
    response = _post_form(client, url, display_name=admin.display_name, role="admin", department_id="0")
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    response = _post_form(client, url, display_name=admin.display_name, role="manager", department_id="0", active="y")
    assert response.status_code == 400
    assert "You cannot remove the administrator role from yourself." in response.get_data(as_text=True)
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert admin.active is True
    assert admin.role == Role.ADMIN


def test_reset_password_ends_sessions(app, client, login_as, make_user):
    clerk = make_user(Role.CLERK)
    db.session.commit()
    clerk_client = app.test_client()
    login(clerk_client, clerk.username)
    login_as(Role.ADMIN)
    response = _post_form(
        client, f"/admin/users/{clerk.id}/password", password="brand-new-pass", password_confirm="brand-new-pass"
    )
    assert response.status_code == 302
    assert clerk_client.get("/cases").status_code == 302
    assert login(app.test_client(), clerk.username, PASSWORD).status_code == 401
    assert login(app.test_client(), clerk.username, "brand-new-pass").status_code == 302


def test_reset_password_too_short_is_refused(client, login_as, make_user):
    login_as(Role.ADMIN)
    clerk = make_user(Role.CLERK)
    db.session.commit()
    response = _post_form(client, f"/admin/users/{clerk.id}/password", password="short", password_confirm="short")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, clerk.id).check_password(PASSWORD)
