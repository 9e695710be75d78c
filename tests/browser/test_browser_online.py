"""Online application end to end in Chromium: an applicant applies online from the item's guide with two files,
the window's clerk pre-reviews it (网上预审) and sends the one-time notice to supplement, the applicant uploads the
supplement from the tracking result, the clerk records it and the case is accepted. Screenshots of each step."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, CaseFile
from service_center.storage import LocalFileStore
from tests.browser.test_browser_cases import sign_in
from tests.online.conftest import JPEG, PDF, PNG

pytestmark = pytest.mark.browser


@pytest.fixture
def store(app, tmp_path) -> Iterator[LocalFileStore]:
    store = LocalFileStore(tmp_path / "uploads")
    app.extensions["file_store"] = store
    yield store
    app.extensions.pop("file_store", None)


def upload(name: str, mime: str, data: bytes) -> dict[str, object]:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_apply_online_pre_review_supplement_and_accept(page, chromium_browser, live_server, hall, store, tmp_path):
    application, id_copy = hall.committed.materials
    db.session.commit()

    # The applicant: from the guide to the online form, two files, the receipt with number and query code.
    page.goto(f"/guide/{hall.committed.code}")
    page.click("#guide-apply-online")
    page.wait_for_url(f"**/online/apply/{hall.committed.code}")
    page.fill("input[name=applicant_name]", "欧阳娜娜")
    page.fill("input[name=applicant_id_number]", "330102199001011234")
    page.fill("input[name=applicant_phone]", "13800000000")
    page.set_input_files(f"input[name=material_{application.id}]", upload("申请书.pdf", "application/pdf", PDF))
    page.set_input_files(f"input[name=material_{id_copy.id}]", upload("身份证.png", "image/png", PNG))
    page.click("#online-apply-form button[type=submit]")
    page.wait_for_selector("#online-number")
    number = page.locator("#online-number").inner_text().strip()
    query_code = page.locator("#online-query-code").inner_text().strip()
    assert page.locator("h1").inner_text() == "申请已提交"
    page.screenshot(path=str(tmp_path / "online-submitted.png"), full_page=True)

    # The clerk: the pre-review queue, the case with its files, the one-time notice for the ID copy.
    clerk = chromium_browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    sign_in(clerk, hall.clerk.username)
    clerk.click("nav a[href='/online/pre-review']")
    clerk.click(f"#pre-review-queue a:has-text('{number}')")
    clerk.wait_for_url(re.compile(r"/cases/\d+$"))
    assert clerk.locator("#case-files a").all_inner_texts() == ["申请书.pdf", "身份证.png"]
    clerk.screenshot(path=str(tmp_path / "online-pre-review-case.png"), full_page=True)
    clerk.click("#action-request_supplement summary")
    clerk.check(f"#action-request_supplement input[value='{id_copy.name}']")
    clerk.click("button[name=submit-request_supplement]")
    clerk.wait_for_load_state()
    assert clerk.locator("#case-state").inner_text() == "待补正"

    # The applicant: tracking offers the online supplement; upload the ID copy again.
    page.goto(f"/track?number={number}")
    page.fill("input[name=query_code]", query_code)
    page.click("form button[type=submit]:has-text('查询')")
    page.click("#track-supplement-online")
    page.fill("input[name=query_code]", query_code)
    page.click("#online-lookup-form button[type=submit]")
    page.set_input_files("input[name=supplement_0]", upload("身份证-清晰版.jpg", "image/jpeg", JPEG))
    page.click("#online-supplement-form button[type=submit]")
    page.wait_for_selector("#supplement-done")
    page.screenshot(path=str(tmp_path / "online-supplemented.png"), full_page=True)

    # The clerk sees the upload in the queue, opens the case and records the supplement: accepted.
    clerk.goto("/online/pre-review")
    assert clerk.locator("#pre-review-queue .supplement-uploaded").count() == 1
    clerk.click(f"#pre-review-queue a:has-text('{number}')")
    assert "身份证-清晰版.jpg" in clerk.locator("#case-files").inner_text()
    clerk.click("button[name=submit-record_supplement]")
    clerk.wait_for_load_state()
    assert clerk.locator("#case-state").inner_text() == "审查中"
    clerk.screenshot(path=str(tmp_path / "online-accepted.png"), full_page=True)
    db.session.rollback()  # a new transaction sees what the server's requests committed
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    assert (case.state, case.received_on <= case.accepted_on, case.window_id) == ("under_review", True, hall.window.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseFile).where(CaseFile.case_id == case.id)) == 3
    clerk.context.close()
