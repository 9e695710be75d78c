"""A clerk receives and accepts an application in Chromium, prints the acceptance notice; the applicant tracks it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def click_and_answer(page, selector: str, *, accept: bool) -> list[str]:
    """Click ``selector`` and answer the confirmation it asks for; returns the messages asked (none: not asked)."""
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept() if accept else dialog.dismiss()))
    page.click(selector)
    return asked


def test_clerk_receives_accepts_prints_and_the_applicant_tracks(page, chromium_browser, live_server, hall):
    db.session.commit()
    sign_in(page, hall.clerk.username)

    # The counter: find the item by typing part of its name, fill in the applicant.
    page.click("nav a[href='/cases/receive']")
    page.fill("#item-filter", hall.committed.name)
    assert page.locator("#item option:not([hidden])").count() == 1
    page.select_option("#item", str(hall.committed.id))
    page.fill("input[name=applicant_name]", "欧阳娜娜")
    page.fill("input[name=applicant_id_number]", "330102199001011234")
    page.fill("input[name=applicant_phone]", "13800000000")
    for material in hall.committed.materials:  # every material handed in, none defective
        page.check(f"input[name=material-{material.id}-received]")
    page.click("#receive-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+(\?received=1)?$"))
    number = page.locator("#case-number").inner_text().strip()
    query_code = page.locator("#query-code").inner_text().strip()
    assert page.locator("#case-state").inner_text() == "已收件"

    # Accept: the primary action is open on the case page.
    page.click("button[name=submit-accept]")
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "审查中"
    assert page.locator(".flash-success").count() == 1
    db.session.rollback()  # end the test thread's read snapshot: see the server's commits
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert case.state == "under_review"
    assert case.window_id == hall.window.id
    assert case.first_contact_id == hall.clerk.id
    promised = case.due_promised
    assert page.locator("#due-promised").inner_text().startswith(promised.isoformat())

    # The acceptance notice.
    page.click(f"a[href='/cases/{case.id}/notices/acceptance']")
    page.wait_for_url(re.compile(r"/notices/acceptance$"))
    assert page.locator("#notice-number").inner_text() == number
    assert page.locator("#notice-query-code").inner_text() == query_code
    assert page.locator("#notice-promised").inner_text() == f"{promised.year}年{promised.month}月{promised.day}日"
    assert "(印章)" in page.locator(".seal").inner_text() or "(Seal)" in page.locator(".seal").inner_text()

    # The applicant, without an account, tracks the case.
    context = chromium_browser.new_context(base_url=live_server, locale="zh-CN")
    try:
        applicant = context.new_page()
        applicant.goto("/track")
        applicant.fill("input[name=number]", number)
        applicant.fill("input[name=query_code]", query_code)
        applicant.click("form button[type=submit]")
        applicant.wait_for_load_state()
        assert applicant.locator("#track-applicant").inner_text() == "欧**"
        assert applicant.locator("#track-id-number").inner_text() == "330***********1234"
        assert applicant.locator("#track-state").inner_text() == "审查中"
        body = applicant.locator("body").inner_text()
        assert "欧阳娜娜" not in body
        assert hall.clerk.display_name not in body

        # A wrong code: the same "not found" answer, the input kept.
        applicant.goto("/track")
        applicant.fill("input[name=number]", number)
        applicant.fill("input[name=query_code]", "WRONG234")
        applicant.click("form button[type=submit]")
        applicant.wait_for_load_state()
        assert applicant.locator("#track-not-found").is_visible()
        assert applicant.input_value("input[name=number]") == number
    finally:
        context.close()


def test_a_special_procedure_and_the_decision_are_notified_in_writing(page, live_server, hall):
    from service_center.services import reception

    case = reception.accept(hall.receive(name="欧阳娜娜"), hall.actor("clerk"))
    db.session.commit()

    # The reviewer asks for an expert review: nobody is named, nothing is ticked, the clock still runs.
    sign_in(page, hall.reviewer.username)
    page.goto(f"/cases/{case.id}")
    page.click("#action-request_special_procedure summary")
    page.select_option("select[name=request_special_procedure-procedure_type]", "expert_review")
    page.fill("input[name=request_special_procedure-expected_days]", "5")
    page.fill("textarea[name=request_special_procedure-reason]", "组织专家评审论证")
    page.click("button[name=submit-request_special_procedure]")
    page.wait_for_load_state()
    assert page.locator(".badge-paused").count() == 0

    # The head approves it from the queue: the clock stops; printing the notice tells the applicant in writing.
    page.context.clear_cookies()  # sign out (logout is a POST) and in again as the head
    sign_in(page, hall.head.username)
    page.goto("/approvals")
    page.click(f"#queue-procedures a[href^='/cases/{case.id}']")
    page.wait_for_load_state()
    page.click("button[name=submit-approve_special_procedure]")
    page.wait_for_load_state()
    assert page.locator(".badge-paused").count() >= 1
    page.click(f"a[href='/cases/{case.id}/notices/special_procedure']")
    page.wait_for_url(re.compile(r"/notices/special_procedure$"))
    notice = page.locator("#notice-procedure").inner_text()
    assert "专家评审" in notice
    assert "组织专家评审论证" in notice

    # The head ends it with its result and denies, confirming the irreversible decision.
    page.goto(f"/cases/{case.id}")
    assert hall.head.display_name in page.locator("#pauses").inner_text()
    page.click("#action-end_special_procedure summary")
    page.fill("textarea[name=end_special_procedure-result]", "专家评审认为不符合条件")
    page.click("button[name=submit-end_special_procedure]")
    page.wait_for_load_state()
    page.click("#action-deny summary")
    page.fill("textarea[name=deny-reason]", "经营场所不符合卫生要求")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=submit-deny]")
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "不予许可"
    page.click(f"a[href='/cases/{case.id}/notices/decision']")
    page.wait_for_url(re.compile(r"/notices/decision$"))
    assert page.locator("h1.notice-title").inner_text() == "不予行政许可决定书"
    assert page.locator("#notice-reason").inner_text() == "经营场所不符合卫生要求"
    assert "60" in page.locator("#notice-remedies").inner_text()
