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


MAX_ID = 2**31 - 1  # the largest id or page number a request may ask for (PostgreSQL INTEGER)


def int_arg(name: str, default: int | None = None) -> int | None:
    """A positive integer query argument within database range, else ``default`` (never an error)."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else default


def paginate(query: sa.Select) -> Pagination:
    """Paginate a select with ?page= from the request; out-of-range pages give an empty last page, not 404."""
    return db.paginate(query, page=int_arg("page", 1), per_page=current_app.config["ITEMS_PER_PAGE"],
                       error_out=False, max_per_page=100)


def page_url(page: int) -> str:
    """The current list URL with its search arguments kept and ``page`` replaced (a template global).

    Arguments url_for would read as its own (``endpoint``, ``_anchor``, ``_external`` ...) are dropped.
    """
    kept = {k: v for k, v in request.args.to_dict().items() if k != "endpoint" and not k.startswith("_")}
    return url_for(request.endpoint, **{**(request.view_args or {}), **kept, "page": page})
