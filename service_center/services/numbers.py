"""Case numbers (办件编号) and query codes (查询码)."""

from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import CaseCounter

# No 0/O, 1/I/L: read aloud at the counter and typed on a phone.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8


def next_case_number(day: date, kind: str = "") -> str:
    """A readable, unique number: centre code + kind letter + date + 5-digit daily sequence, e.g. SC20261122-00042.

    The counter row is incremented with one atomic UPDATE ... RETURNING (created on first use with an
    INSERT that ignores a concurrent twin), so concurrent receipts never share a number.
    """
    prefix = f"{current_app.config['CENTRE_CODE']}{kind}{day:%Y%m%d}"
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(CaseCounter).values(prefix=prefix, last=0).on_conflict_do_nothing())
    last = db.session.scalar(
        sa.update(CaseCounter)
        .where(CaseCounter.prefix == prefix)
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
    )
    return f"{prefix}-{last:05d}"


def new_query_code() -> str:
    """A random code the applicant uses with the case number to track the case (never derived from it)."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))
