"""A per-process cache of public pages that only the catalogue changes (the guide index and each item's guide).

A page is served from the cache when the visitor is anonymous, has no message waiting, and the catalogue is
unchanged since the page was rendered: one cheap query over the catalogue's tables (how many rows, and when
one last changed) tells, on every request, so an edit shows at once in every worker. Entries are keyed by the
path with its query string and the language, and also expire after ``PAGE_CACHE_SECONDS`` (a safety net; 0
turns the cache off). Only successful HTML responses are kept, without their cookies.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..database import read_without_transaction
from ..extensions import db

MAX_ENTRIES = 2048

_lock = threading.Lock()
_pages: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], float, bytes, str]] = OrderedDict()


# One round trip, written out once: building it with the expression language on every request cost more than
# running it. Portable SQL (SQLite and PostgreSQL).
STAMP_SQL = (
    "SELECT (SELECT count(*) FROM items), (SELECT max(updated_at) FROM items),"
    " (SELECT count(*) FROM item_materials), (SELECT max(id) FROM item_materials),"
    " (SELECT max(updated_at) FROM departments), (SELECT max(updated_at) FROM windows),"
    " (SELECT count(*) FROM item_windows), (SELECT coalesce(sum(window_id * 7919 + item_id), 0) FROM item_windows)"
)


STAMP_SECONDS = 1.0
"""How long a worker trusts the stamp it read: a catalogue change shows within a second everywhere."""

_stamp: tuple[float, tuple[Any, ...]] | None = None


def catalogue_stamp() -> tuple[Any, ...]:
    """What changes whenever anything a guide page shows changes: rows and last changes of items, their
    materials, departments and windows, and which windows accept which items (one query, read at most once
    a second per worker). A published item changes only by a new version or a change of its status, both of
    which show here."""
    global _stamp
    now = time.monotonic()
    remembered = _stamp
    if remembered is not None and now - remembered[0] < STAMP_SECONDS:
        return remembered[1]
    read_without_transaction(db.session)
    stamp = tuple(db.session.connection().exec_driver_sql(STAMP_SQL).one())
    _stamp = (now, stamp)
    return stamp


def _cacheable() -> bool:
    seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0)
    return bool(seconds) and not current_user.is_authenticated and "_flashes" not in session


def cached_public_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve ``view``'s page from the cache while the catalogue is unchanged (see the module docstring)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not _cacheable():
            return view(*args, **kwargs)
        key = (request.full_path, str(get_locale()))
        stamp = catalogue_stamp()
        now = time.monotonic()
        with _lock:
            entry = _pages.get(key)
            if entry is not None and entry[0] == stamp and entry[1] > now:
                _pages.move_to_end(key)
                return Response(entry[2], mimetype=entry[3])
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and response.mimetype == "text/html" and not response.direct_passthrough:
            expires = now + current_app.config["PAGE_CACHE_SECONDS"]
            with _lock:
                _pages[key] = (stamp, expires, response.get_data(), response.mimetype)
                _pages.move_to_end(key)
                while len(_pages) > MAX_ENTRIES:
                    _pages.popitem(last=False)
        return response

    return wrapped


def clear_page_cache() -> None:
    """Forget every cached page and the stamp (tests)."""
    global _stamp
    with _lock:
        _pages.clear()
        _stamp = None
