"""Cursor pagination for the API's lists: newest id first, ``?cursor=`` the opaque token of the last id seen,
``?limit=`` up to 100. A cursor stays valid while rows are added (keyset, not offset)."""

from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import Schema, fields

from ..extensions import db
from ..services import ServiceError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The envelope ``{"items": [...], "next_cursor": "..." | null}``."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item), required=True),
                             "next_cursor": fields.String(allow_none=True, required=True)}, name=name)


def _decode(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = 0
    if value < 1:
        raise ServiceError(_("This cursor is not valid."), field="cursor")
    return value


def _encode(row_id: int) -> str:
    return base64.urlsafe_b64encode(str(row_id).encode()).decode().rstrip("=")


def cursor_page(query: sa.Select, id_column: sa.ColumnElement[int], args: dict) -> tuple[list, str | None]:
    """One page of ``query`` (its own order replaced by ``id_column`` descending) after ``args["cursor"]``."""
    limit = args["limit"]
    query = query.order_by(None).order_by(id_column.desc())
    if args.get("cursor"):
        query = query.where(id_column < _decode(args["cursor"]))
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, _encode(rows[-1].id) if more else None
