"""Deadline computations per second: the WorkCalendar table vs chinese_calendar.find_workday, in one run.

Same inputs for both: random start dates in 2025-2026 and limits of 1-60 working days whose results stay
inside the package's published years. ``find_workday(n, d)`` counts from the first working day on or after
``d``, so for a start that is not a working day the equivalent call is ``find_workday(n - 1, d)``; the script
checks that both give the same dates before timing them.

Timed, each against ``find_workday`` measured in the same run (the machine's load changes from run to run, the
ratio much less):

- ``add_working_days``: one due date;
- the ledger, ``compute_due_dates`` with two pauses (one closed, one open as of a later day), promised and
  statutory limits, as the service layer recomputes a case: its inputs (Pause objects, dates) are built
  before the clock starts, as ``find_workday``'s are;
- the same ledger building its Pause objects and dates inside the timed loop (for the record).

Each rate is the best of three passes over the same inputs.

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

REPEAT = 3  # each rate is the best of this many passes


def inputs(count: int, seed: int = 2025) -> list[tuple[date, int]]:
    rng = random.Random(seed)
    first = date(2025, 1, 1)
    days = (date(2026, 9, 30) - first).days  # + 60 working days stays within 2026
    return [(first + timedelta(days=rng.randrange(days)), rng.randrange(1, 61)) for _ in range(count)]


def baseline(d: date, n: int) -> date:
    """The n-th working day strictly after d, with chinese_calendar's day-by-day find_workday."""
    return chinese_calendar.find_workday(n if chinese_calendar.is_workday(d) else n - 1, d)


def best_of(one_pass: Callable[[], object], repeat: int = REPEAT) -> float:
    """Seconds for the fastest of ``repeat`` runs of ``one_pass`` (the least disturbed by the rest of the
    machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        one_pass()
        best = min(best, time.perf_counter() - start)
    return best


def rate(func: Callable[..., object], cases: list[tuple]) -> tuple[float, float]:
    """Calls per second of ``func(*case)`` over ``cases``, and the seconds of the best pass."""

    def one_pass() -> None:
        for args in cases:
            func(*args)

    seconds = best_of(one_pass)
    return len(cases) / seconds, seconds


def ledger_args(d: date, n: int) -> tuple[date, int, int, tuple[Pause, Pause], date]:
    """A closed pause [d+3, d+8) and one open since d+12, as of d+15; promised n, statutory n + 10."""
    pauses = (Pause(d + timedelta(days=3), d + timedelta(days=8)), Pause(d + timedelta(days=12)))
    return d, n, n + 10, pauses, d + timedelta(days=15)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    cal = WorkCalendar.from_chinese_calendar()
    cases = inputs(count)
    for d, n in cases[:2000]:
        assert cal.add_working_days(d, n) == baseline(d, n), (d, n)

    prepared = [ledger_args(d, n) for d, n in cases]

    def ledger_pass() -> None:
        for d, n, statutory, pauses, as_of in prepared:
            compute_due_dates(d, n, statutory, cal, pauses=pauses, as_of=as_of)

    def ledger_building_inputs_pass() -> None:
        for d, n in cases:
            d, n, statutory, pauses, as_of = ledger_args(d, n)
            compute_due_dates(d, n, statutory, cal, pauses=pauses, as_of=as_of)

    ledger_pass()  # warm up: the table is built, no timing includes a rebuild
    fast, fast_s = rate(cal.add_working_days, cases)
    base_cases = cases[: max(1, count // 20)]  # the walk is slow; time a twentieth of the inputs
    slow, slow_s = rate(baseline, base_cases)
    full_s = best_of(ledger_pass)
    full = count / full_s
    built = count / best_of(ledger_building_inputs_pass)
    print(f"inputs: {count} random (start in 2025-2026, n in 1..60); find_workday on {len(base_cases)} of them; "
          f"best of {REPEAT} passes")
    print(f"chinese_calendar.find_workday      : {slow:12,.0f} /s  ({1e6 / slow:8.2f} us each, {slow_s:.3f} s)")
    print(f"WorkCalendar.add_working_days      : {fast:12,.0f} /s  ({1e6 / fast:8.2f} us each, {fast_s:.3f} s)")
    print(f"compute_due_dates (2 pauses)       : {full:12,.0f} /s  ({1e6 / full:8.2f} us each, {full_s:.3f} s)")
    print(f"  the same, building its inputs    : {built:12,.0f} /s  ({1e6 / built:8.2f} us each)")
    print(f"ratio add_working_days/find_workday: {fast / slow:12,.1f} x")
    print(f"ratio ledger/find_workday          : {full / slow:12,.1f} x   (target >= 300 x)")
    print(f"ratio ledger+inputs/find_workday   : {built / slow:12,.1f} x")


if __name__ == "__main__":
    main()
