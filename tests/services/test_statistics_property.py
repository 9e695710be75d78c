"""The statistics rollup on random histories (hypothesis): every rollup figure and rate equals a recomputation
straight from the cases, cards and ratings in Python, and rebuilding a range day by day gives the same rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from service_center.extensions import db
from service_center.models import (
    AppealStatus,
    CardAppeal,
    Case,
    CasePause,
    CaseType,
    DailyStat,
    PauseStatus,
    ProcedureType,
    Rating,
    RatingChannel,
    RatingLevel,
    Role,
    WarningCard,
    WarningLevel,
    WarningRule,
)
from service_center.models.ratings import RatingAppeal, RatingAppealStatus
from service_center.models.statistics import DIMENSIONS, MEASURES
from service_center.queries.statistics import Breakdown, Period, figures
from service_center.services.clock import work_calendar
from service_center.services.statistics import refresh_days
from tests.hall import TZ

BASE = date(2026, 3, 2)  # a Monday, well in the past: every period here is finished
SPAN = 24  # days of history
FIRST, LAST = BASE, BASE + timedelta(days=SPAN - 1)
RULE = {WarningLevel.REMINDER: WarningRule.PROMISED_SOON, WarningLevel.YELLOW: WarningRule.PROMISED_PASSED,
        WarningLevel.RED: WarningRule.STATUTORY_PASSED}
BAD = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)
_numbers = count(1)

offsets = st.integers(0, SPAN - 1)
ratings_st = st.lists(st.tuples(
    st.sampled_from([RatingChannel.TRACKING, RatingChannel.EVALUATOR, RatingChannel.DEFAULT]),
    st.sampled_from(list(RatingLevel)), st.integers(0, 6), st.sampled_from([0, 9, 23]),
    st.booleans(), st.booleans()), max_size=2)
case_st = st.fixed_dictionaries({
    "where": st.integers(0, 2), "instant": st.booleans(), "received": offsets,
    "accept_after": st.none() | st.integers(0, 3), "promised": st.integers(0, 6), "extra": st.integers(0, 5),
    "close_after": st.none() | st.integers(0, 12), "decide_before_close": st.integers(0, 2),
    "pause": st.none() | st.tuples(st.integers(0, 6), st.none() | st.integers(0, 6)),
    "cards": st.lists(st.tuples(st.sampled_from(list(WarningLevel)), st.integers(0, 8), st.booleans()),
                      max_size=2),
    "ratings": ratings_st,
})
history_st = st.fixed_dictionaries({
    "cases": st.lists(case_st, max_size=12),
    "complaints": st.lists(st.tuples(st.integers(0, 2), offsets), max_size=3),
})


@dataclass
class World:
    departments: list[int]
    windows: list[tuple[int, int]]  # (window, its department)
    items: dict[tuple[int, bool], int]  # (department index, instant) -> item
    clerks: list[int]
    head: object
    manager: object


@pytest.fixture
def world(make_department, make_window, make_user, make_item) -> World:
    a, b = make_department(), make_department()
    windows = [make_window(department=a), make_window(department=a), make_window(department=b)]
    clerks = [make_user(Role.CLERK, windows=[w], department=w.department) for w in windows]
    items = {}
    for index, department in enumerate((a, b)):
        items[(index, False)] = make_item(department=department).id
        items[(index, True)] = make_item(department=department, case_type=CaseType.INSTANT, workflow_key="instant",
                                         statutory_limit_days=0, promised_limit_days=0).id
    return World([a.id, b.id], [(w.id, w.department_id) for w in windows], items, [c.id for c in clerks],
                 make_user(Role.DEPT_HEAD, department=a), make_user(Role.MANAGER))


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 30), tzinfo=TZ)


def _case(world: World, spec: dict, kind: str = "application", where: int = 0) -> Case:
    window, department = world.windows[where]
    instant = spec.get("instant", False)
    item = world.items[(world.departments.index(department), instant)] if kind == "application" else None
    calendar = work_calendar()
    received = BASE + timedelta(days=spec.get("received", 0))
    case = Case(number=f"SC-P{next(_numbers):07d}", query_code="123456", workflow_key=(
        ("instant" if instant else "committed") if kind == "application" else kind), workflow_version=1,
        state="received", case_type=(CaseType.INSTANT if instant else CaseType.COMMITTED) if item else None,
        item_id=item, window_id=window, department_id=department, first_contact_id=world.clerks[where],
        applicant_name="张三", received_on=received, received_at=_moment(received, 9))
    if spec.get("accept_after") is not None:
        case.accepted_on = case.clock_start_on = received + timedelta(days=spec["accept_after"])
        case.promised_limit_days = spec["promised"]
        case.statutory_limit_days = spec["promised"] + spec["extra"]
        case.due_promised = calendar.add_working_days(case.accepted_on, case.promised_limit_days)
        case.due_statutory = calendar.add_working_days(case.accepted_on, case.statutory_limit_days)
        case.state = "accepted"
        if spec.get("close_after") is not None:
            case.closed_on = case.accepted_on + timedelta(days=spec["close_after"])
            back = min(spec.get("decide_before_close", 0), spec["close_after"])
            case.decided_on = case.closed_on - timedelta(days=back)
            case.state, case.in_progress = "closed", False
    elif spec.get("close_after") is not None:  # refused at receipt: closed, never accepted
        case.closed_on = received + timedelta(days=spec["close_after"])
        case.state, case.in_progress = "refused", False
    db.session.add(case)
    db.session.flush()
    return case


def _insert_history(world: World, history: dict) -> list[dict]:
    """Write the random history; returns, per case, what the Python recomputation needs."""
    records = []
    appellant = world.manager.id
    for spec in history["cases"]:
        case = _case(world, spec, where=spec["where"])
        pauses = []
        if spec["pause"] and case.accepted_on:
            start = case.accepted_on + timedelta(days=spec["pause"][0])
            end = None if spec["pause"][1] is None else start + timedelta(days=spec["pause"][1])
            db.session.add(CasePause(case_id=case.id, procedure_type=ProcedureType.INSPECTION,
                                     status=PauseStatus.APPROVED, started_on=start, ended_on=end))
            pauses.append((start, end))
        cards = []
        for level, after, revoked in spec["cards"]:
            if any(level == c[0] for c in cards):
                continue
            judged = case.received_on + timedelta(days=after)
            card = WarningCard(case_id=case.id, level=level, rule=RULE[level], due_on=judged, judged_on=judged,
                               working_days_over=0, window_id=case.window_id, department_id=case.department_id,
                               handler_id=case.first_contact_id, raised_at=_moment(judged, 10))
            db.session.add(card)
            db.session.flush()
            if revoked:
                db.session.add(CardAppeal(card_id=card.id, reason="r", appealed_by_id=appellant,
                                          status=AppealStatus.REVOKED, decided_at=_moment(judged, 11)))
            cards.append((level, judged, revoked))
        ratings = []
        if not case.in_progress and case.accepted_on:
            seen = set()
            for channel, level, after, hour, revoked, rectified in spec["ratings"]:
                if channel in seen:
                    continue
                seen.add(channel)
                default = channel == RatingChannel.DEFAULT
                level = RatingLevel.BASIC if default else level
                rated = case.closed_on + timedelta(days=after)
                rating = Rating(case_id=case.id, channel=channel, level=level, reason="慢" if level in BAD else "",
                                rated_at=_moment(rated, hour), is_default=default, window_id=case.window_id)
                if level in BAD:
                    task = _case(world, {"received": 0, "accept_after": 0, "promised": 5, "extra": 0,
                                         "close_after": 1 if rectified else None}, kind="rectification",
                                 where=spec["where"])
                    rating.rectification_id = task.id
                db.session.add(rating)
                db.session.flush()
                if revoked:
                    db.session.add(RatingAppeal(rating_id=rating.id, reason="r", appealed_by_id=appellant,
                                                status=RatingAppealStatus.REVOKED, decided_at=_moment(rated, 23)))
                ratings.append((level, rated, default, revoked, rectified and level in BAD))
        records.append({"case": case, "pauses": pauses, "cards": cards, "ratings": ratings})
    for where, offset in history["complaints"]:
        records.append({"complaint": _case(world, {"received": offset}, kind="complaint", where=where)})
    db.session.flush()
    return records


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


KEYS = {Breakdown.WINDOW: 0, Breakdown.DEPARTMENT: 1, Breakdown.ITEM: 2, Breakdown.CLERK: 3}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: a failure prints its example
@given(history=history_st, cut=st.integers(1, SPAN - 2))
def test_rollup_equals_recomputation(world: World, history: dict, cut: int) -> None:
    outer = db.session.begin_nested()
    try:
        records = _insert_history(world, history)
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
        head_department = world.head.department_id
        for figure in figures(period, Breakdown.WINDOW, world.head):
            _check(figure, _expected(records, period.start, period.end,
                                     lambda w, d, *_, key=figure.key: w == key and d == head_department))
    finally:
        outer.rollback()
