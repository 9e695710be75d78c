"""The guide people can search (#10 item 2): names, keywords (俗称) and their pinyin, full or initials; the
category filter; keywords edited on the item form and kept through revisions; and the public front door at ``/``
(#10 item 1) for anonymous visitors while staff keep their landing page."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from service_center.demo.seed import seed_demo
from service_center.extensions import db
from service_center.models import Item, ItemCategory, ItemStatus, Role
from service_center.search_text import item_search_text, join_keywords
from service_center.services.catalogue import ItemData, save_item
from service_center.views.main import served
from tests.conftest import extract_csrf, login
from tests.web.test_admin_items import _item_form


def _names(client, query: str) -> str:
    return client.get(f"/guide/?{query}").get_data(as_text=True)


def _data(item: Item, **changes: object) -> ItemData:
    data = ItemData.of(item)
    return ItemData(**{**data.__dict__, **changes})


def test_search_text_holds_name_keywords_pinyin_and_initials():
    text = item_search_text("有限责任公司登记", "营业执照、执照")
    assert text.split() == ["有限责任公司登记", "youxianzerengongsidengji", "yxzrgsdj",
                            "营业执照", "yingyezhizhao", "yyzz", "执照", "zhizhao", "zz"]
    assert join_keywords(" 营业执照 ,执照；营业执照\n开公司 ") == "营业执照，执照，开公司"


def test_demo_business_licence_items_are_found_by_their_common_names(app, client):
    seed_demo(echo=lambda _line: None, today=date(2026, 5, 20))
    for query in ("q=营业执照", "q=执照", "q=yyzz", "q=yingyezhizhao"):
        html = _names(client, query)
        assert "有限责任公司登记（设立）" in html, query
        assert "个体工商户登记（设立）" in html, query
        assert "企业开办一件事" in html, query
        # Food licences only ask for a copy of the licence (a material): they are not what was looked for.
        assert "食品经营许可（新办）" not in html, query
    assert "食品经营许可（新办）" in _names(client, "q=spjyxk")  # initials of the name
    assert "食品经营许可（新办）" in _names(client, "q=SPJY")  # any case
    # Every word must match: a licence that is also a 设立.
    html = _names(client, "q=执照+设立")
    assert "有限责任公司登记（设立）" in html
    assert "有限责任公司登记（变更）" not in html


def test_a_keyword_finds_its_item_and_a_revision_keeps_and_changes_keywords(app, client, make_item):
    item = make_item(name="食品经营许可证核发", keywords="开饭店，餐馆许可")
    other = make_item(name="建筑工程施工许可证核发")
    db.session.commit()
    assert item.search_text == item_search_text("食品经营许可证核发", "开饭店，餐馆许可")
    for query in ("q=开饭店", "q=kfd", "q=canguan", "q=餐馆"):
        html = _names(client, query)
        assert item.name in html, query
        assert other.name not in html, query
    # A revision (a new version) that changes something else keeps the keywords.
    v2 = save_item(item, _data(item, fees="每证10元"))
    db.session.commit()
    assert (v2.version, v2.keywords) == (2, "开饭店，餐馆许可")
    assert item.name in _names(client, "q=开饭店")
    # Changing the keywords changes what finds the item.
    v3 = save_item(v2, _data(v2, keywords="小吃店"))
    db.session.commit()
    assert v3.search_text == item_search_text(item.name, "小吃店")
    assert item.name in _names(client, "q=xcd")
    assert item.name not in _names(client, "q=开饭店")
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Item.code == item.code, Item.status == ItemStatus.PUBLISHED)) == 1


def test_wildcards_in_a_search_are_plain_text(client, make_item):
    make_item(name="食品经营许可证核发")
    db.session.commit()
    assert "食品经营许可证核发" not in _names(client, "q=%25")
    assert "食品经营许可证核发" not in _names(client, "q=_")


def test_catalogue_filters_by_category_and_ignores_an_unknown_one(client, make_item):
    make_item(name="许可类事项", category=ItemCategory.LICENSING)
    make_item(name="确认类事项", category=ItemCategory.CONFIRMATION)
    db.session.commit()
    html = _names(client, "category=confirmation")
    assert "确认类事项" in html
    assert "许可类事项" not in html
    assert 'value="confirmation" selected' in html
    response = client.get("/guide/?category=nonsense")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "确认类事项" in html
    assert "许可类事项" in html


def test_keywords_are_edited_on_the_item_form(client, login_as, make_item):
    login_as(Role.ADMIN)
    item = make_item(name="个体工商户登记")
    db.session.commit()
    url = f"/admin/items/{item.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = _item_form(item.department, name=item.name, keywords="营业执照; 个体户、执照", materials="*申请书")
    data.pop("code")
    data["csrf_token"] = extract_csrf(page)
    response = client.post(url, data=data)
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Item).where(Item.code == item.code, Item.version == 2))
    assert new.keywords == "营业执照，个体户，执照"
    assert "营业执照，个体户，执照" in client.get(f"/admin/items/{new.id}/edit").get_data(as_text=True)
    too_long = client.post(f"/admin/items/{new.id}/edit", data={**data, "keywords": "词" * 501})
    assert too_long.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).where(Item.code == item.code)) == 2


def test_the_migration_backfills_the_same_search_text_the_service_writes():
    path = next(Path(__file__).parents[2].glob("migrations/versions/*_item_keywords_and_search_text.py"))
    spec = importlib.util.spec_from_file_location("keywords_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("有限责任公司登记（设立）", "ABC 证明  核发", ""):
        assert module._search_text(name) == item_search_text(name, "")


# --- the front door ---


def test_anonymous_visitors_get_the_front_door_not_the_sign_in_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'action="/guide/"' in html  # find a service
    assert 'name="q"' in html
    assert 'action="/track"' in html  # track a case
    assert 'name="number"' in html
    assert 'href="/login"' in html  # staff sign in
    for path in ("/rate", "/complain", "/results"):
        assert (f'href="{path}"' in html) == served(path), path
    # The tracking form's number reaches the tracking page, filled in.
    assert 'value="ABC-1"' in client.get("/track?number=ABC-1").get_data(as_text=True)


def test_signed_in_staff_keep_their_landing_page(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    login(client, user.username)
    html = client.get("/").get_data(as_text=True)
    assert user.display_name in html
    assert 'action="/guide/"' not in html


@pytest.mark.parametrize("path", ["/cases", "/approvals"])
def test_staff_pages_still_send_anonymous_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_cached_search_page_shows_new_keywords_at_once(app, client, make_item, monkeypatch):
    from service_center.views import page_cache

    app.config["PAGE_CACHE_SECONDS"] = 60
    monkeypatch.setattr(page_cache, "STAMP_SECONDS", 0.0)
    page_cache.clear_page_cache()
    try:
        item = make_item(name="食品经营许可证核发")
        db.session.commit()
        assert item.name not in _names(client, "q=开饭店")
        assert item.name not in _names(client, "q=开饭店")  # now from the cache
        save_item(item, _data(item, keywords="开饭店"))
        db.session.commit()
        assert item.name in _names(client, "q=开饭店")
        assert item.name not in _names(client, "q=开饭店&category=confirmation")
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        page_cache.clear_page_cache()
