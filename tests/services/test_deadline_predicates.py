"""The overdue and due-soon predicates (SQL, for cases and for departments' steps) against a Python
recomputation of DOMAIN.md's rule on generated data, and the badges derived from the same predicates."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, CasePause, CaseStep, PauseStatus, ProcedureType, StepStatus
from service_center.queries.deadlines import (
    Deadlines,
    due_within,
    open_pause,
    overdue_promised,
    overdue_statutory,
    step_due_within,
    step_overdue,
)

TODAY = date(2026, 6, 15)
SOON = date(2026, 6, 16)
CASES = 160


def _day(rng: random.Random) -> date:
    return TODAY + timedelta(days=rng.randint(-12, 12))


def generate(rng: random.Random, hall) -> list[dict]:  # type: ignore[no-untyped-def]
    """Cases with random states of the facts the rule reads; returns the facts for the Python side."""
    facts = []
    for n in range(CASES):
        case = hall.receive(hall.joint, name=f"申请人{n}")
        open_ = rng.random() < 0.8
        started = rng.random() < 0.9
        decided = rng.random() < 0.2
        promised = _day(rng)
        case.in_progress = open_
        case.closed_on = None if open_ else TODAY
        case.clock_start_on = TODAY - timedelta(days=30) if started else None
        case.due_promised = promised if started else None
        case.due_statutory = promised + timedelta(days=rng.randint(0, 10)) if started else None
        case.decided_on = TODAY - timedelta(days=1) if decided else None
        pause = None
        roll = rng.random()
        if roll < 0.3:
            started_on = _day(rng)
            pause = (started_on, None if rng.random() < 0.6 else max(started_on, TODAY))
            db.session.add(CasePause(case=case, procedure_type=ProcedureType.INSPECTION, started_on=pause[0],
                                     ended_on=pause[1]))
        elif roll < 0.45:  # asked for (or refused), never approved: it does not stop the clock
            status = rng.choice([PauseStatus.REQUESTED, PauseStatus.REFUSED])
            db.session.add(CasePause(case=case, procedure_type=ProcedureType.HEARING, status=status,
                                     requested_on=_day(rng)))
        steps = []
        for department in (hall.lead, hall.other):
            status = rng.choice([StepStatus.PENDING, StepStatus.PENDING, StepStatus.APPROVED, StepStatus.RETURNED])
            due = _day(rng)
            step = CaseStep(case=case, department_id=department.id, status=status, limit_days=10,
                            started_on=TODAY - timedelta(days=20), due_on=due)
            db.session.add(step)
            steps.append((step, status, due))
        facts.append({"case": case, "open": open_, "decided": decided, "started": started, "promised": promised,
                      "statutory": case.due_statutory, "pause": pause, "steps": steps})
    db.session.flush()
    return facts


def _open_pause_since(fact: dict) -> date | None:
    pause = fact["pause"]
    return pause[0] if pause is not None and pause[1] is None else None


def _past(due: date, fact: dict) -> bool:
    """Past the due date, unless a special procedure that started by then is still running."""
    since = _open_pause_since(fact)
    return due < TODAY and not (since is not None and since <= due)


def _deciding(fact: dict) -> bool:
    return fact["open"] and not fact["decided"] and fact["started"]


def expected(fact: dict) -> dict[str, bool]:
    deciding = _deciding(fact)
    running = deciding and _open_pause_since(fact) is None
    return {
        "promised": deciding and _past(fact["promised"], fact),
        "statutory": deciding and _past(fact["statutory"], fact),
        "soon": running and TODAY <= fact["promised"] <= SOON,
    }


def _ids(condition: sa.ColumnElement[bool], entity=Case) -> set[int]:  # type: ignore[no-untyped-def]
    query = sa.select(entity.id).where(condition)
    if entity is CaseStep:
        query = query.join(Case, Case.id == CaseStep.case_id)
    return set(db.session.scalars(query))


def test_case_and_step_predicates_agree_with_the_rule(hall):
    facts = generate(random.Random(20261202), hall)
    by_id = {f["case"].id: expected(f) for f in facts}
    assert _ids(overdue_promised(TODAY)) == {i for i, e in by_id.items() if e["promised"]}
    assert _ids(overdue_statutory(TODAY)) == {i for i, e in by_id.items() if e["statutory"]}
    assert _ids(due_within(TODAY, SOON)) == {i for i, e in by_id.items() if e["soon"]}

    def step_late(fact: dict, status: StepStatus, due: date) -> bool:
        return fact["open"] and not fact["decided"] and status == StepStatus.PENDING and _past(due, fact)

    def step_soon(fact: dict, status: StepStatus, due: date) -> bool:
        return (fact["open"] and not fact["decided"] and status == StepStatus.PENDING
                and _open_pause_since(fact) is None and TODAY <= due <= SOON)

    late = {s.id for f in facts for s, status, due in f["steps"] if step_late(f, status, due)}
    soon = {s.id for f in facts for s, status, due in f["steps"] if step_soon(f, status, due)}
    assert _ids(step_overdue(TODAY), CaseStep) == late
    assert _ids(step_due_within(TODAY, SOON), CaseStep) == soon
    assert late, "the generated data exercises overruns"
    unapproved = {f["case"].id for f in facts if f["pause"] is None and f["case"].pauses}
    assert unapproved, "the generated data has requested and refused procedures"
    assert not unapproved & {i for i, paused in db.session.execute(sa.select(Case.id, open_pause()))
                             if paused}, "a procedure not approved stops no clock"
    assert soon, "the generated data exercises reminders"

    # The badges and the list filters are the same predicates.
    deadlines = Deadlines(TODAY, SOON)
    badges = deadlines.badges([f["case"] for f in facts])
    for fact in facts:
        case_id, rule = fact["case"].id, by_id[fact["case"].id]
        step_overrun = any(step_late(fact, status, due) for _s, status, due in fact["steps"])
        want = "overdue" if rule["promised"] else "step_overdue" if step_overrun else "soon" if rule["soon"] else None
        assert badges.case(case_id) == want, fact
        for step, status, due in fact["steps"]:
            want_step = "overdue" if step_late(fact, status, due) else "soon" if step_soon(fact, status, due) else None
            assert badges.step(step.id) == want_step
    listed_overdue = _ids(deadlines.overdue())
    assert listed_overdue == {f["case"].id for f in facts if by_id[f["case"].id]["promised"] or any(
        step_late(f, status, due) for _s, status, due in f["steps"])}
    assert not listed_overdue & _ids(deadlines.due_soon())
