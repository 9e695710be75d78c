"""The public guide pages are served from a per-process cache while the catalogue is unchanged: the same page,
one query instead of a render, and any catalogue change shows at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Role
from service_center.views import page_cache
from service_center.views.page_cache import clear_page_cache
from tests.conftest import login


@pytest.fixture
def cache_on(app, monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    app.config["PAGE_CACHE_SECONDS"] = 60
    monkeypatch.setattr(page_cache, "STAMP_SECONDS", 0.0)  # the stamp read on every request
    clear_page_cache()
    yield
    app.config["PAGE_CACHE_SECONDS"] = 0
    clear_page_cache()


def statements_of(get) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.split(None, 1)[0].upper() == "SELECT":
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        html = get()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen), html


@pytest.mark.usefixtures("cache_on")
def test_a_repeated_guide_page_is_served_from_the_cache_with_one_query(client, make_item):
    item = make_item(name="食品经营许可证核发")
    db.session.commit()
    for path in ("/guide/", f"/guide/{item.code}", "/guide/?q=食品"):
        first_count, first = statements_of(lambda p=path: client.get(p).get_data(as_text=True))
        again_count, again = statements_of(lambda p=path: client.get(p).get_data(as_text=True))
        assert again == first
        assert item.name in again
        assert again_count == 1 < first_count


@pytest.mark.usefixtures("cache_on")
def test_a_catalogue_change_shows_at_once(client, make_item, make_department):
    item = make_item(name="食品经营许可证核发")
    db.session.commit()
    assert "医疗器械经营许可" not in client.get("/guide/").get_data(as_text=True)
    make_item(name="医疗器械经营许可")  # a newly published item
    db.session.commit()
    assert "医疗器械经营许可" in client.get("/guide/").get_data(as_text=True)
    item.department.name = "市场监督管理局（新）"  # a department renamed
    db.session.commit()
    assert "市场监督管理局（新）" in client.get(f"/guide/{item.code}").get_data(as_text=True)


@pytest.mark.usefixtures("cache_on")
def test_languages_and_signed_in_staff_never_share_a_cached_page(client, make_item, make_user):
    make_item(name="食品经营许可证核发")
    db.session.commit()
    chinese = client.get("/guide/").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/guide/").get_data(as_text=True)
    assert english != chinese
    client.get("/lang/zh_CN")
    assert client.get("/guide/").get_data(as_text=True) == chinese
    user = make_user(Role.CLERK, display_name="王窗口")
    db.session.commit()
    login(client, user.username)
    assert "王窗口" in client.get("/guide/").get_data(as_text=True)


@pytest.mark.usefixtures("cache_on")
def test_within_a_second_a_worker_trusts_the_stamp_it_read(client, make_item, monkeypatch):
    make_item(name="食品经营许可证核发")
    db.session.commit()
    monkeypatch.setattr(page_cache, "STAMP_SECONDS", 60.0)
    client.get("/guide/")
    count, html = statements_of(lambda: client.get("/guide/").get_data(as_text=True))
    assert count == 0
    assert "食品经营许可证核发" in html
