"""Deadline computations per second: WorkCalendar.add_working_days (bisect) vs chinese_calendar.find_workday.

Same inputs for both: random start dates in 2025-2026 and limits of 1-60 working days whose results stay
inside the package's published years. ``find_workday(n, d)`` counts from the first working day on or after
``d``, so for a start that is not a working day the equivalent call is ``find_workday(n - 1, d)``; the script
checks that both give the same dates before timing them.

Run: ``.venv/bin/python benchmarks/bench_clock.py [count]``
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar

from workflows.clock import Pause, WorkCalendar, compute_due_dates


def inputs(count: int, seed: int = 2025) -> list[tuple[date, int]]:
    rng = random.Random(seed)
    first = date(2025, 1, 1)
    days = (date(2026, 9, 30) - first).days  # + 60 working days stays within 2026
    return [(first + timedelta(days=rng.randrange(days)), rng.randrange(1, 61)) for _ in range(count)]


def baseline(d: date, n: int) -> date:
    """The n-th working day strictly after d, with chinese_calendar's day-by-day find_workday."""
    return chinese_calendar.find_workday(n if chinese_calendar.is_workday(d) else n - 1, d)


def rate(func: Callable[[date, int], object], cases: list[tuple[date, int]]) -> tuple[float, float]:
    start = time.perf_counter()
    for d, n in cases:
        func(d, n)
    elapsed = time.perf_counter() - start
    return len(cases) / elapsed, elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    cal = WorkCalendar.from_chinese_calendar()
    cases = inputs(count)
    for d, n in cases[:2000]:
        assert cal.add_working_days(d, n) == baseline(d, n), (d, n)
    fast, fast_s = rate(cal.add_working_days, cases)
    base_cases = cases[: max(1, count // 10)]  # the walk is slow; time a tenth of the inputs
    slow, slow_s = rate(baseline, base_cases)
    print(f"inputs: {count} random (start in 2025-2026, n in 1..60)")
    print(f"WorkCalendar.add_working_days : {fast:12,.0f} /s  ({1e6 / fast:8.2f} us each, {fast_s:.3f} s)")
    print(f"chinese_calendar.find_workday : {slow:12,.0f} /s  ({1e6 / slow:8.2f} us each, {slow_s:.3f} s)")
    print(f"ratio                         : {fast / slow:12,.1f} x")

    def full(d: date, n: int) -> object:
        # promised + statutory with one closed pause and an open one, as the service layer recomputes them
        pauses = (Pause(d + timedelta(days=3), d + timedelta(days=8)), Pause(d + timedelta(days=12)))
        return compute_due_dates(d, n, n + 10, cal, pauses=pauses, as_of=d + timedelta(days=15))

    ledger, _ = rate(full, cases)
    print(f"compute_due_dates (2 pauses)  : {ledger:12,.0f} /s  ({1e6 / ledger:8.2f} us each)")


if __name__ == "__main__":
    main()
