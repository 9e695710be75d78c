"""Issue #8 end to end in Chromium: the counter's checklist with a defective material, the one-time notice that
prints the defect, the supplement, the reviewer's opinion and special-procedure request, and the head's queue
where the procedure is approved, then the decision. Screenshots of the counter and the head's queue are saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case
from tests.browser.test_browser_cases import sign_in

pytestmark = pytest.mark.browser

DEFECT = "复印件字迹不清，请提供清晰复印件"


def test_counter_to_decision_with_a_defective_material(page, live_server, hall, tmp_path: Path):
    db.session.commit()
    key, copy = hall.committed.materials  # 申请书 (key), 身份证复印件
    sign_in(page, hall.clerk.username)

    # The counter: the key material handed in, the copy handed in but defective.
    page.goto("/cases/receive")
    page.select_option("#item", str(hall.committed.id))
    page.fill("input[name=applicant_name]", "欧阳娜娜")
    page.fill("input[name=applicant_id_number]", "330102199001011234")
    page.check(f"input[name=material-{key.id}-received]")
    page.check(f"input[name=material-{copy.id}-received]")
    page.fill(f"input[name=material-{copy.id}-defect]", DEFECT)
    page.screenshot(path=str(tmp_path / "counter.png"), full_page=True)
    page.click("#receive-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+(\?received=1)?$"))
    db.session.rollback()
    case = db.session.scalar(sa.select(Case).where(Case.applicant_name == "欧阳娜娜"))
    assert case.state == "received"

    # The one-time notice: pre-filled with the defective copy; the printed notice gives the defect.
    page.click("#action-request_supplement summary")
    assert page.locator(f"input[name=request_supplement-missing_materials][value='{copy.name}']").is_checked()
    assert not page.locator(f"input[name=request_supplement-missing_materials][value='{key.name}']").is_checked()
    page.click("button[name=submit-request_supplement]")
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "待补正"
    page.click(f"a[href='/cases/{case.id}/notices/supplement']")
    page.wait_for_url(re.compile(r"/notices/supplement$"))
    notice = page.locator("body").inner_text()
    assert copy.name in notice
    assert DEFECT in notice

    # The supplement arrives: accepted, the clock starts.
    page.goto(f"/cases/{case.id}")
    page.click("button[name=submit-record_supplement]")
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "审查中"

    # The reviewer gives an opinion and asks for an expert review.
    page.context.clear_cookies()
    sign_in(page, hall.reviewer.username)
    page.goto(f"/cases/{case.id}")
    page.fill("textarea[name=record_opinion-opinion]", "材料齐全，建议组织专家评审后准予许可")
    page.click("button[name=submit-record_opinion]")
    page.wait_for_load_state()
    page.click("#action-request_special_procedure summary")
    page.select_option("select[name=request_special_procedure-procedure_type]", "expert_review")
    page.fill("input[name=request_special_procedure-expected_days]", "3")
    page.fill("textarea[name=request_special_procedure-reason]", "技术方案需专家论证")
    page.click("button[name=submit-request_special_procedure]")
    page.wait_for_load_state()

    # The head's queue: the request and the opinion wait there; the head approves, ends it and grants.
    page.context.clear_cookies()
    sign_in(page, hall.head.username)
    page.goto("/approvals")
    page.screenshot(path=str(tmp_path / "head-queue.png"), full_page=True)
    assert case.number in page.locator("#queue-procedures").inner_text()
    page.click(f"#queue-procedures a[href^='/cases/{case.id}']")
    page.wait_for_load_state()
    assert "材料齐全，建议组织专家评审后准予许可" in page.locator("body").inner_text()
    page.click("button[name=submit-approve_special_procedure]")
    page.wait_for_load_state()
    assert page.locator(".badge-paused").count() >= 1
    page.click("#action-end_special_procedure summary")
    page.fill("textarea[name=end_special_procedure-result]", "专家论证通过")
    page.click("button[name=submit-end_special_procedure]")
    page.wait_for_load_state()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=submit-grant]")
    page.wait_for_load_state()
    assert page.locator("#case-state").inner_text() == "准予许可"
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert (case.state, case.outcome) == ("granted", "granted")
    assert [p.result for p in case.pauses] == ["专家论证通过"]
    assert (tmp_path / "counter.png").stat().st_size > 0
    assert (tmp_path / "head-queue.png").stat().st_size > 0
