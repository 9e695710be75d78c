"""Random histories for the statistics tests: a small world (two departments, three windows with their clerks, a
committed and an instant item per department, a head and a manager) and cases, pauses, cards, ratings and
complaints written straight into the tables from hypothesis-generated specs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count

import pytest
from hypothesis import strategies as st

from service_center.extensions import db
from service_center.models import (
    AppealStatus,
    CardAppeal,
    Case,
    CasePause,
    CaseType,
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
from service_center.services.clock import work_calendar
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


def moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 30), tzinfo=TZ)


def make_case(world: World, spec: dict, kind: str = "application", where: int = 0) -> Case:
    window, department = world.windows[where]
    instant = spec.get("instant", False)
    item = world.items[(world.departments.index(department), instant)] if kind == "application" else None
    calendar = work_calendar()
    received = BASE + timedelta(days=spec.get("received", 0))
    case = Case(number=f"SC-P{next(_numbers):07d}", query_code="123456", workflow_key=(
        ("instant" if instant else "committed") if kind == "application" else kind), workflow_version=1,
        state="received", case_type=(CaseType.INSTANT if instant else CaseType.COMMITTED) if item else None,
        item_id=item, window_id=window, department_id=department, first_contact_id=world.clerks[where],
        applicant_name="张三", received_on=received, received_at=moment(received, 9))
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


def insert_history(world: World, history: dict) -> list[dict]:
    """Write the random history; returns, per case, what the Python recomputation needs."""
    records = []
    appellant = world.manager.id
    for spec in history["cases"]:
        case = make_case(world, spec, where=spec["where"])
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
                               handler_id=case.first_contact_id, raised_at=moment(judged, 10))
            db.session.add(card)
            db.session.flush()
            if revoked:
                db.session.add(CardAppeal(card_id=card.id, reason="r", appealed_by_id=appellant,
                                          status=AppealStatus.REVOKED, decided_at=moment(judged, 11)))
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
                                rated_at=moment(rated, hour), is_default=default, window_id=case.window_id)
                if level in BAD:
                    task = make_case(world, {"received": 0, "accept_after": 0, "promised": 5, "extra": 0,
                                         "close_after": 1 if rectified else None}, kind="rectification",
                                 where=spec["where"])
                    rating.rectification_id = task.id
                db.session.add(rating)
                db.session.flush()
                if revoked:
                    db.session.add(RatingAppeal(rating_id=rating.id, reason="r", appealed_by_id=appellant,
                                                status=RatingAppealStatus.REVOKED, decided_at=moment(rated, 23)))
                ratings.append((level, rated, default, revoked, rectified and level in BAD))
        records.append({"case": case, "pauses": pauses, "cards": cards, "ratings": ratings})
    for where, offset in history["complaints"]:
        records.append({"complaint": make_case(world, {"received": offset}, kind="complaint", where=where)})
    db.session.flush()
    return records


