"""The centre's own calendar entries, beside :mod:`.clock` (which keeps the calendar in force and the due dates):
removing a local entry, and the Chinese names of the national schedule's holidays."""

from __future__ import annotations

from datetime import date
from functools import cache

from workflows.clock import statutory_holidays

from ..extensions import db
from ..models import CalendarDay, CalendarSource
from .clock import forget_calendar, recompute_open_deadlines


def remove_calendar_day(day: date, *, today: date | None = None) -> int | None:
    """Remove the centre's own entry for ``day`` (a local closure or make-up day) and recompute open deadlines as
    :func:`.clock.set_calendar_day` does: the day follows the national schedule again, whose row comes back
    when the package has one for that day.

    Returns the number of open cases recomputed, or None when ``day`` has no local entry (nothing changed).
    """
    row = db.session.get(CalendarDay, day)
    if row is None or row.source != CalendarSource.LOCAL:
        return None
    db.session.delete(row)
    db.session.flush()
    national = national_day(day)
    if national is not None:
        db.session.add(CalendarDay(day=day, is_workday=national[0], note=national[1], source=CalendarSource.PACKAGE))
        db.session.flush()
    forget_calendar()
    return recompute_open_deadlines(today=today)


def national_day(day: date) -> tuple[bool, str] | None:
    """Whether the package's national schedule works ``day`` and the holiday it belongs to (its name as the
    package gives it, as the seed stores it); None when the schedule has no entry for the day."""
    from chinese_calendar import constants

    for table, worked in ((constants.holidays, False), (constants.workdays, True)):
        if day in table:
            return worked, table[day] or ""
    return None


@cache
def _chinese_names() -> dict[str, str]:
    """The package's English holiday names -> the names of the law (:func:`statutory_holidays`: 清明节, 中秋节 ...)."""
    from chinese_calendar import constants

    legal = sorted({name for names in statutory_holidays(2025).values() for name in names.split("、")})
    return {h.value: next((n for n in legal if n.startswith(h.chinese)), h.chinese) for h in constants.Holiday}


def holiday_name(note: str) -> str:
    """A calendar note as shown: the Chinese name (春节, 国庆节 ...) for a holiday the package names in English,
    any other note as it is."""
    return _chinese_names().get(note, note)
