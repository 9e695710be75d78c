"""The statistics rollup on random histories (hypothesis): every rollup figure and rate equals a recomputation
straight from the cases, cards and ratings in Python, and rebuilding a range day by day gives the same rows."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from service_center.extensions import db
from service_center.models import Case, CaseType, DailyStat, RatingLevel
from service_center.models.statistics import DIMENSIONS, MEASURES
from service_center.queries.statistics import Breakdown, Period, cases_behind, figures
from service_center.services.clock import work_calendar
from service_center.services.statistics import refresh_days
from tests.services.stats_history import BAD, FIRST, LAST, SPAN, World, history_st, insert_history

# -- the recomputation, straight from the records ------------------------------------------------------------------


def _overdue_on(case: Case, pauses: list, day: date) -> bool:
    stopped = case.decided_on or case.closed_on
    if case.due_promised is None or not case.due_promised < day or (stopped is not None and stopped <= day):
        return False
    return not any(s <= case.due_promised and (e is None or e > day) for s, e in pauses)


def _expected(records: list[dict], first: date, last: date, keep) -> Counter:
    """The measures of the days from ``first`` to ``last`` over the facts whose (window, department, item,
    clerk) ``keep`` accepts; overdue_open is the snapshot of ``last``."""
    calendar = work_calendar()
    n: Counter = Counter()
    inside = lambda d: d is not None and first <= d <= last  # noqa: E731
    for record in records:
        if "complaint" in record:
            c = record["complaint"]
            if inside(c.received_on) and keep(c.window_id, c.department_id, c.item_id, None):
                n["complaints"] += 1
            continue
        case = record["case"]
        if not keep(case.window_id, case.department_id, case.item_id, case.first_contact_id):
            continue
        n["received"] += inside(case.received_on)
        n["instant"] += inside(case.received_on) and case.case_type == CaseType.INSTANT
        n["accepted"] += inside(case.accepted_on)
        if case.accepted_on and inside(case.closed_on):
            stopped = case.decided_on or case.closed_on
            n["closed"] += 1
            n["closed_on_time_promised"] += stopped <= case.due_promised
            n["closed_on_time_statutory"] += stopped <= case.due_statutory
            n["overdue_closed"] += stopped > case.due_promised
            n["working_days_to_close"] += calendar.working_days_after(case.accepted_on, case.closed_on)
            n["closed_rated"] += any(not default and not revoked for _l, _d, default, revoked, _r in record["ratings"])
        n["overdue_open"] += _overdue_on(case, record["pauses"], last)
        for level, judged, revoked in record["cards"]:
            if inside(judged):
                n["cards_revoked" if revoked else f"cards_{level.value}"] += 1
        for level, rated, default, revoked, rectified in record["ratings"]:
            if not inside(rated):
                continue
            if revoked:
                n["ratings_revoked"] += 1
            elif default:
                n["ratings_default"] += 1
            else:
                n[f"ratings_{level.value}"] += 1
                n["bad_ratings"] += level in BAD
                n["bad_rectified"] += rectified
    return n


def _check(figure, expected: Counter) -> None:
    plain = {m: getattr(figure, m) for m in MEASURES if hasattr(figure, m)}
    levels = {f"ratings_{k}": v for k, v in figure.ratings_by_level.items()}
    got = {k: v for k, v in {**plain, **levels, "bad_ratings": figure.bad_ratings}.items() if v}
    assert got == {k: v for k, v in expected.items() if v}
    ratings = sum(figure.ratings_by_level.values())
    rate = lambda a, b: a / b if b else None  # noqa: E731
    assert figure.completion_rate == rate(expected["closed"], expected["accepted"])
    assert figure.on_time_rate_promised == rate(expected["closed_on_time_promised"], expected["closed"])
    assert figure.on_time_rate_statutory == rate(expected["closed_on_time_statutory"], expected["closed"])
    assert figure.overdue == expected["overdue_open"] + expected["overdue_closed"]
    assert figure.instant_rate == rate(expected["instant"], expected["received"])
    assert figure.average_working_days == rate(expected["working_days_to_close"], expected["closed"])
    good = sum(expected[f"ratings_{lvl.value}"] for lvl in RatingLevel if lvl not in BAD)
    assert figure.satisfaction_rate == rate(good, ratings)
    assert figure.bad_rate == rate(expected["bad_ratings"], ratings)
    assert figure.coverage_rate == rate(expected["closed_rated"], expected["closed"])
    assert figure.rectification_rate == rate(expected["bad_rectified"], expected["bad_ratings"])
    assert figure.complaints_per_thousand == (
        None if not expected["received"] else 1000 * expected["complaints"] / expected["received"])


def _rows() -> list[tuple]:
    columns = [DailyStat.day, *(getattr(DailyStat, c) for c in (*DIMENSIONS, *MEASURES))]
    return sorted(db.session.execute(sa.select(*columns)).all(), key=repr)


DRILL = {"received": "received", "accepted": "accepted", "instant": "instant", "closed": "closed",
         "closed_on_time_promised": "closed_on_time_promised", "closed_late_promised": "overdue_closed",
         "closed_on_time_statutory": "closed_on_time_statutory", "overdue_open": "overdue_open",
         "complaints": "complaints", "cards_reminder": "cards_reminder", "cards_yellow": "cards_yellow",
         "cards_red": "cards_red"}  # one card per level and case here


def _count(select: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))


KEYS = {Breakdown.WINDOW: 0, Breakdown.DEPARTMENT: 1, Breakdown.ITEM: 2, Breakdown.CLERK: 3}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: a failure prints its example
@given(history=history_st, cut=st.integers(1, SPAN - 2))
def test_rollup_equals_recomputation(world: World, history: dict, cut: int) -> None:
    outer = db.session.begin_nested()
    try:
        records = insert_history(world, history)
        # Incrementally: two ranges in the wrong order, the second day refreshed again; then a full rebuild.
        middle = FIRST + timedelta(days=cut)
        refresh_days(middle, LAST + timedelta(days=15))
        refresh_days(FIRST - timedelta(days=1), middle - timedelta(days=1))
        refresh_days(FIRST + timedelta(days=1), FIRST + timedelta(days=1))
        incremental = _rows()
        refresh_days(FIRST - timedelta(days=1), LAST + timedelta(days=15))
        assert _rows() == incremental

        period = Period.custom(FIRST, LAST + timedelta(days=15))
        (centre,) = figures(period, Breakdown.CENTRE, world.manager)
        _check(centre, _expected(records, period.start, period.end, lambda *_: True))
        for breakdown, position in KEYS.items():
            shown = figures(period, breakdown, world.manager)
            assert sum(f.received for f in shown) == centre.received
            for figure in shown:
                keep = lambda *dims, key=figure.key, at=position: dims[at] == key  # noqa: E731
                _check(figure, _expected(records, period.start, period.end, keep))
        for offset in (0, cut, SPAN - 1):
            day = Period.day(FIRST + timedelta(days=offset))
            (one,) = figures(day, Breakdown.CENTRE, world.manager)
            _check(one, _expected(records, day.start, day.end, lambda *_: True))
        for figure in figures(period, Breakdown.WINDOW, world.manager):  # the drill-down lists what was counted
            for measure, attribute in DRILL.items():
                behind = cases_behind(period, Breakdown.WINDOW, figure.key, measure, world.manager)
                assert _count(behind) == getattr(figure, attribute), measure
            bad = cases_behind(period, Breakdown.WINDOW, figure.key, "bad_ratings", world.manager)
            assert (_count(bad) > 0) == (figure.bad_ratings > 0)
            assert _count(bad) <= figure.bad_ratings
        head_department = world.head.department_id
        for figure in figures(period, Breakdown.WINDOW, world.head):
            _check(figure, _expected(records, period.start, period.end,
                                     lambda w, d, *_, key=figure.key: w == key and d == head_department))
    finally:
        outer.rollback()
