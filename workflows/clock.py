"""Working-day calendar and deadline ledger (工作日历与时限计算).

Everything here is a pure function of its arguments: no database, no ``date.today()``.

Counting rules (DOMAIN.md "Counting rules"; see docs/WORKFLOWS.md for the full list):

- A limit of N working days from day D ends on the N-th working day strictly after D (D never counts).
  A centre that counts the day of acceptance itself passes the day before it as D (:func:`counting_start`).
- A pause (特别程序, Art. 45) from S to E does not count the working days in [S, E). A pause started and
  ended on the same day costs nothing. An open pause stops the clock from S on: evaluated ``as_of`` a day,
  it costs the working days in [S, as_of] (the day ``as_of`` itself is a stopped day).
- A pause shifts the due date only if it starts on or before the due date current at that point (pauses are
  applied in order of start; earlier pauses may push the due date past a later pause's start). A pause that
  starts after the due date has passed is ignored: the case is already overdue and a special procedure does
  not make it timely again.
- Only working days after the clock start D can be paused: the part of a pause on or before D costs nothing.
  Overlapping pauses are merged first, so no working day is subtracted twice.
- An approved extension of X working days moves both the promised and the statutory due date by X.

Working days are looked up in a precomputed, ordered tuple of day ordinals with :mod:`bisect`; nothing in the
hot path walks day by day.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

__all__ = [
    "COMPLAINT_ACCEPT_DAYS",
    "COMPLAINT_ANSWER_DAYS",
    "DELIVERY_DAYS",
    "DISCLOSURE_DAYS",
    "DISCLOSURE_EXTENSION",
    "DISCLOSURE_SUPPLEMENT_NOTICE_DAYS",
    "JOINT_DECISION_DAYS",
    "JOINT_EXTENSION",
    "NO_EXTENSION",
    "RECTIFICATION_DAYS",
    "STANDARD_DECISION_DAYS",
    "STANDARD_EXTENSION",
    "SUPPLEMENT_NOTICE_DAYS",
    "DueDates",
    "Extension",
    "ExtensionNotAllowed",
    "ExtensionPolicy",
    "Pause",
    "WorkCalendar",
    "compute_due_dates",
    "counting_start",
    "deemed_acceptance_date",
    "default_calendar",
    "delivery_due",
    "disclosure_clock_start",
    "disclosure_due_dates",
    "disclosure_supplement_deadline",
    "due_date",
    "is_deemed_accepted",
    "validate_extension",
    "working_days_remaining",
    "working_days_used",
]

# Default limits in working days (DOMAIN.md); catalogue items carry their own promised/statutory limits.
STANDARD_DECISION_DAYS = 20  # 行政许可法 Art. 42
JOINT_DECISION_DAYS = 45  # Art. 42, joint / parallel approval
DELIVERY_DAYS = 10  # Art. 44
SUPPLEMENT_NOTICE_DAYS = 5  # Art. 32, one-time notice to supplement
DISCLOSURE_DAYS = 20  # 政府信息公开条例 Art. 33
DISCLOSURE_SUPPLEMENT_NOTICE_DAYS = 7  # 政府信息公开条例 Art. 30: one notice within 7 working days of receipt
COMPLAINT_ACCEPT_DAYS = 5
COMPLAINT_ANSWER_DAYS = 10
RECTIFICATION_DAYS = 15

_ONE_DAY = timedelta(days=1)


# ------------------------------------------------------------------------------------------------------------
# Calendar
# ------------------------------------------------------------------------------------------------------------


class WorkCalendar:
    """Working-day calendar: Monday to Friday, minus days off, plus make-up workdays (调休上班).

    ``days_off`` are dates that are not worked (public holidays, centre-local closures); ``workdays`` are
    dates that are worked even though they fall on a weekend (调休上班). Explicit dates apply whatever their
    year. ``published_years`` are the years for which the holiday schedule is authoritative (the State
    Council publishes the next year's schedule each November); a date in any other year is counted Monday to
    Friday (plus any explicit dates) and every result touching it is *provisional*.

    Instances are immutable from the outside and safe to share between threads. Lookups use a precomputed
    ordered tuple of working-day ordinals covering ``first published year - 1`` through ``last published
    year + 3``; a query outside that range extends the table (rebuilt once, then cached).
    """

    _MARGIN_BEFORE = 1
    _MARGIN_AFTER = 3

    def __init__(
        self,
        days_off: Iterable[date] = (),
        workdays: Iterable[date] = (),
        published_years: Iterable[int] = (),
    ) -> None:
        """Build a calendar from explicit days off, make-up workdays and the published years.

        Raises ``ValueError`` if a date is both a day off and a workday (use :meth:`with_overrides` to let a
        later decision win).
        """
        self._days_off = frozenset(days_off)
        self._workdays = frozenset(workdays)
        both = self._days_off & self._workdays
        if both:
            raise ValueError(f"dates both off and worked: {sorted(both)}")
        self._published = frozenset(int(y) for y in published_years)
        if self._published:
            first, last = min(self._published), max(self._published)
        else:
            first = last = date.today().year  # only sizes the initial table, never changes a result
        self._lock = threading.Lock()
        # (first ordinal covered, last ordinal covered, tuple of working-day ordinals), replaced atomically.
        self._table = self._build(first - self._MARGIN_BEFORE, last + self._MARGIN_AFTER)

    # -- construction ----------------------------------------------------------------------------------------

    @classmethod
    def from_chinese_calendar(
        cls,
        extra_overrides: Mapping[date, bool] | Iterable[tuple[date, bool]] | None = None,
    ) -> WorkCalendar:
        """Build the national calendar from the ``chinesecalendar`` package, plus optional overrides.

        ``extra_overrides`` maps a date to ``True`` (worked) or ``False`` (day off), or is a sequence of
        ``(date, worked)`` pairs applied in order; an override always wins over the package. Published years
        are the years the package covers (1.11: 2004-2026).
        """
        from chinese_calendar import constants

        years = {d.year for d in constants.holidays}
        published = range(min(years), max(years) + 1)
        base = cls(
            days_off=constants.holidays.keys(), workdays=constants.workdays.keys(), published_years=published
        )
        return base.with_overrides(extra_overrides) if extra_overrides else base

    def with_overrides(self, overrides: Mapping[date, bool] | Iterable[tuple[date, bool]]) -> WorkCalendar:
        """Return a new calendar where each override (``date -> worked?``) replaces what this one says.

        Overrides are applied in order, so with a sequence of pairs the last one for a date wins.
        """
        days_off, workdays = set(self._days_off), set(self._workdays)
        items = overrides.items() if isinstance(overrides, Mapping) else overrides
        for day, worked in items:
            days_off.discard(day)
            workdays.discard(day)
            if worked and day.weekday() >= 5:
                workdays.add(day)
            elif not worked and day.weekday() < 5:
                days_off.add(day)
        return WorkCalendar(days_off=days_off, workdays=workdays, published_years=self._published)

    def with_published_years(self, years: Iterable[int]) -> WorkCalendar:
        """Return a new calendar with ``years`` added to the published (authoritative) years."""
        return WorkCalendar(self._days_off, self._workdays, self._published | frozenset(years))

    # -- properties ------------------------------------------------------------------------------------------

    @property
    def days_off(self) -> frozenset[date]:
        """Explicit days off (holidays and local closures)."""
        return self._days_off

    @property
    def workdays(self) -> frozenset[date]:
        """Explicit make-up workdays (调休上班)."""
        return self._workdays

    @property
    def published_years(self) -> frozenset[int]:
        """Years whose schedule is authoritative."""
        return self._published

    # -- table -----------------------------------------------------------------------------------------------

    def _build(self, first_year: int, last_year: int) -> tuple[int, int, tuple[int, ...]]:
        lo = date(first_year, 1, 1).toordinal()
        hi = date(last_year, 12, 31).toordinal()
        # Built once per range (~365 days per year); the lookups below never loop over days.
        ordinals = tuple(o for o in range(lo, hi + 1) if self.is_workday(date.fromordinal(o)))
        return lo, hi, ordinals

    def _ensure(self, lo: int, hi: int) -> tuple[int, int, tuple[int, ...]]:
        """Return a table covering ordinals [lo, hi], extending the cached one if needed."""
        table = self._table
        if table[0] <= lo and hi <= table[1]:
            return table
        with self._lock:
            table = self._table
            if not (table[0] <= lo and hi <= table[1]):
                first = min(date.fromordinal(table[0]).year, date.fromordinal(max(lo, 1)).year - 1)
                last = max(
                    date.fromordinal(table[1]).year, date.fromordinal(min(hi, date.max.toordinal())).year + 1
                )
                table = self._build(max(first, 1), min(last, date.max.year))
                self._table = table
            return table

    # -- queries ---------------------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day."""
        if d in self._workdays:
            return True
        return d.weekday() < 5 and d not in self._days_off

    def is_provisional(self, d: date) -> bool:
        """True if ``d``'s year has no published schedule (the result counted Monday to Friday only)."""
        return d.year not in self._published

    def is_provisional_between(self, start: date, end: date) -> bool:
        """True if any year from ``start`` to ``end`` (inclusive, either order) is unpublished."""
        lo, hi = sorted((start.year, end.year))
        return any(y not in self._published for y in range(lo, hi + 1))

    def missing_years(self, through: date, since: date | None = None) -> list[int]:
        """Unpublished years from ``since`` (default: the first published year) up to ``through``'s year.

        With no published year at all and no ``since``, returns ``[through.year]``.
        """
        if since is not None:
            first = since.year
        elif self._published:
            first = min(self._published)
        else:
            first = through.year
        return [y for y in range(first, through.year + 1) if y not in self._published]

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (``d`` itself never counts); ``n == 0`` returns ``d``.

        A negative ``n`` counts backwards: ``-1`` is the last working day strictly before ``d``.
        """
        if n == 0:
            return d
        o = d.toordinal()
        if n > 0:
            # Generous first guess: 7 calendar days per 5 working days plus holiday slack.
            hi = o + n * 2 + 60
            while True:
                lo_, hi_, ords = self._ensure(o, hi)
                i = bisect_right(ords, o) + n - 1
                if i < len(ords):
                    return date.fromordinal(ords[i])
                hi = hi_ + 366 + n * 2
        lo = o + n * 2 - 60
        while True:
            lo_, hi_, ords = self._ensure(lo, o)
            i = bisect_left(ords, o) + n
            if i >= 0:
                return date.fromordinal(ords[i])
            lo = lo_ - 366 + n * 2

    def working_days_in(self, start: date, end: date) -> int:
        """Number of working days in the half-open range [start, end); 0 if ``end <= start``."""
        if end <= start:
            return 0
        s, e = start.toordinal(), end.toordinal()
        _, _, ords = self._ensure(s, e)
        return bisect_left(ords, e) - bisect_left(ords, s)

    def working_days_after(self, d: date, until: date) -> int:
        """Number of working days in (d, until]; 0 if ``until <= d``."""
        if until <= d:
            return 0
        s, e = d.toordinal(), until.toordinal()
        _, _, ords = self._ensure(s, e)
        return bisect_right(ords, e) - bisect_right(ords, s)

    def __repr__(self) -> str:
        years = sorted(self._published)
        span = f"{years[0]}-{years[-1]}" if years else "none"
        return (
            f"<WorkCalendar published={span} ({len(years)} years) days_off={len(self._days_off)} "
            f"workdays={len(self._workdays)}>"
        )


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The national calendar from ``chinesecalendar`` (built once); centres with closures build their own."""
    return WorkCalendar.from_chinese_calendar()


# ------------------------------------------------------------------------------------------------------------
# Deadline ledger
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pause:
    """A clock stop (特别程序: hearing, inspection, expert review ...) from ``start``; ``end=None`` if open.

    The working days in [start, end) do not count; ``end`` is the day the clock runs again.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"pause ends ({self.end}) before it starts ({self.start})")

    @property
    def is_open(self) -> bool:
        """True while the pause has no end."""
        return self.end is None


@dataclass(frozen=True, slots=True)
class Extension:
    """An approved extension (延期) of ``days`` working days."""

    days: int

    def __post_init__(self) -> None:
        if self.days <= 0:
            raise ValueError(f"an extension must be at least one working day, got {self.days}")


@dataclass(frozen=True, slots=True)
class DueDates:
    """Computed due dates of a case.

    ``provisional``: the count touched a year without a published schedule (recompute when it is published).
    ``paused``: an open pause was counted up to ``as_of``; the dates move on every day the pause stays open.
    """

    promised: date
    statutory: date
    provisional: bool
    paused: bool


class ExtensionNotAllowed(ValueError):
    """An extension request breaks the extension policy (too many, or too many days)."""


@dataclass(frozen=True, slots=True)
class ExtensionPolicy:
    """How far a case of a kind may be extended: ``max_count`` extensions totalling at most ``max_days``."""

    max_count: int
    max_days: int


NO_EXTENSION = ExtensionPolicy(max_count=0, max_days=0)
STANDARD_EXTENSION = ExtensionPolicy(max_count=1, max_days=10)  # Art. 42: once, up to 10 working days
JOINT_EXTENSION = ExtensionPolicy(max_count=1, max_days=15)  # Art. 42: joint cases, up to 15
DISCLOSURE_EXTENSION = ExtensionPolicy(max_count=1, max_days=20)  # 政府信息公开条例 Art. 33


def validate_extension(
    days: int,
    existing: Sequence[Extension] = (),
    policy: ExtensionPolicy = STANDARD_EXTENSION,
) -> Extension:
    """Check a requested extension of ``days`` against the approved ``existing`` ones; return it as Extension.

    Raises :class:`ExtensionNotAllowed` (a ``ValueError``) if the case already has ``policy.max_count``
    extensions, or if the total would exceed ``policy.max_days``, or if ``days`` is not positive.
    """
    if days <= 0:
        raise ExtensionNotAllowed(f"an extension must be at least one working day, got {days}")
    if len(existing) >= policy.max_count:
        raise ExtensionNotAllowed(
            f"at most {policy.max_count} extension(s) per case; this case already has {len(existing)}"
        )
    used = sum(e.days for e in existing)
    if used + days > policy.max_days:
        raise ExtensionNotAllowed(
            f"an extension of {days} working days exceeds the limit of {policy.max_days}"
            + (f" ({used} already granted)" if used else "")
        )
    return Extension(days)


def _counted_pauses(start: date, pauses: Iterable[Pause], as_of: date | None) -> list[tuple[date, date]]:
    """Pauses as merged half-open [s, e) ranges after the clock start; open pauses run through ``as_of``."""
    first_counted = start + _ONE_DAY
    ranges: list[tuple[date, date]] = []
    for p in pauses:
        if p.end is None:
            if as_of is None:
                raise ValueError("an open pause needs as_of to be counted")
            end = as_of + _ONE_DAY  # as_of itself is a stopped day
        else:
            end = p.end
        s = max(p.start, first_counted)
        if end > s:
            ranges.append((s, end))
    ranges.sort()
    merged: list[tuple[date, date]] = []
    for s, e in ranges:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def counting_start(start: date, *, counts_start_day: bool = False) -> date:
    """The D a limit is counted from, for a clock that starts on ``start`` (acceptance, receipt).

    By default ``start`` itself: counting starts the working day after it. With ``counts_start_day`` the day
    before, so ``start`` (when it is a working day) is day 1 and pauses on it count.
    """
    return start - _ONE_DAY if counts_start_day else start


def due_date(
    start: date,
    limit: int,
    calendar: WorkCalendar,
    *,
    pauses: Iterable[Pause] = (),
    extensions: Iterable[Extension] = (),
    as_of: date | None = None,
) -> date:
    """Due date of one limit of ``limit`` working days counted from ``start`` (the day after it is day 1).

    Pauses and extensions follow the module's counting rules; ``as_of`` is required if a pause is open.
    """
    if limit < 0:
        raise ValueError(f"a limit cannot be negative, got {limit}")
    due = calendar.add_working_days(start, limit + sum(e.days for e in extensions))
    for s, e in _counted_pauses(start, pauses, as_of):
        if s > due:
            break  # later pauses start later still
        due = calendar.add_working_days(due, calendar.working_days_in(s, e))
    return due


def compute_due_dates(
    start: date,
    promised_days: int,
    statutory_days: int,
    calendar: WorkCalendar,
    *,
    pauses: Iterable[Pause] = (),
    extensions: Iterable[Extension] = (),
    as_of: date | None = None,
) -> DueDates:
    """Promised (承诺时限) and statutory (法定时限) due dates of a case accepted on ``start``.

    ``start`` is the acceptance date; counting starts the working day after it. ``as_of`` (usually today)
    is needed only when a pause is open: the pause then costs the working days from its start through
    ``as_of`` and the result has ``paused=True``.
    """
    pauses = tuple(pauses)
    extensions = tuple(extensions)
    promised = due_date(start, promised_days, calendar, pauses=pauses, extensions=extensions, as_of=as_of)
    statutory = due_date(start, statutory_days, calendar, pauses=pauses, extensions=extensions, as_of=as_of)
    paused = any(p.is_open and as_of is not None and p.start <= as_of for p in pauses)
    latest = max(promised, statutory)
    return DueDates(
        promised=promised,
        statutory=statutory,
        provisional=calendar.is_provisional_between(start, latest),
        paused=paused,
    )


def working_days_used(start: date, pauses: Iterable[Pause], on: date, calendar: WorkCalendar) -> int:
    """Working days counted from ``start`` through ``on``: working days in (start, on] minus paused ones.

    An open pause counts as stopped through ``on``. Unlike :func:`due_date`, every pause counts here (there
    is no limit to be past).
    """
    used = calendar.working_days_after(start, on)
    for s, e in _counted_pauses(start, pauses, on):
        used -= calendar.working_days_in(s, min(e, on + _ONE_DAY))
    return used


def working_days_remaining(
    start: date,
    limit: int,
    pauses: Iterable[Pause],
    on: date,
    calendar: WorkCalendar,
    *,
    extensions: Iterable[Extension] = (),
) -> int:
    """Working days left on ``on`` until the due date of ``limit`` (with pauses and extensions).

    0 means ``on`` is the due date (or, if ``on`` is not a working day, no working day is left before it);
    a negative number is how many working days the case is overdue. Used for reminders (提示).
    """
    due = due_date(start, limit, calendar, pauses=pauses, extensions=extensions, as_of=on)
    if due >= on:
        return calendar.working_days_after(on, due)
    return -calendar.working_days_after(due, on)


def deemed_acceptance_date(receipt: date, calendar: WorkCalendar) -> date:
    """Last day for the one-time supplement notice (补正告知): the 5th working day after receipt (Art. 32)."""
    return calendar.add_working_days(receipt, SUPPLEMENT_NOTICE_DAYS)


def disclosure_supplement_deadline(receipt: date, calendar: WorkCalendar) -> date:
    """Last day to ask for a disclosure request to be supplemented or clarified: the 7th working day after
    receipt (政府信息公开条例 Art. 30)."""
    return calendar.add_working_days(receipt, DISCLOSURE_SUPPLEMENT_NOTICE_DAYS)


def is_deemed_accepted(
    receipt: date, notice_sent_on: date | None, today: date, calendar: WorkCalendar
) -> bool:
    """True if the application counts as accepted as of ``receipt`` (视为受理, Art. 32).

    That is the case once the 5th working day after receipt has ended (``today`` is later) and no supplement
    notice was sent on or before that day. A notice sent later does not undo it.
    """
    last_day = deemed_acceptance_date(receipt, calendar)
    if notice_sent_on is not None and notice_sent_on <= last_day:
        return False
    return today > last_day


def delivery_due(grant_date: date, calendar: WorkCalendar, limit: int = DELIVERY_DAYS) -> date:
    """Delivery (送达) due date: the 10th working day after the day of the grant (Art. 44)."""
    return calendar.add_working_days(grant_date, limit)


def disclosure_clock_start(receipt: date, supplement_received_on: date | None = None) -> date:
    """Clock start of an information-disclosure request (依申请公开).

    The count runs from the day of receipt; after a supplement (补正) it restarts from the day the
    supplement arrives. As everywhere, the start day itself does not count.
    """
    if supplement_received_on is None:
        return receipt
    if supplement_received_on < receipt:
        raise ValueError("a supplement cannot arrive before the request")
    return supplement_received_on


def disclosure_due_dates(
    receipt: date,
    calendar: WorkCalendar,
    *,
    supplement_received_on: date | None = None,
    limit: int = DISCLOSURE_DAYS,
    pauses: Iterable[Pause] = (),
    extensions: Iterable[Extension] = (),
    as_of: date | None = None,
) -> DueDates:
    """Due dates of a disclosure request: ``limit`` working days from receipt or from the supplement.

    Promised and statutory are the same limit. Pauses (e.g. third-party consultation, 征求第三方意见) that
    started before the restart are cut off by it like any pause before the clock start.
    """
    start = disclosure_clock_start(receipt, supplement_received_on)
    return compute_due_dates(start, limit, limit, calendar, pauses=pauses, extensions=extensions, as_of=as_of)
