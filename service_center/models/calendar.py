"""The centre's working-day calendar, stored so a centre can edit it (local closures, next year's schedule)."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import Timestamps, enum_type


class CalendarSource(enum.StrEnum):
    PACKAGE = "package"  # the State Council schedule as shipped in chinese-calendar
    PUBLISHED = "published"  # a schedule entered by the centre (e.g. next year's, once announced)
    LOCAL = "local"  # a local closure or make-up day


class CalendarDay(Timestamps, db.Model):
    """A day that differs from the Monday-to-Friday rule: a weekday off, or a weekend day worked (调休上班)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(100), default="")
    source: Mapped[CalendarSource] = mapped_column(enum_type(CalendarSource, "calendar_source"))


class CalendarYear(Timestamps, db.Model):
    """A year whose holiday schedule is known. Deadlines in other years are provisional (weekends only)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[CalendarSource] = mapped_column(enum_type(CalendarSource, "calendar_year_source"))
