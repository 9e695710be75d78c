"""A manager filters the case list in Chromium and downloads the filtered list as Excel."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from service_center.extensions import db
from service_center.services import reception
from tests.conftest import PASSWORD
from tests.hall import at

pytestmark = pytest.mark.browser


def test_a_manager_filters_the_list_and_downloads_it(page, hall, tmp_path):
    accepted = hall.receive(day="2026-03-02", name="张三")
    reception.accept(accepted, hall.actor("clerk"), when=at("2026-03-02"))
    later = hall.receive(day="2026-03-09", name="李四")
    reception.accept(later, hall.actor("clerk"), when=at("2026-03-09"))
    waiting = hall.receive(day="2026-03-03", name="王五")  # received, not accepted
    db.session.commit()

    page.goto("/login")
    page.fill("input[name=username]", hall.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/cases")
    for case in (accepted, later, waiting):
        assert page.locator("tr.case-row", has_text=case.number).count() == 1
    page.select_option("#filter-window", str(hall.window.id))
    page.select_option("#filter-state", "under_review")
    page.fill("#filter-received_from", "2026-03-01")
    page.fill("#filter-received_to", "2026-03-05")
    page.click("#case-filters button[type=submit]")
    page.wait_for_url(re.compile(r"state=under_review"))
    assert page.locator("tr.case-row").count() == 1
    assert page.locator("tr.case-row").first.inner_text().startswith(accepted.number)
    assert page.locator("#filter-state").input_value() == "under_review"  # kept in the form
    page.screenshot(path=str(tmp_path / "case-list-filtered.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("办件编号", "事项", "申请人")
    assert [row[0] for row in rows[1:]] == [accepted.number]
    assert rows[1][3] == "330***********1234"
