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

In a year without a published schedule the public holidays fixed by law are days off (:func:`statutory_days_off`)
and results touching it are provisional, per date (:class:`DueDates`).

Working days are looked up in a precomputed table: the ordered working-day ordinals and a cumulative count per
day. A due date is an index, the working days of a pause a subtraction; nothing in the hot path walks day by day
or searches.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from itertools import accumulate
from types import MappingProxyType

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
    "statutory_days_off",
    "statutory_holidays",
    "validate_extension",
    "working_days_left",
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
# Public holidays fixed by law (for years without a published schedule)
# ------------------------------------------------------------------------------------------------------------

# The Julian day number of 00:00 on proleptic Gregorian ordinal 0 (date(1, 1, 1) is JD 1721425.5).
_JD_OF_ORDINAL_ZERO = 1721424.5


def _from_julian_day(jd: float) -> date:
    # lunar_python's Solar dates are Julian before 1582-10-15; its Julian day numbers are not: go through them.
    return date.fromordinal(int(jd - _JD_OF_ORDINAL_ZERO))


@cache
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The public holidays fixed by law in ``year``, by date (全国年节及纪念日放假办法, as amended in 2024).

    元旦 1 January; 春节 the Spring Festival eve (除夕, the last day of the 12th lunar month) through the 3rd day
    of the 1st lunar month; 清明节 the day of the Qingming solar term; 劳动节 1-2 May; 端午节 the 5th day of the
    5th lunar month; 中秋节 the 15th day of the 8th lunar month; 国庆节 1-3 October. Lunar dates and the solar
    term (China Standard Time) are computed by the ``lunar-python`` package, for any year. Today's law is
    applied to every year asked about. The days a year actually has off (bridges, the weekday given for a
    holiday on a weekend) and its make-up working days are known only once the State Council publishes the
    year's schedule: that is what a published year of :class:`WorkCalendar` holds instead.
    """
    from lunar_python import Lunar

    new_year = Lunar.fromYmd(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for offset in (-1, 0, 1, 2):  # 除夕 (the day before the 1st of the 1st month) through 初三
        days[_from_julian_day(new_year.next(offset).getSolar().getJulianDay())] = "春节"
    days[_from_julian_day(new_year.getJieQiTable()["清明"].getJulianDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_from_julian_day(Lunar.fromYmd(year, 5, 5).getSolar().getJulianDay())] = "端午节"
    for day in (1, 2, 3):
        days[date(year, 10, day)] = "国庆节"
    # Last: when it falls on 1-3 October it is one of those days off, named for both in the schedule.
    mid_autumn = _from_julian_day(Lunar.fromYmd(year, 8, 15).getSolar().getJulianDay())
    days[mid_autumn] = "国庆节、中秋节" if mid_autumn in days else "中秋节"
    return MappingProxyType(dict(sorted(days.items())))


@cache
def statutory_days_off(year: int) -> frozenset[date]:
    """The dates of :func:`statutory_holidays` in ``year`` (weekend days included)."""
    return frozenset(statutory_holidays(year))


# ------------------------------------------------------------------------------------------------------------
# Calendar
# ------------------------------------------------------------------------------------------------------------

# (first ordinal covered, last ordinal covered, working-day ordinals in order, cumulative counts): cum[i] is the
# number of working days in [first, first + i), for i in 0 .. last - first + 1.
_Table = tuple[int, int, tuple[int, ...], tuple[int, ...]]


class WorkCalendar:
    """Working-day calendar: Monday to Friday, minus days off, plus make-up workdays (调休上班).

    ``days_off`` are dates that are not worked (public holidays, centre-local closures); ``workdays`` are
    dates that are worked even though they fall on a weekend (调休上班) or on a public holiday of an unpublished
    year. Explicit dates apply whatever their year. ``published_years`` are the years for which the holiday
    schedule is authoritative (the State Council publishes the next year's schedule each November). In any
    other year the public holidays fixed by law (:func:`statutory_days_off`) are days off as well, weekends
    are not made up, and every result touching such a year is *provisional*.

    Instances are immutable from the outside and safe to share between threads. Lookups use a precomputed
    table covering ``first published year - 1`` through ``last published year + 3``: the ordered working-day
    ordinals and, per day, the number of working days before it. Counting the working days in a range is a
    subtraction and the n-th working day after a date an index; a query outside the table extends it
    (rebuilt once, then cached).
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
        self._table: _Table = self._build(first - self._MARGIN_BEFORE, last + self._MARGIN_AFTER)

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

        Overrides are applied in order, so with a sequence of pairs the last one for a date wins. A weekday
        marked worked is kept as an explicit workday only if it is a public holiday fixed by law (so that it
        stays worked in a year that is not published).
        """
        days_off, workdays = set(self._days_off), set(self._workdays)
        items = overrides.items() if isinstance(overrides, Mapping) else overrides
        for day, worked in items:
            days_off.discard(day)
            workdays.discard(day)
            if worked:
                if day.weekday() >= 5 or day in statutory_days_off(day.year):
                    workdays.add(day)
            elif day.weekday() < 5:
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
        """Explicit workdays (调休上班, and public holidays of unpublished years marked worked)."""
        return self._workdays

    @property
    def published_years(self) -> frozenset[int]:
        """Years whose schedule is authoritative."""
        return self._published

    # -- table -----------------------------------------------------------------------------------------------

    def _build(self, first_year: int, last_year: int) -> _Table:
        lo = date(first_year, 1, 1).toordinal()
        hi = date(last_year, 12, 31).toordinal()
        # Built once per range (~365 days per year); the lookups below never loop over days.
        is_workday, fromordinal = self.is_workday, date.fromordinal
        flags = [is_workday(fromordinal(o)) for o in range(lo, hi + 1)]
        ordinals = tuple(o for o, worked in zip(range(lo, hi + 1), flags, strict=True) if worked)
        return lo, hi, ordinals, (0, *accumulate(flags))

    def _ensure(self, lo: int, hi: int) -> _Table:
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

    def _grow(self, lo: int, hi: int) -> None:
        """Extend the table to cover the ordinals [lo, hi] (clamped to the dates that exist).

        Raises ``OverflowError`` if it covers them already: the answer would lie beyond ``date.max``.
        """
        lo, hi = max(lo, 1), min(hi, date.max.toordinal())
        table = self._table
        if table[0] <= lo and hi <= table[1]:
            raise OverflowError("date value out of range")
        self._ensure(lo, hi)

    def _count(self, s: int, e: int) -> int:
        """Working days in the ordinals [s, e)."""
        if e <= s:
            return 0
        lo, hi, _, cum = self._table
        if s < lo or e > hi + 1:
            lo, hi, _, cum = self._ensure(s, e)
        return cum[e - lo] - cum[s - lo]

    def _add(self, o: int, n: int) -> int:
        """The ordinal of the n-th working day strictly after ordinal ``o`` (n > 0), or before it (n < 0)."""
        if n > 0:
            while True:
                lo, hi, ords, cum = self._table
                if lo <= o < hi:
                    i = cum[o + 1 - lo] + n - 1
                    if i < len(ords):
                        return ords[i]
                self._grow(min(o, lo), max(o, hi) + 366 + n * 2)
        if n < 0:
            while True:
                lo, hi, ords, cum = self._table
                if lo <= o <= hi + 1:
                    i = cum[o - lo] + n
                    if i >= 0:
                        return ords[i]
                self._grow(min(o, lo) - 366 + n * 2, max(o, hi))
        return o

    def _due(self, o: int, n: int, ranges: Sequence[tuple[int, int]]) -> int:
        """The ordinal of the n-th working day after ordinal ``o``, moved by each pause range [s, e) (ordinals,
        merged, in order, after ``o``) that starts on or before the due date current at that point."""
        return self._due_pair(o, n, n, ranges)[0]

    def _due_pair(self, o: int, n: int, m: int, ranges: Sequence[tuple[int, int]]) -> tuple[int, int]:
        """:meth:`_due` for two limits at once (promised and statutory): each range is counted once."""
        while True:
            lo, hi, ords, cum = self._table
            if o >= lo:
                try:
                    k = cum[o + 1 - lo] - 1
                    a = ords[k + n] if n else o
                    b = a if m == n else (ords[k + m] if m else o)
                    for s, e in ranges:
                        if s > a and s > b:
                            break  # later pauses start later still
                        paused = cum[e - lo] - cum[s - lo]
                        if paused:
                            if s <= a:
                                a = ords[cum[a + 1 - lo] + paused - 1]
                            if s <= b:
                                b = ords[cum[b + 1 - lo] + paused - 1]
                    return a, b
                except IndexError:
                    pass
            ends = [e for _, e in ranges]
            self._grow(min(o, lo), max(o, hi, *ends) + 366 + max(n, m) * 2)

    def _unpublished_between(self, first_year: int, last_year: int) -> bool:
        published = self._published
        if first_year == last_year:
            return first_year not in published
        for year in range(first_year, last_year + 1):
            if year not in published:
                return True
        return False

    # -- queries ---------------------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day."""
        if d in self._workdays:
            return True
        if d.weekday() >= 5 or d in self._days_off:
            return False
        return d.year in self._published or d not in statutory_days_off(d.year)

    def is_provisional(self, d: date) -> bool:
        """True if ``d``'s year has no published schedule (counted with the public holidays fixed by law only)."""
        return d.year not in self._published

    def is_provisional_between(self, start: date, end: date) -> bool:
        """True if any year from ``start`` to ``end`` (inclusive, either order) is unpublished."""
        lo, hi = sorted((start.year, end.year))
        return self._unpublished_between(lo, hi)

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
        return date.fromordinal(self._add(d.toordinal(), n))

    def working_days_in(self, start: date, end: date) -> int:
        """Number of working days in the half-open range [start, end); 0 if ``end <= start``."""
        return self._count(start.toordinal(), end.toordinal())

    def working_days_after(self, d: date, until: date) -> int:
        """Number of working days in (d, until]; 0 if ``until <= d``."""
        return self._count(d.toordinal() + 1, until.toordinal() + 1)

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

    ``promised_provisional`` / ``statutory_provisional``: the count from the start to that date touched a year
    without a published schedule (recompute when it is published); :attr:`provisional` is either of them.
    ``paused``: an open pause was counted up to ``as_of``; the dates move on every day the pause stays open.
    """

    promised: date
    statutory: date
    promised_provisional: bool
    statutory_provisional: bool
    paused: bool

    @property
    def provisional(self) -> bool:
        """The promised or the statutory date is provisional."""
        return self.promised_provisional or self.statutory_provisional


_new_object = object.__new__
_SET_DUE_DATES = tuple(DueDates.__dict__[f].__set__ for f in DueDates.__dataclass_fields__)
if len(_SET_DUE_DATES) != 5:  # pragma: no cover - keep _due_dates in step with the fields
    raise AssertionError("DueDates fields changed: update _due_dates")


def _due_dates(promised: date, statutory: date, promised_prov: bool, statutory_prov: bool, paused: bool) -> DueDates:
    """DueDates(...) for the hot path: the frozen dataclass's generated __init__ costs more than the rest of
    :func:`compute_due_dates`'s arithmetic; this sets the same slots directly (same type, equal, frozen)."""
    dates = _new_object(DueDates)
    set_promised, set_statutory, set_pp, set_sp, set_paused = _SET_DUE_DATES
    set_promised(dates, promised)
    set_statutory(dates, statutory)
    set_pp(dates, promised_prov)
    set_sp(dates, statutory_prov)
    set_paused(dates, paused)
    return dates


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


def _pause_ranges(start: int, pauses: Iterable[Pause], as_of: date | None) -> tuple[list[tuple[int, int]], bool]:
    """Pauses as merged half-open ordinal ranges [s, e) after the clock start (the ordinal ``start``), in order;
    open pauses run through ``as_of``. Also whether a pause is open and started on or before ``as_of``."""
    first_counted = start + 1
    ranges: list[tuple[int, int]] = []
    in_order = True
    paused = False
    last_start = 0
    stop = None  # as_of + 1, for open pauses
    for p in pauses:
        s = p.start.toordinal()
        end = p.end
        if end is None:
            if stop is None:
                if as_of is None:
                    raise ValueError("an open pause needs as_of to be counted")
                stop = as_of.toordinal() + 1  # as_of itself is a stopped day
            e = stop
            if s < e:
                paused = True
        else:
            e = end.toordinal()
        if s < first_counted:
            s = first_counted
        if e > s:
            if s < last_start:
                in_order = False
            last_start = s
            ranges.append((s, e))
    if len(ranges) < 2:
        return ranges, paused
    if not in_order:
        ranges.sort()
    merged = [ranges[0]]
    last_s, last_e = ranges[0]
    for s, e in ranges:
        if s <= last_e:
            if e > last_e:
                last_e = e
                merged[-1] = (last_s, e)
        else:
            last_s, last_e = s, e
            merged.append((s, e))
    return merged, paused


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
    for e in extensions:
        limit += e.days
    o = start.toordinal()
    return date.fromordinal(calendar._due(o, limit, _pause_ranges(o, pauses, as_of)[0]))


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
    if promised_days < 0 or statutory_days < 0:
        raise ValueError(f"a limit cannot be negative, got {min(promised_days, statutory_days)}")
    extra = 0
    for e in extensions:
        extra += e.days
    o = start.toordinal()
    ranges, paused = _pause_ranges(o, pauses, as_of)
    p, s = calendar._due_pair(o, promised_days + extra, statutory_days + extra, ranges)
    promised, statutory = date.fromordinal(p), date.fromordinal(s)
    year, published = start.year, calendar._published
    if year == promised.year:
        promised_provisional = year not in published
    else:
        promised_provisional = calendar._unpublished_between(year, promised.year)
    if s == p:
        statutory_provisional = promised_provisional
    elif year == statutory.year:
        statutory_provisional = year not in published
    else:
        statutory_provisional = calendar._unpublished_between(year, statutory.year)
    return _due_dates(promised, statutory, promised_provisional, statutory_provisional, paused)


def working_days_used(start: date, pauses: Iterable[Pause], on: date, calendar: WorkCalendar) -> int:
    """Working days counted from ``start`` through ``on``: working days in (start, on] minus paused ones.

    An open pause counts as stopped through ``on``. Unlike :func:`due_date`, every pause counts here (there
    is no limit to be past).
    """
    o, until = start.toordinal(), on.toordinal() + 1
    used = calendar._count(o + 1, until)
    for s, e in _pause_ranges(o, pauses, on)[0]:
        used -= calendar._count(s, min(e, until))
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
    return working_days_left(due_date(start, limit, calendar, pauses=pauses, extensions=extensions, as_of=on), on,
                             calendar)


def working_days_left(due: date, on: date, calendar: WorkCalendar) -> int:
    """Working days left on ``on`` until ``due``: 0 on the due date, negative when overdue by that many."""
    if due >= on:
        return calendar.working_days_after(on, due)
    return -calendar.working_days_after(due, on)


def deemed_acceptance_date(
    receipt: date, calendar: WorkCalendar, notice_days: int = SUPPLEMENT_NOTICE_DAYS
) -> date:
    """Last day for the one-time supplement notice (补正告知): the ``notice_days``-th working day after receipt
    (Art. 32: 5; a workflow definition declares its own ``notice_days``)."""
    if notice_days < 0:
        raise ValueError(f"a notice period cannot be negative, got {notice_days}")
    return calendar.add_working_days(receipt, notice_days)


def disclosure_supplement_deadline(receipt: date, calendar: WorkCalendar) -> date:
    """Last day to ask for a disclosure request to be supplemented or clarified: the 7th working day after
    receipt (政府信息公开条例 Art. 30)."""
    return calendar.add_working_days(receipt, DISCLOSURE_SUPPLEMENT_NOTICE_DAYS)


def is_deemed_accepted(
    receipt: date,
    notice_sent_on: date | None,
    today: date,
    calendar: WorkCalendar,
    notice_days: int = SUPPLEMENT_NOTICE_DAYS,
) -> bool:
    """True if the application counts as accepted as of ``receipt`` (视为受理, Art. 32).

    That is the case once the ``notice_days``-th (by default the 5th) working day after receipt has ended
    (``today`` is later) and no supplement notice was sent on or before that day. A notice sent later does not
    undo it.
    """
    last_day = deemed_acceptance_date(receipt, calendar, notice_days)
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
