"""The public front door and the guide's search on a 390 px phone: nothing wider than the screen, the search bar's
filters and button visible, and a search by a common name finds the item."""

from __future__ import annotations

from service_center.extensions import db
from service_center.models import ItemCategory

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth")


def test_front_door_and_guide_search_fit_a_phone(page, make_item):
    make_item(name="有限责任公司登记（设立）", keywords="营业执照，执照", category=ItemCategory.LICENSING)
    make_item(name="食品经营许可证核发")
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto("/")
    assert _page_width(page) <= PHONE["width"]
    page.fill("#find input[name=q]", "营业执照")
    page.click("#find button[type=submit]")
    page.wait_for_url("**/guide/?q=*")
    assert _page_width(page) <= PHONE["width"]
    for selector in ("form.search input[name=q]", "form.search select[name=department]",
                     "form.search select[name=category]", "form.search select[name=type]",
                     "form.search button[type=submit]"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0, selector
        assert box["x"] + box["width"] <= PHONE["width"], selector
    rows = page.locator("table.list tbody").inner_text()
    assert "有限责任公司登记（设立）" in rows
    assert "食品经营许可证核发" not in rows
