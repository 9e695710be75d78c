"""Every admin route refuses anonymous users (login redirect) and non-admin staff (403), for GET and POST."""

from __future__ import annotations

import re

import pytest

from service_center import create_app
from service_center.models import Role
from tests.conftest import extract_csrf


def _admin_rules() -> list[tuple[str, str]]:
    """(url, method) for every rule under /admin, with 1 for each path argument."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    cases = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: "csv" if m.group(1) == "fmt" else "1", rule.rule)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            cases.append((url, method))
    return sorted(set(cases))


ADMIN_RULES = _admin_rules()


def test_the_admin_area_has_the_expected_rules():
    urls = {url for url, _method in ADMIN_RULES}
    for expected in ("/admin/departments", "/admin/windows", "/admin/users", "/admin/items", "/admin/items/import"):
        assert expected in urls


def _request(client, url: str, method: str, token: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def test_anonymous_is_sent_to_login(client):
    token = extract_csrf(client.get("/login").get_data(as_text=True))
    refused = []
    for url, method in ADMIN_RULES:
        response = _request(client, url, method, token)
        if response.status_code != 302 or not response.headers["Location"].startswith("/login"):
            refused.append((method, url, response.status_code))
    assert refused == []


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.MANAGER])
def test_other_roles_are_refused(client, login_as, role):
    """One sign-in per role, then every rule; the failures are listed together."""
    login_as(role)
    token = extract_csrf(client.get("/").get_data(as_text=True))
    wrong = [
        (method, url, status)
        for url, method in ADMIN_RULES
        if (status := _request(client, url, method, token).status_code) != 403
    ]
    assert wrong == []


def test_admin_sees_every_list(client, login_as):
    login_as(Role.ADMIN)
    for url in ("/admin/departments", "/admin/windows", "/admin/users", "/admin/items", "/admin/items/import", "/"):
        assert client.get(url).status_code == 200, url
