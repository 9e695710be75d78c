"""Parallel approval (并联审批): one step row per department, and the join.

A joint case fans out at acceptance; each department records its decision on its own step. The case row
is locked before a decision is recorded, so when two departments finish in the same instant the second
waits for the first, sees both decisions, and the join fires exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows import available_triggers

from ..auth import has_department_scope
from ..extensions import db
from ..models import Case, CaseStep, Department, Role, StepStatus
from . import Conflict, NotFound, ServiceError
from .cases import SYSTEM, Actor, Forbidden, _now, flush, lock_case, perform
from .clock import refresh_due_dates

STEP_DECISIONS = {
    "approve": StepStatus.APPROVED,
    "reject": StepStatus.REJECTED,
    "return": StepStatus.RETURNED,
}


def fan_out(case: Case, *, departments: Sequence[int] | None = None, today: date) -> list[CaseStep]:
    """Create one pending step per participating department (the lead always included).

    ``departments`` (ids) replaces the item's participating departments for this case. Each step has the
    item's parallel review limit (else the case's promised limit), counted from today.
    """
    item = case.item
    chosen = list(departments) if departments else [d.id for d in item.participating_departments]
    if case.department_id not in chosen:
        chosen.insert(0, case.department_id)
    found = set(db.session.scalars(sa.select(Department.id).where(Department.id.in_(chosen))))
    unknown = [d for d in chosen if d not in found]
    if unknown:
        raise ServiceError(_("Unknown department."), field="departments")
    if len(set(chosen)) < 2:
        raise ServiceError(_("A joint case needs at least two departments."), field="departments")
    steps = [
        CaseStep(case=case, department_id=department_id, is_lead=department_id == case.department_id,
                 status=StepStatus.PENDING,  # set now, not at the INSERT: the due dates below read it
                 limit_days=item.step_limit_days or case.promised_limit_days, started_on=today, due_on=today)
        for department_id in dict.fromkeys(chosen)
    ]
    db.session.add_all(steps)
    refresh_due_dates(case, today=today)
    flush()
    return steps


def record_step_decision(step_id: int, actor: Actor, decision: str, opinion: str, *, when: datetime | None = None,
                         expected_version: int | None = None) -> CaseStep:
    """Record a department's decision on its step: approve, reject, or return for supplement.

    Reviewers and heads act for their own department only. When every step is decided the case joins
    (``complete_parallel_review``) and moves to the lead department's consolidation.
    """
    now = _now(when)
    status = STEP_DECISIONS.get(decision)
    if status is None:
        raise ServiceError(_("Choose approve, reject or return."), field="decision")
    if not opinion.strip():
        raise ServiceError(_("Write the department's opinion."), field="opinion")
    step = db.session.get(CaseStep, step_id)
    if step is None:
        raise NotFound(_("No such review step."))
    user = actor.user
    if user is None or user.role not in (Role.REVIEWER, Role.DEPT_HEAD) or not has_department_scope(
        user, step.department_id
    ):
        raise Forbidden(_("Only the department's own reviewers can decide its share."))
    case = lock_case(step.case_id)  # serialises the join: a concurrent decision waits here
    db.session.refresh(step)
    if expected_version is not None and expected_version != step.lock_version:
        raise Conflict(_("Somebody else changed this step first. Reload it and try again; nothing was changed."))
    if case.state != "parallel_review":
        raise ServiceError(_("The parallel review of this case is over."))
    if step.status != StepStatus.PENDING:
        raise Conflict(_("This department's share was already decided."))
    step.status = status
    step.opinion = opinion.strip()
    step.decided_at = now
    step.decided_by_id = user.id
    case.updated_at = now  # bumps the case's lock_version: a stale concurrent join fails
    _append_step_event(case, step, actor, now, decision)
    flush()
    if case.parallel_steps_complete and "complete_parallel_review" in available_triggers(case, "system"):
        perform(case, "complete_parallel_review", SYSTEM, when=now,
                data={"approved": sum(s.status == StepStatus.APPROVED for s in case.steps),
                      "rejected": sum(s.status == StepStatus.REJECTED for s in case.steps)})
        flush()
    return step


def _append_step_event(case: Case, step: CaseStep, actor: Actor, now: datetime, decision: str) -> None:
    from ..models import CaseEvent

    db.session.add(CaseEvent(case=case, step_id=step.id, at=now, actor_id=actor.user_id, actor_role=actor.role,
                             trigger=f"step_{decision}", from_state=case.state, to_state=case.state,
                             comment=step.opinion, data={"department_id": step.department_id}))


def record_step_supplement(step_id: int, actor: Actor, *, when: datetime | None = None) -> CaseStep:
    """The supplement a department asked for arrived: its step is pending again with a fresh limit."""
    now = _now(when)
    step = db.session.get(CaseStep, step_id)
    if step is None:
        raise NotFound(_("No such review step."))
    case = lock_case(step.case_id)
    user = actor.user
    if user is None or not (
        (user.role == Role.CLERK and case.window_id is not None and any(w.id == case.window_id for w in user.windows))
        or (user.role in (Role.REVIEWER, Role.DEPT_HEAD) and has_department_scope(user, step.department_id))
    ):
        raise Forbidden(_("Only the receiving window or the department can record this supplement."))
    if case.state != "parallel_review":
        raise ServiceError(_("The parallel review of this case is over."))
    if step.status != StepStatus.RETURNED:
        raise ServiceError(_("This department did not ask for a supplement."))
    step.status = StepStatus.PENDING
    step.started_on = now.date()
    step.decided_at = None
    _append_step_event(case, step, actor, now, "supplemented")
    refresh_due_dates(case, today=now.date())
    flush()
    return step
