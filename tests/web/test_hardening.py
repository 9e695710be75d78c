"""Found in review: scope of the landing pages, NUL characters, disabled accounts, response headers, names that
only look different or empty."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, Department, Role, User
from service_center.services.complaints import receive_complaint
from service_center.services.core import Actor
from service_center.services.intake import Applicant
from tests.conftest import extract_csrf, login


def sign_in(client, user) -> None:
    db.session.commit()
    assert login(client, user.username).status_code == 302


@pytest.mark.parametrize("who", ["reviewer", "head", "clerk"])
def test_complaints_stay_off_the_landing_pages_of_the_department_complained_about(client, hall, who):
    complaint = receive_complaint(window=hall.window, complainant=Applicant("投诉人王五", "", "13900000000"),
                                  content="窗口人员态度差", actor=Actor.staff(hall.manager))
    case = hall.receive(name="普通申请人")
    sign_in(client, getattr(hall, who))
    home = client.get("/").get_data(as_text=True)
    assert case.number in home  # the department's own case is there
    assert complaint.number not in home
    assert "投诉人王五" not in home


# -- NUL characters --------------------------------------------------------------------------------------------

PUBLIC_NUL_REQUESTS = [
    pytest.param("GET", "/guide/?q=%00", None, id="guide-search"),
    pytest.param("GET", "/guide/a%00", None, id="guide-path"),
    pytest.param("POST", "/track", {"number": "SC\x00", "query_code": "ABC"}, id="track"),
    pytest.param("POST", "/login", {"username": "admin\x00", "password": "whatever-pass"}, id="login"),
]


@pytest.mark.parametrize(("method", "url", "data"), PUBLIC_NUL_REQUESTS)
def test_a_nul_character_is_a_400_not_a_500(client, method, url, data):
    if method == "GET":
        response = client.get(url)
    else:
        token = extract_csrf(client.get(url).get_data(as_text=True))
        response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert "不允许的字符" in response.get_data(as_text=True)


def test_a_nul_character_in_a_staff_form_changes_nothing(client, hall):
    sign_in(client, hall.clerk)
    assert client.get("/cases?q=%00").status_code == 400
    html = client.get("/cases/receive").get_data(as_text=True)
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": "李\x00四", "title": "",
    })
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_a_csv_with_a_nul_character_is_rejected(client, login_as, make_department):
    login_as(Role.ADMIN)
    make_department(code="SJ")
    db.session.commit()
    page = client.get("/admin/items/import").get_data(as_text=True)
    content = "code,name,category,department_code,case_type,statutory_limit_days,promised_limit_days\r\n" \
              "X-1,名\x00称,行政许可,SJ,承诺件,20,10\r\n"
    response = client.post("/admin/items/import", data={
        "csrf_token": extract_csrf(page), "file": (io.BytesIO(content.encode()), "items.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "X-1" not in client.get("/admin/items").get_data(as_text=True)


# -- accounts, headers, names ----------------------------------------------------------------------------------

def test_a_disabled_account_answers_like_a_wrong_password(client, make_user):
    disabled = make_user(Role.CLERK, active=False)
    db.session.commit()
    right = login(client, disabled.username).get_data(as_text=True)
    wrong = login(client, disabled.username, "wrong-password").get_data(as_text=True)
    assert "用户名或密码错误" in right
    assert "停用" not in right
    assert right.count("用户名或密码错误") == wrong.count("用户名或密码错误")


def test_staff_pages_are_neither_cached_nor_framed(client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    response = client.get(f"/cases/{case.id}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_public_pages_may_be_cached_but_not_framed(client):
    client.get("/lang/zh_CN")
    response = client.get("/guide/")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_department_name_with_blanks_around_it_is_the_same_name(client, login_as, make_department):
    login_as(Role.ADMIN)
    make_department(code="D1", name="税务局")
    db.session.commit()
    token = extract_csrf(client.get("/admin/departments/new").get_data(as_text=True))
    response = client.post("/admin/departments/new", data={"csrf_token": token, "code": "D2", "name": " 税务局 ",
                                                           "active": "y"})
    assert response.status_code == 400
    assert "已被使用" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 1


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u200d", " \u2060 "])
def test_an_invisible_applicant_name_is_refused(client, hall, name):
    sign_in(client, hall.clerk)
    html = client.get("/cases/receive").get_data(as_text=True)
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": name, "title": "",
    })
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("url", "data"), [
    ("/admin/departments/new", {"code": "ZW1", "name": "\u200b\u200b", "active": "y"}),
    ("/admin/users/new", {"username": "zw1", "display_name": "\u200b", "password": "long-enough-pw",
                          "role": "manager", "department_id": "0"}),
])
def test_a_name_of_invisible_characters_is_no_name(client, login_as, url, data):
    login_as(Role.ADMIN)
    token = extract_csrf(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department).where(Department.code == "ZW1")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.username == "zw1")) == 0
