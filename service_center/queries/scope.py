"""Scope: who sees a case, and who acts on it. One rule each, as SQL for lists and counts and in Python for
a case already loaded; a test holds the two forms against each other.

- Seeing: clerks see their windows' cases, reviewers and heads their department's (as the case's department
  or as a participating department of a step), oversight roles all; cases of an oversight-only workflow
  (complaints about staff) only the oversight roles.
- Acting: clerks act for their own windows, reviewers and heads for the case's (lead) department, oversight
  roles on every case. A participating department acts on its own step only (see ``services.steps``).
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from workflows.registry import workflow_keys

from ..auth import OVERSIGHT_ROLES
from ..models import Case, CaseStep, Role, User, user_windows


def applications() -> sa.ColumnElement[bool]:
    """Applications (办件) only: never complaints or rectification tasks, which are cases of their own."""
    return Case.workflow_key.in_(workflow_keys(kind="application"))


def visible_clause(user: User) -> sa.ColumnElement[bool]:
    """The cases ``user`` may see (see the module docstring), as an SQL condition."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    not_oversight_only = Case.workflow_key.not_in(workflow_keys(oversight_only=True))
    if user.role == Role.CLERK:
        windows = sa.select(user_windows.c.window_id).where(user_windows.c.user_id == user.id)
        return sa.and_(not_oversight_only, Case.window_id.in_(windows))
    if user.role in (Role.REVIEWER, Role.DEPT_HEAD) and user.department_id is not None:
        has_step = sa.exists().where(CaseStep.case_id == Case.id, CaseStep.department_id == user.department_id)
        return sa.and_(not_oversight_only, sa.or_(Case.department_id == user.department_id, has_step))
    return sa.false()


def can_see(case: Case, user: User) -> bool:
    """:func:`visible_clause` for one loaded case."""
    if user.role in OVERSIGHT_ROLES:
        return True
    if case.workflow_key in workflow_keys(oversight_only=True):
        return False
    if user.role == Role.CLERK:
        return case.window_id is not None and any(w.id == case.window_id for w in user.windows)
    if user.role in (Role.REVIEWER, Role.DEPT_HEAD) and user.department_id is not None:
        return case.department_id == user.department_id or any(
            s.department_id == user.department_id for s in case.steps
        )
    return False


def may_act(case: Case, role: str, window_ids: Collection[int], department_id: int | None) -> bool:
    """Whether someone with this role, these windows and this department may act on ``case`` itself."""
    if role in OVERSIGHT_ROLES:
        return True
    if role == Role.CLERK:
        return case.window_id is not None and case.window_id in window_ids
    if role in (Role.REVIEWER, Role.DEPT_HEAD):
        return department_id is not None and case.department_id == department_id
    return False


def may_decide_step(step: CaseStep, role: str, department_id: int | None) -> bool:
    """A department's own reviewers and heads decide its share of a parallel approval."""
    return role in (Role.REVIEWER, Role.DEPT_HEAD) and department_id is not None and (
        step.department_id == department_id)
