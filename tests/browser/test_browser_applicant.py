"""The applicant's side on a 390 px phone, from the front door: search 营业执照, open the item's guide (its flow chart
drawn as a picture by the served Mermaid), track a case whose clock is stopped, rate a closed case from its
tracking result. Nothing is wider than the screen; a screenshot of each step is saved."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Rating
from service_center.services import decisions, reception
from tests.hall import at

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth")


def _track(page, case) -> None:  # type: ignore[no-untyped-def]
    """From the front door's tracking box to the result, as an applicant with the receipt in hand."""
    page.goto("/")
    page.fill("#track input[name=number]", case.number)
    page.click("#track button[type=submit]")
    page.fill("input[name=query_code]", case.query_code)
    page.click("form button[type=submit]:has-text('查询')")
    page.wait_for_selector("#track-number, #track-not-found")


def test_an_applicant_finds_tracks_and_rates_on_a_phone(page, hall, make_item, tmp_path):
    licence = make_item(name="有限责任公司登记（设立）", keywords="营业执照，执照", department=hall.lead,
                        windows=[hall.window])
    paused = hall.receive(day="2026-03-02", name="王小明")
    reception.accept(paused, hall.actor("clerk"), when=at("2026-03-02"))
    hall.start_procedure(paused, hall.actor("reviewer"), "inspection", reason="样品检验", expected_days=12,
                         when=at("2026-03-05"))
    closed = hall.receive(day="2026-03-02", name="李小红")
    reception.accept(closed, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(closed, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(closed, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(closed, hall.actor("clerk"), when=at("2026-03-12"))
    db.session.commit()
    page.set_viewport_size(PHONE)

    # Search the guide from the front door by the common name, open the item's guide.
    page.goto("/")
    page.fill("#find input[name=q]", "营业执照")
    page.click("#find button[type=submit]")
    page.wait_for_url("**/guide/?q=*")
    page.click(f"a[href='/guide/{licence.code}']")
    page.wait_for_url(f"**/guide/{licence.code}")
    page.wait_for_selector("#flow-diagram[data-rendered=true] svg")
    assert page.locator("#flow-diagram-source").is_hidden()  # the diagram's source is never shown
    assert "已受理" in (page.locator("#flow-diagram svg").text_content() or "")
    assert _page_width(page) <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "guide-item-phone.png"), full_page=True)

    # Track the case whose clock is stopped.
    _track(page, paused)
    assert page.locator("#track-pause").inner_text().startswith("计时暂停：检验")
    assert "王小明" not in page.content()
    assert _page_width(page) <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "track-paused-phone.png"), full_page=True)

    # Rate the closed case from its tracking result.
    _track(page, closed)
    page.check("#track-rate input[name=level][value=satisfied]")
    page.click("#track-rate button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    assert _page_width(page) <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "rated-phone.png"), full_page=True)
    db.session.rollback()  # a new transaction sees what the server's requests committed
    assert db.session.execute(sa.select(Rating.channel, Rating.level).where(Rating.case_id == closed.id)).all() == [
        ("tracking", "satisfied")]
