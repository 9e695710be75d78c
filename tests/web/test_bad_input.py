"""Odd or hostile input gets a clear answer, never a 500."""

from __future__ import annotations

import pytest

from service_center.models import Role

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/guide/?page={HUGE}",
        f"/guide/?department={HUGE}",
        "/guide/?endpoint=x",
        "/guide/?_method=POST&_anchor=x&_external=1",
        "/guide/?type=nonsense&page=-3",
    ],
)
def test_public_lists_shrug_off_odd_arguments(client, make_item, path):
    make_item()
    response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/cases?page={HUGE}", 200),
        ("/cases?state=x&due=y", 200),
        (f"/cases/{HUGE}", 404),
        (f"/cases/{HUGE}/notices/acceptance", 404),
    ],
)
def test_staff_pages_shrug_off_odd_arguments(client, login_as, path, status):
    login_as(Role.MANAGER)
    assert client.get(path).status_code == status


@pytest.mark.parametrize(
    "path", [f"/admin/items?page={HUGE}&department_id={HUGE}", f"/admin/items/{HUGE}", f"/admin/users/{HUGE}/edit"]
)
def test_admin_pages_shrug_off_odd_arguments(client, login_as, path):
    login_as(Role.ADMIN)
    assert client.get(path).status_code in (200, 404)


def test_pager_links_keep_only_search_arguments(client, make_item):
    for _ in range(25):
        make_item(name="食品经营许可")
    html = client.get("/guide/?q=食品&_external=1&endpoint=x").get_data(as_text=True)
    assert 'href="/guide/?q=%E9%A3%9F%E5%93%81&amp;page=2"' in html
