"""A rating appeal (好差评申诉) in Chromium: the window's clerk appeals a bad rating from the case's ratings page,
the supervision office finds it in its list and revokes it, after the confirmation dialog (declined first: nothing
is decided). Screenshots of both sides are saved."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Role
from service_center.models.ratings import RatingAppeal, RatingAppealStatus
from service_center.services import decisions, reception
from service_center.services.core import APPLICANT
from service_center.services.ratings import rate
from tests.browser.test_browser_cases import click_and_answer, sign_in
from tests.hall import at

pytestmark = pytest.mark.browser


def _appeal() -> RatingAppeal | None:
    db.session.rollback()  # a new transaction sees what the server's requests committed
    return db.session.scalars(sa.select(RatingAppeal)).one_or_none()


def test_the_window_appeals_and_the_office_revokes_after_confirming(chromium_browser, live_server, hall, make_user,
                                                                    tmp_path: Path):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))
    rate(case, "link", "very_dissatisfied", "态度恶劣", actor=APPLICANT, when=at("2026-03-12"))
    office = make_user(Role.SUPERVISOR)
    db.session.commit()
    clerk_page = chromium_browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    office_page = chromium_browser.new_context(base_url=live_server, locale="zh-CN").new_page()

    sign_in(clerk_page, hall.clerk.username)
    clerk_page.goto(f"/cases/{case.id}/ratings")
    clerk_page.click("text=对此评价提出申诉")
    clerk_page.fill(".appeal-form textarea[name=reason]", "申请人当场表示满意，系误评")
    clerk_page.click(".appeal-form button[type=submit]")
    clerk_page.wait_for_selector("text=申诉已提交")
    assert "申诉待处理" in clerk_page.locator("#ratings").inner_text()
    clerk_page.screenshot(path=str(tmp_path / "rating-appealed.png"), full_page=True)
    assert _appeal().status == RatingAppealStatus.PENDING

    sign_in(office_page, office.username)
    office_page.goto("/supervision/cards")
    office_page.click("#rating-appeals-link")
    office_page.click(f"#rating-appeals a:has-text('{case.number}')")
    assert "申请人当场表示满意，系误评" in office_page.locator("#rating-appeal").inner_text()
    office_page.check("#decide-rating-appeal input[name=decision][value=revoke]")
    office_page.fill("#decide-rating-appeal textarea[name=decision_reason]", "经回访核实为误评")
    office_page.check("#decide-rating-appeal input[name=confirm]")
    asked = click_and_answer(office_page, "#decide-rating-appeal button[type=submit]", accept=False)
    assert asked == ["确认记录此处理结果？记录后不可更改。"]
    assert _appeal().status == RatingAppealStatus.PENDING
    assert click_and_answer(office_page, "#decide-rating-appeal button[type=submit]", accept=True) == asked
    office_page.wait_for_selector("text=处理结果已记录")
    appeal = _appeal()
    assert (appeal.status, appeal.decision_reason, appeal.decided_by_id) == (
        RatingAppealStatus.REVOKED, "经回访核实为误评", office.id)
    assert office_page.locator("#appeal-status").inner_text() == "已撤销"
    office_page.screenshot(path=str(tmp_path / "rating-appeal-revoked.png"), full_page=True)
    for each in (clerk_page, office_page):
        each.context.close()
