"""Issue #9 end to end in Chromium: the supervision office issues an order (督办) from a case page, the department's
head answers it from their landing page, the office sends it back, the head answers again and the office closes it
after confirming. Screenshots of the order page at each side are saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import OrderStatus, Role, SupervisionOrder
from service_center.services import reception
from tests.browser.test_browser_cases import click_and_answer, sign_in
from tests.hall import at

pytestmark = pytest.mark.browser


def _order() -> SupervisionOrder:
    db.session.rollback()
    return db.session.scalars(sa.select(SupervisionOrder)).one()


def test_an_order_is_issued_answered_sent_back_and_closed(chromium_browser, live_server, hall, make_user,
                                                          tmp_path: Path):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    office = make_user(Role.SUPERVISOR)
    db.session.commit()
    office_page = chromium_browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    head_page = chromium_browser.new_context(base_url=live_server, locale="zh-CN").new_page()

    # The office issues the order from the case page.
    sign_in(office_page, office.username)
    office_page.goto(f"/cases/{case.id}")
    office_page.click(f"a[href='/supervision/orders/new?case={case.id}']")
    office_page.fill("textarea[name=expectation]", "请说明办理进度")
    office_page.fill("input[name=response_days]", "3")
    office_page.click("#issue-order button[type=submit]")
    office_page.wait_for_url(re.compile(r"/supervision/orders/\d+$"))
    order = _order()
    assert (order.status, order.case_id, order.department_id) == (OrderStatus.ISSUED, case.id, hall.lead.id)
    assert "请说明办理进度" in office_page.locator("#supervision-order").inner_text()

    # The head finds it on their landing page and answers.
    sign_in(head_page, hall.head.username)
    head_page.click(f"#orders-to-answer a[href='/supervision/orders/{order.id}']")
    head_page.fill("textarea[name=response]", "已督促经办人")
    head_page.click("form[action$='/respond'] button[type=submit]")
    head_page.wait_for_load_state()
    assert _order().status == OrderStatus.ANSWERED
    assert head_page.locator("#order-response").inner_text() == "已督促经办人"
    head_page.screenshot(path=str(tmp_path / "order-answered.png"), full_page=True)

    # The office is not satisfied: sent back with a reason; the head answers again.
    office_page.goto(f"/supervision/orders/{order.id}")
    office_page.fill("#send-back-order textarea[name=note]", "答复不具体，请说明预计办结日期")
    office_page.click("#send-back-order button[type=submit]")
    office_page.wait_for_load_state()
    order = _order()
    assert (order.status, order.times_returned) == (OrderStatus.RETURNED, 1)
    head_page.goto(f"/supervision/orders/{order.id}")
    assert "答复不具体，请说明预计办结日期" in head_page.locator("#supervision-order").inner_text()
    head_page.fill("textarea[name=response]", "预计3月10日办结")
    head_page.click("form[action$='/respond'] button[type=submit]")
    head_page.wait_for_load_state()
    assert _order().response == "预计3月10日办结"

    # Closing asks for confirmation: declined, nothing is sent; accepted, the order is closed. (The form's checkbox
    # is named "confirm": a bare confirm() in its onsubmit meant the checkbox, threw, and the form went out unasked.)
    office_page.bring_to_front()
    office_page.goto(f"/supervision/orders/{order.id}")
    office_page.check("#close-order input[name=confirm]")
    asked = click_and_answer(office_page, "#close-order button[type=submit]", accept=False)
    assert asked == ["确认办结该督办单？"]
    assert _order().status == OrderStatus.ANSWERED
    assert click_and_answer(office_page, "#close-order button[type=submit]", accept=True) == asked
    office_page.wait_for_load_state()
    assert _order().status == OrderStatus.CLOSED
    office_page.screenshot(path=str(tmp_path / "order-closed.png"), full_page=True)
    for each in (office_page, head_page):
        each.context.close()
