"""The API's pages in Chromium: a clerk creates a personal access token from the nav, copies it (shown once), uses
it against the API, and revokes it after confirming; the documentation page renders the app's own OpenAPI
document with the vendored Swagger UI (no CDN: every request stays on the app's origin)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models.api import ApiToken
from tests.browser.test_browser_cases import sign_in

pytestmark = pytest.mark.browser


def test_a_clerk_creates_uses_and_revokes_a_token(page, live_server, hall):
    db.session.commit()
    sign_in(page, hall.clerk.username)
    page.click("nav a[href='/account/tokens']")
    page.fill("input[name=name]", "排队机")
    page.select_option("select[name=scope]", "read")
    page.fill("input[name=days]", "30")
    page.click("form button.primary")
    secret = page.locator("#new-token").inner_text().strip()
    assert secret.startswith("scp_")
    assert "请立即复制令牌" in page.content()

    api = page.context.request  # the browser's own cookies are sent too, and ignored by the API
    assert api.get(f"{live_server}/api/v1/cases").status == 401
    listed = api.get(f"{live_server}/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status == 200

    page.goto("/account/tokens")
    assert secret not in page.content()  # shown once, on the page that created it
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form button.danger")
    page.wait_for_load_state()
    assert "已撤销" in page.locator("table").inner_text()
    db.session.rollback()
    assert db.session.scalars(sa.select(ApiToken)).one().revoked_at is not None
    assert api.get(f"{live_server}/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status == 401


def test_the_documentation_page_renders_the_document_from_the_app(page, live_server):
    origins = set()
    page.on("request", lambda request: origins.add(request.url.split("/")[2]))
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/cases/{case_id}/actions/{trigger}" in p.replace("\u200b", "") for p in paths)
    assert origins == {live_server.split("/")[2]}
