"""Parallel approval (并联审批): one step row per department, and the join.

A case fans out when it enters one of its definition's step states; each department records its decision on
its own step. The case row is locked before a decision is recorded, so when two departments finish in the same
instant the second waits for the first, sees both decisions, and the join fires exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows import available_triggers
from workflows.engine import definition_of

from ..extensions import db
from ..models import Case, CaseEvent, CaseStep, Department, Role, StepStatus
from ..queries.scope import may_decide_step
from ..text import clean_text
from . import Conflict, NotFound, ServiceError
from .clock import step_due_on
from .core import SYSTEM, Actor, action_time, check_version, flush, lock_case_of_step, perform
from .refusals import Forbidden

STEP_DECISIONS = {
    "approve": StepStatus.APPROVED,
    "reject": StepStatus.REJECTED,
    "return": StepStatus.RETURNED,
}
JOIN_TRIGGER = "complete_parallel_review"


def fan_out(case: Case, *, departments: Sequence[int] | None = None, today: date) -> list[CaseStep]:
    """Create one pending step per participating department (the lead always included).

    ``departments`` (ids) replaces the item's participating departments for this case. Each step has the
    item's parallel review limit (else the case's promised limit), counted from today, and never falls due
    after the case's promised date.
    """
    item = case.item
    chosen = list(departments) if departments else [d.id for d in item.participating_departments]
    if case.department_id not in chosen:
        chosen.insert(0, case.department_id)
    if departments:  # chosen by hand: each must exist (the item's own list does)
        found = set(db.session.scalars(sa.select(Department.id).where(Department.id.in_(chosen))))
        if any(d not in found for d in chosen):
            raise ServiceError(_("Unknown department."), field="departments")
    if len(set(chosen)) < 2:
        raise ServiceError(_("A joint case needs at least two departments."), field="departments")
    limit = item.step_limit_days or case.promised_limit_days
    due = step_due_on(case, today, limit, today=today)
    steps = [
        CaseStep(case=case, department_id=department_id, is_lead=department_id == case.department_id,
                 status=StepStatus.PENDING, limit_days=limit, started_on=today, due_on=due)
        for department_id in dict.fromkeys(chosen)
    ]
    db.session.add_all(steps)
    return steps


def _step_of(step_id: int, case_id: int | None) -> tuple[Case, CaseStep]:
    """The step's case, locked with its steps (one round trip), and the step; 404 if it is not that case's."""
    case = lock_case_of_step(step_id)
    step = next((s for s in case.steps if s.id == step_id), None)
    if step is None or (case_id is not None and case.id != case_id):
        raise NotFound(_("No such review step."))
    return case, step


def _ensure_reviewing(case: Case) -> None:
    if case.state not in definition_of(case).step_states:
        raise ServiceError(_("The parallel review of this case is over."))


def record_step_decision(step_id: int, actor: Actor, decision: str, opinion: str, *, case_id: int | None = None,
                         when: datetime | None = None, expected_version: int | None = None) -> CaseStep:
    """Record a department's decision on its step: approve, reject, or return for supplement.

    Reviewers and heads act for their own department only. When every step is decided the case joins
    (``complete_parallel_review``) and moves to the lead department's consolidation.
    """
    now = action_time(when)
    status = STEP_DECISIONS.get(decision)
    if status is None:
        raise ServiceError(_("Choose approve, reject or return."), field="decision")
    opinion = clean_text(opinion)
    if not opinion:
        raise ServiceError(_("Write the department's opinion."), field="opinion")
    case, step = _step_of(step_id, case_id)  # the case row is locked: a concurrent decision waits here
    if not may_decide_step(step, actor.role, actor.department_id):
        raise Forbidden(_("Only the department's own reviewers can decide its share."))
    if expected_version is not None and expected_version != step.lock_version:
        raise Conflict(_("Somebody else changed this step first. Reload it and try again; nothing was changed."))
    _ensure_reviewing(case)
    if step.status != StepStatus.PENDING:
        raise Conflict(_("This department's share was already decided."))
    step.status = status
    step.opinion = opinion
    step.decided_at = now
    step.decided_by_id = actor.user_id
    case.updated_at = now  # bumps the case's lock_version: a stale concurrent join fails
    _append_step_event(case, step, actor, now, decision)
    if case.parallel_steps_complete and JOIN_TRIGGER in available_triggers(case, "system"):
        perform(case, JOIN_TRIGGER, SYSTEM, when=now,
                data={"approved": sum(s.status == StepStatus.APPROVED for s in case.steps),
                      "rejected": sum(s.status == StepStatus.REJECTED for s in case.steps)})
    flush()
    return step


def _append_step_event(case: Case, step: CaseStep, actor: Actor, now: datetime, decision: str) -> None:
    db.session.add(CaseEvent(case=case, step_id=step.id, at=now, actor_id=actor.user_id, actor_role=actor.role,
                             trigger=f"step_{decision}", from_state=case.state, to_state=case.state,
                             comment=step.opinion, data={"department_id": step.department_id}))


def record_step_supplement(step_id: int, actor: Actor, *, case_id: int | None = None, when: datetime | None = None,
                           expected_version: int | None = None) -> CaseStep:
    """The supplement a department asked for arrived: its step is pending again with a fresh limit."""
    now = action_time(when)
    case, step = _step_of(step_id, case_id)
    by_window = actor.role == Role.CLERK and case.window_id is not None and case.window_id in actor.window_ids
    if actor.user is None or not (by_window or may_decide_step(step, actor.role, actor.department_id)):
        raise Forbidden(_("Only the receiving window or the department can record this supplement."))
    check_version(expected_version, step.lock_version)
    _ensure_reviewing(case)
    if step.status != StepStatus.RETURNED:
        raise ServiceError(_("This department did not ask for a supplement."))
    step.status = StepStatus.PENDING
    step.started_on = now.date()
    step.decided_at = None
    step.due_on = step_due_on(case, step.started_on, step.limit_days, today=now.date())
    case.updated_at = now
    _append_step_event(case, step, actor, now, "supplemented")
    flush()
    return step
