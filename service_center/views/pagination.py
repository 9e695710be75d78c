"""Search and pagination helpers for list pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db


def search_term() -> str:
    return request.args.get("q", "", type=str).strip()[:100]


def like(term: str) -> str:
    """A LIKE pattern for ``term`` with its wildcards escaped (use with escape='\\\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def paginate(query: sa.Select) -> Pagination:
    """Paginate a select with ?page= from the request; out-of-range pages give an empty last page, not 404."""
    return db.paginate(
        query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False, max_per_page=100
    )


def page_url(page: int) -> str:
    """The current list URL with its search arguments kept and ``page`` replaced (a template global)."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)
