"""The guide's flow chart drawn as a picture: the item's page loads the vendored Mermaid and the app's drawing
script from the app itself (never a CDN), keeps the diagram's source hidden and the textual main path for pages
read without JavaScript; the vendored file is served, pinned (its hash and version recorded), with its licence.
Also through the page cache, under the security headers. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from service_center.extensions import db
from service_center.views.page_cache import clear_page_cache

VENDOR = Path(__file__).resolve().parents[2] / "service_center" / "static" / "vendor"
MERMAID = "/static/vendor/mermaid/mermaid.min.js"


@pytest.fixture
def guide_page(client, make_item, make_window):  # type: ignore[no-untyped-def]
    item = make_item(name="建筑工程施工许可证核发")
    item.windows = [make_window(department=item.department)]
    db.session.commit()
    return f"/guide/{item.code}"


def test_the_item_page_draws_the_flow_chart_with_the_served_library(client, guide_page):
    response = client.get(guide_page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert MERMAID in scripts
    assert "/static/guide-diagram.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)  # nothing from a CDN
    # The source is never shown: it sits in a hidden element, the picture's place is hidden until drawn.
    assert re.search(r'<pre id="flow-diagram-source" hidden>\s*stateDiagram-v2', html)
    assert re.search(r'<figure[^>]*id="flow-diagram"[^>]*hidden', html)
    assert "<details" not in html.split('id="flow-diagram"')[0].rsplit("<h2>", 1)[1]
    assert 'class="flow"' in html  # the textual main path for a page read without JavaScript
    # The only security policy is against framing: it lets the page run its own scripts and draw.
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_the_vendored_library_is_served_pinned_and_licensed(client):
    response = client.get(MERMAID)
    assert response.status_code == 200
    assert "javascript" in response.mimetype
    body = response.get_data()
    response.close()
    assert b'globalThis["mermaid"]' in body
    version = (VENDOR / "mermaid" / "VERSION").read_text().strip()
    assert version == "12.3.0"
    assert "MIT License" in (VENDOR / "mermaid" / "LICENSE").read_text()
    readme = (VENDOR / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| Mermaid |"))
    assert f"| {version} |" in row
    assert hashlib.sha256(body).hexdigest() in row
    script = client.get("/static/guide-diagram.js")
    assert script.status_code == 200
    assert b"mermaid.render" in script.get_data()
    script.close()


def test_the_cached_page_still_loads_the_library(app, client, guide_page):
    app.config["PAGE_CACHE_SECONDS"] = 60
    clear_page_cache()
    try:
        first = client.get(guide_page).get_data(as_text=True)
        cached = client.get(guide_page).get_data(as_text=True)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0
        clear_page_cache()
    assert first == cached
    assert MERMAID in cached
