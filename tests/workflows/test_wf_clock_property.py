"""Property-style checks: the bisect lookups agree with a naive day-by-day walk (fixed random seed)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import chinese_calendar
import pytest

from workflows.clock import Pause, WorkCalendar, compute_due_dates, due_date

PKG = WorkCalendar.from_chinese_calendar()
LOCAL = PKG.with_overrides({date(2025, 3, 5): False, date(2026, 7, 4): True, date(2027, 2, 12): False})


def naive_add(cal: WorkCalendar, d: date, n: int) -> date:
    step = 1 if n > 0 else -1
    left = abs(n)
    while left:
        d += timedelta(days=step)
        if cal.is_workday(d):
            left -= 1
    return d


def naive_count(cal: WorkCalendar, start: date, end: date) -> int:
    return sum(cal.is_workday(start + timedelta(days=i)) for i in range(max(0, (end - start).days)))


def _random_days(rng: random.Random, first: date, last: date, k: int) -> list[date]:
    span = (last - first).days
    return [first + timedelta(days=rng.randrange(span + 1)) for _ in range(k)]


@pytest.mark.parametrize("cal", [PKG, LOCAL, WorkCalendar()], ids=["package", "local", "empty"])
def test_add_working_days_matches_a_naive_walk(cal: WorkCalendar) -> None:
    rng = random.Random(20250128)
    for d in _random_days(rng, date(2004, 1, 1), date(2029, 12, 31), 1500):
        n = rng.randrange(-60, 120)
        assert cal.add_working_days(d, n) == naive_add(cal, d, n), (d, n)


@pytest.mark.parametrize("cal", [PKG, LOCAL], ids=["package", "local"])
def test_counts_match_a_naive_count(cal: WorkCalendar) -> None:
    rng = random.Random(20261001)
    for start in _random_days(rng, date(2004, 1, 1), date(2028, 12, 31), 800):
        end = start + timedelta(days=rng.randrange(-5, 200))
        assert cal.working_days_in(start, end) == naive_count(cal, start, end), (start, end)
        assert cal.working_days_after(start, end) == naive_count(
            cal, start + timedelta(days=1), end + timedelta(days=1)
        ), (start, end)


def test_package_calendar_agrees_with_chinese_calendar_is_workday() -> None:
    day = date(2004, 1, 1)
    while day <= date(2026, 12, 31):
        assert PKG.is_workday(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_due_date_with_random_pauses_matches_a_day_by_day_simulation() -> None:
    """Simulate the clock day by day: count working days that are not inside a counted pause."""
    rng = random.Random(45)
    cal = PKG
    # Through 2027 and 2028: years without a published schedule, with the public holidays fixed by law.
    for start in _random_days(rng, date(2024, 1, 1), date(2028, 6, 30), 500):
        limit = rng.randrange(1, 40)
        s = start + timedelta(days=rng.randrange(0, 30))
        pause = Pause(s, s + timedelta(days=rng.randrange(0, 20)))
        expected_plain = naive_add(cal, start, limit)
        # The pause counts only if it starts on or before the plain due date.
        if pause.start > expected_plain:
            expected = expected_plain
        else:
            counted, d = 0, start
            while counted < limit:
                d += timedelta(days=1)
                if cal.is_workday(d) and not (pause.start <= d < pause.end):  # type: ignore[operator]
                    counted += 1
            expected = d
        assert due_date(start, limit, cal, pauses=[pause]) == expected, (start, limit, pause)


def test_provisional_marks_match_their_definition() -> None:
    """Each date is provisional exactly when a year from the start's through its own is unpublished."""
    rng = random.Random(7)
    gap = WorkCalendar(published_years={2024, 2026, 2027})
    for cal in (PKG, gap):
        for start in _random_days(rng, date(2024, 6, 1), date(2027, 10, 31), 400):
            promised, statutory = rng.randrange(0, 60), rng.randrange(0, 300)
            due = compute_due_dates(start, promised, statutory, cal)

            def touches(end: date, cal: WorkCalendar = cal, start: date = start) -> bool:
                return any(y not in cal.published_years for y in range(start.year, end.year + 1))

            assert due.promised_provisional is touches(due.promised), (start, promised)
            assert due.statutory_provisional is touches(due.statutory), (start, statutory)
            assert due.provisional is (due.promised_provisional or due.statutory_provisional)
