"""#11 in Chromium: a manager picks a month on the dashboard (charts drawn by the vendored ECharts), drills into a
window's overdue cases and exports them; the bulletin on screen and as printed; the hall board updating itself
in place. Screenshots of the dashboard, the bulletin and the hall board are saved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from service_center.database import reset_reads_only, set_reads_only
from service_center.extensions import db
from service_center.services.clock import local_now
from service_center.services.statistics import refresh_days
from tests.browser.test_browser_cases import sign_in
from tests.web.test_statistics_web import centre  # noqa: F401  (the fixture: two departments' March cases)

pytestmark = pytest.mark.browser


def _console_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    """From now on, the page's script errors and what the Content-Security-Policy refused."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    return errors


def test_a_manager_picks_a_month_drills_into_overdue_cases_and_exports_them(page, centre, tmp_path: Path):  # noqa: F811
    window = centre.hall.window
    errors = _console_errors(page)
    sign_in(page, centre.hall.manager.username)
    page.click("#landing-statistics a[href='/statistics']")
    page.select_option("#stats-period", "month")
    page.fill("#stats-month", "2026-03")
    page.select_option("#stats-breakdown", "window")
    page.click("#stats-filters button[type=submit]")
    page.wait_for_url(re.compile(r"month=2026-03"))
    assert page.locator("#stats-heading").inner_text().startswith("2026-03")
    page.wait_for_selector("#chart-trend[data-drawn=true] canvas")  # ECharts, served by the app
    page.wait_for_selector("#chart-rank-windows[data-drawn=true] canvas")

    received = page.locator("#stats-table th", has_text="收件").locator("button")
    received.click()
    assert page.locator("#stats-table th[aria-sort=descending]").count() == 1
    first = page.locator("#stats-table tbody tr").first
    assert first.get_attribute("data-key") == str(window.id)  # 2 received, before the other window's 1
    page.screenshot(path=str(tmp_path / "statistics-dashboard.png"), full_page=True)
    assert errors == []  # the strict Content-Security-Policy refused nothing

    page.click(f"#stats-table tr[data-key='{window.id}'] td[data-column=overdue_open] a")
    page.wait_for_url(re.compile(r"/statistics/cases\?.*measure=overdue_open"))
    assert "超期未办结" in page.locator("#drill-heading").inner_text()
    rows = page.locator("tr.case-row")
    assert rows.count() == 1
    assert rows.first.inner_text().startswith(centre.overdue.number)

    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    exported = list(load_workbook(saved, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in exported[1:]] == [centre.overdue.number]


def test_the_bulletin_on_screen_and_printed(page, centre, tmp_path: Path):  # noqa: F811
    errors = _console_errors(page)
    sign_in(page, centre.hall.manager.username)
    page.goto("/statistics/bulletin?month=2026-03")
    page.wait_for_selector("#chart-rank-windows[data-drawn=true] canvas")
    assert page.locator("table.bulletin-cases[data-measure=overdue_open] tbody tr").count() == 2
    page.screenshot(path=str(tmp_path / "statistics-bulletin.png"), full_page=True)
    page.click("#print-bulletin")
    page.wait_for_url(re.compile(r"print=1"))
    page.emulate_media(media="print")
    assert not page.locator("button[data-print]").is_visible()  # the print button stays off the paper
    page.screenshot(path=str(tmp_path / "statistics-bulletin-print.png"), full_page=True)
    assert errors == []


def test_the_hall_board_updates_itself_without_a_reload(page, app, centre, tmp_path: Path, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "HALL_BOARD_REFRESH_SECONDS", 5)  # the script's shortest interval
    errors = _console_errors(page)
    hall = centre.hall
    sign_in(page, hall.manager.username)
    page.goto("/hall-board")
    cell = page.locator(f"#hall-board tr[data-window='{hall.window.number}'] td[data-measure=received]")
    assert cell.inner_text() == "0"
    page.evaluate("document.getElementById('hall-board').dataset.loaded = 'once'")
    page.screenshot(path=str(tmp_path / "hall-board.png"), full_page=True)

    now = local_now()
    db.session.commit()  # end the test's read snapshot; write as a writer (BEGIN IMMEDIATE on SQLite)
    token = set_reads_only(False)
    try:
        hall.receive(day=now.date().isoformat(), name="赵六")
        refresh_days(now.date(), now.date())
        db.session.commit()
    finally:
        reset_reads_only(token)
    expect(cell).to_have_text("1", timeout=15_000)
    assert page.evaluate("document.getElementById('hall-board').dataset.loaded") == "once"  # same page
    assert page.locator("#hall-board tfoot td[data-measure=waiting]").inner_text() == "1"
    assert "赵六" not in page.content()
    assert errors == []
