"""The head's queue (待审批): what waits for a department head or a manager to approve or decide.

- extension requests (延期申请) the user's role may approve on that kind of case;
- special-procedure requests (特别程序申请) awaiting approval;
- consolidations (并联审批汇总): joint cases whose departments have all decided, waiting for the lead's decision;
- reviewers' opinions (承办人意见) recorded on cases the user's role decides.

Who approves what is read from the definitions (the roles of each approving or deciding transition), never
from a workflow's name; a head sees the cases of their own department, a manager every case. Each list is one
query; :func:`approval_counts` counts all four in one statement.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from workflows.registry import all_definitions

from ..extensions import db
from ..models import Case, CaseEvent, CaseExtension, CasePause, ExtensionStatus, PauseStatus, Role, User
from .scope import visible_clause

APPROVER_ROLES = frozenset({Role.DEPT_HEAD, Role.MANAGER})
QUEUES = ("extensions", "procedures", "consolidations", "opinions")
OPINION_TRIGGER = "record_opinion"


@cache
def _states_where(role: str, trigger: str | None) -> tuple[tuple[str, int, str], ...]:
    """(workflow, version, state) where ``role`` may fire ``trigger`` by hand (``None``: a decision)."""
    found = []
    for definition in all_definitions():
        for spec in definition.transitions:
            if role not in spec.roles or spec.automatic:
                continue
            if (spec.trigger == trigger) if trigger is not None else spec.decides:
                found += [(definition.key, definition.version, state) for state in spec.sources]
    return tuple(dict.fromkeys(found))


@cache
def _joined_states() -> tuple[tuple[str, int, str], ...]:
    """(workflow, version, state) a case reaches when its parallel review joins (the lead consolidates)."""
    return tuple(dict.fromkeys(
        (d.key, d.version, t.dest) for d in all_definitions() for t in d.transitions
        if t.dest is not None and set(t.sources) & d.step_states and t.dest not in d.step_states
    ))


def _in(states: tuple[tuple[str, int, str], ...]) -> sa.ColumnElement[bool]:
    if not states:
        return sa.false()
    return sa.tuple_(Case.workflow_key, Case.workflow_version, Case.state).in_(states)


def _scope(user: User) -> sa.ColumnElement[bool]:
    """A head's own department's cases; a manager's: every case."""
    if user.role == Role.DEPT_HEAD:
        return sa.and_(Case.department_id == user.department_id, visible_clause(user))
    return visible_clause(user)


def queue_conditions(user: User) -> dict[str, sa.ColumnElement[bool]]:
    """Each queue's condition on a case, for this user (``false`` when the user approves nothing)."""
    if user.role not in APPROVER_ROLES or (user.role == Role.DEPT_HEAD and user.department_id is None):
        return dict.fromkeys(QUEUES, sa.false())
    role = str(user.role)
    base = sa.and_(Case.in_progress, Case.decided_on.is_(None), _scope(user))
    pending_extension = sa.exists().where(CaseExtension.case_id == Case.id,
                                          CaseExtension.status == ExtensionStatus.PENDING)
    requested_pause = sa.exists().where(CasePause.case_id == Case.id, CasePause.status == PauseStatus.REQUESTED)
    opinion = sa.exists().where(CaseEvent.case_id == Case.id, CaseEvent.trigger == OPINION_TRIGGER,
                                CaseEvent.to_state == Case.state)
    deciding = _in(_states_where(role, None))
    return {
        "extensions": sa.and_(base, pending_extension, _in(_states_where(role, "approve_extension"))),
        "procedures": sa.and_(base, requested_pause, _in(_states_where(role, "approve_special_procedure"))),
        "consolidations": sa.and_(base, deciding, _in(_joined_states())),
        "opinions": sa.and_(base, deciding, opinion),
    }


def approval_counts(user: User) -> dict[str, int]:
    """How many cases wait in each queue (one query)."""
    conditions = queue_conditions(user)
    row = db.session.execute(
        sa.select(*(sa.func.count().filter(conditions[name]) for name in QUEUES)).select_from(Case)
    ).one()
    return dict(zip(QUEUES, row, strict=True))


def approval_queues(user: User, limit: int = 50) -> dict[str, list[Case]]:
    """The cases of each queue, earliest promised due date first."""
    queues = {}
    for name, condition in queue_conditions(user).items():
        queues[name] = list(db.session.scalars(
            sa.select(Case).where(condition)
            .options(selectinload(Case.item), selectinload(Case.extensions), selectinload(Case.pauses),
                     selectinload(Case.department))
            .order_by(Case.due_promised.asc().nulls_last(), Case.id).limit(limit)
        ))
    return queues
