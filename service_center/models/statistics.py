"""Statistics (#11): the daily rollup the rates are read from, and the working-day ordinals it is computed with.

One ``stat_daily`` row per (day, window, department, item version, clerk) that had anything to count. Each
measure is counted on the day it happened (see docs/STATISTICS.md): received, accepted, instant on the day of
receipt; closed and its timeliness on the day of closing; overdue_open is the snapshot of that day; cards on the
day they were judged; ratings on the (centre's) day they were given; complaints on the day received. Coarser
breakdowns and any period are ``GROUP BY``/``SUM`` over this table (:mod:`service_center.queries.statistics`).
The rows are derived data: :mod:`service_center.services.statistics` rewrites a range of days in one transaction.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

MEASURES = (
    "received", "accepted", "instant",
    "closed", "closed_on_time_promised", "closed_on_time_statutory", "overdue_closed", "working_days_to_close",
    "closed_rated", "overdue_open",
    "cards_reminder", "cards_yellow", "cards_red", "cards_revoked",
    "ratings_very_satisfied", "ratings_satisfied", "ratings_basic", "ratings_dissatisfied",
    "ratings_very_dissatisfied", "ratings_default", "ratings_revoked", "bad_rectified",
    "complaints",
)
"""The measure columns of :class:`DailyStat`, in table order."""

DIMENSIONS = ("window_id", "department_id", "item_id", "clerk_id")


def _measure() -> Mapped[int]:
    return mapped_column(default=0, server_default="0")


class DailyStat(db.Model):
    """The counts of one day for one (window, department, item version, clerk); any of them may be absent."""

    __tablename__ = "stat_daily"
    __table_args__ = (
        sa.Index("ix_stat_daily_day_department", "day", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("windows.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("items.id"))
    clerk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    received: Mapped[int] = _measure()
    accepted: Mapped[int] = _measure()
    instant: Mapped[int] = _measure()
    closed: Mapped[int] = _measure()
    closed_on_time_promised: Mapped[int] = _measure()
    closed_on_time_statutory: Mapped[int] = _measure()
    overdue_closed: Mapped[int] = _measure()
    working_days_to_close: Mapped[int] = _measure()
    closed_rated: Mapped[int] = _measure()
    overdue_open: Mapped[int] = _measure()
    cards_reminder: Mapped[int] = _measure()
    cards_yellow: Mapped[int] = _measure()
    cards_red: Mapped[int] = _measure()
    cards_revoked: Mapped[int] = _measure()
    ratings_very_satisfied: Mapped[int] = _measure()
    ratings_satisfied: Mapped[int] = _measure()
    ratings_basic: Mapped[int] = _measure()
    ratings_dissatisfied: Mapped[int] = _measure()
    ratings_very_dissatisfied: Mapped[int] = _measure()
    ratings_default: Mapped[int] = _measure()
    ratings_revoked: Mapped[int] = _measure()
    bad_rectified: Mapped[int] = _measure()
    complaints: Mapped[int] = _measure()


class StatDay(db.Model):
    """A day and its working-day ordinal (working days counted from a fixed epoch up to and including it), so
    working days between two dates are a difference of two joined rows. Rewritten from the centre's calendar
    for the days each rollup refresh reads."""

    __tablename__ = "stat_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    ordinal: Mapped[int]
