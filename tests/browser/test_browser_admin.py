"""A clerk and an administrator use the pages in a real browser."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Department, Role
from tests.conftest import PASSWORD

pytestmark = __import__("pytest").mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert not page.url.endswith("/login"), "sign-in failed"


def test_wrong_password_shows_an_error_in_chinese(page, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "not-the-password")
    page.click("main button[type=submit]")
    assert page.locator(".error").inner_text() == "用户名或密码错误。连续失败5次后账户将被临时锁定。"


def test_admin_creates_a_department_and_finds_it_by_search(page, make_user):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    sign_in(page, admin.username)
    page.goto("/admin/departments/new")
    page.fill("input[name=code]", "SCJG")
    page.fill("input[name=name]", "市场监督管理局")
    page.fill("input[name=head_name]", "王局长")
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/departments")
    page.fill("input[name=q]", "市场")
    page.press("input[name=q]", "Enter")
    assert "市场监督管理局" in page.locator("table.list").inner_text()
    db.session.rollback()  # end the test thread's read snapshot to see what the browser saved
    assert db.session.scalar(sa.select(Department.name).where(Department.code == "SCJG")) == "市场监督管理局"


def test_form_errors_rerender_with_the_input_kept(page, make_user, make_department):
    admin = make_user(Role.ADMIN)
    make_department(code="DUP")
    db.session.commit()
    sign_in(page, admin.username)
    page.goto("/admin/departments/new")
    page.fill("input[name=code]", "DUP")
    page.fill("input[name=name]", "新部门")
    page.click("main button[type=submit]")
    assert page.locator(".has-error .error").count() == 1
    assert page.input_value("input[name=name]") == "新部门"


def test_phone_width_collapses_the_menu(page, make_user):
    clerk = make_user(Role.CLERK)
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, clerk.username)
    assert page.locator(".nav").is_hidden()
    page.click(".nav-toggle-label")
    assert page.locator(".nav").is_visible()
