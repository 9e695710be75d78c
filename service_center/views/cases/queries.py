"""Read-side queries for the case pages: who sees which case, list filters, deadline badges, landing data.

Everything here is set-based SQL (one query per list or count); the per-row badges of a page come from one
extra query over that page's ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...auth import OVERSIGHT_ROLES
from ...extensions import db
from ...models import Case, CasePause, CaseStep, Role, StepStatus, User, user_windows
from ...services.clock import due_within, local_today, overdue_promised, overdue_statutory, work_calendar

# Complaints are about a window and its staff: only the supervision office and managers see them.
OVERSIGHT_ONLY_WORKFLOWS = ("complaint",)


def scope_clause(user: User) -> sa.ColumnElement[bool]:
    """The cases ``user`` may see: clerks their windows', reviewers and heads their department's (as the
    case's department or as a participating department of a step), oversight roles all; complaints only the
    oversight roles."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    not_complaint = Case.workflow_key.not_in(OVERSIGHT_ONLY_WORKFLOWS)
    if user.role == Role.CLERK:
        windows = sa.select(user_windows.c.window_id).where(user_windows.c.user_id == user.id)
        return sa.and_(not_complaint, Case.window_id.in_(windows))
    if user.role in (Role.REVIEWER, Role.DEPT_HEAD) and user.department_id is not None:
        has_step = sa.exists().where(CaseStep.case_id == Case.id, CaseStep.department_id == user.department_id)
        return sa.and_(not_complaint, sa.or_(Case.department_id == user.department_id, has_step))
    return sa.false()


def in_scope(case: Case, user: User) -> bool:
    """The same rule as :func:`scope_clause`, for one loaded case."""
    if user.role in OVERSIGHT_ROLES:
        return True
    if case.workflow_key in OVERSIGHT_ONLY_WORKFLOWS:
        return False
    if user.role == Role.CLERK:
        return case.window_id is not None and any(w.id == case.window_id for w in user.windows)
    if user.role in (Role.REVIEWER, Role.DEPT_HEAD) and user.department_id is not None:
        return case.department_id == user.department_id or any(
            s.department_id == user.department_id for s in case.steps
        )
    return False


@dataclass(frozen=True)
class Deadlines:
    """Today and the last day that still counts as "due soon" (≤ 1 working day left)."""

    today: date
    soon_until: date

    @classmethod
    def now(cls) -> Deadlines:
        today = local_today()
        return cls(today, work_calendar().add_working_days(today, 1))

    def overdue(self) -> sa.ColumnElement[bool]:
        return overdue_promised(self.today)

    def due_soon(self) -> sa.ColumnElement[bool]:
        return due_within(self.today, self.soon_until)

    def badge(self, case: Case, paused_since: date | None = None) -> str | None:
        """'overdue', 'soon' or None for one case, by the rule of services.clock (pauses are badged apart)."""
        if not case.in_progress or case.decided_on is not None:
            return None
        return self.due_badge(case.due_promised, paused_since)

    def step_badge(self, step: CaseStep, paused_since: date | None = None) -> str | None:
        """The same for a department's pending share of a joint case."""
        return self.due_badge(step.due_on, paused_since) if step.status == StepStatus.PENDING else None

    def due_badge(self, due: date | None, paused_since: date | None) -> str | None:
        """A special procedure running since ``paused_since`` stopped the clock only if it started by the due
        date: then nothing is overdue or due soon; one started later leaves an overrun standing."""
        if due is None:
            return None
        if due < self.today:
            return None if paused_since is not None and paused_since <= due else "overdue"
        if paused_since is None and due <= self.soon_until:
            return "soon"
        return None


def case_list_query(user: User, *, q: str = "", state: str = "", due: str = "",
                    deadlines: Deadlines) -> sa.Select:
    """The case list: scoped, searched by number or applicant name, filtered; open cases first by promised due
    date, then finished ones, most recent first."""
    from ..pagination import like

    query = (
        sa.select(Case)
        .where(scope_clause(user))
        .options(selectinload(Case.item), selectinload(Case.window))
        .order_by(Case.in_progress.desc(),
                  sa.case((Case.in_progress, Case.due_promised), else_=None).asc().nulls_last(),
                  Case.received_at.desc(), Case.id.desc())
    )
    if q:
        pattern = like(q)
        query = query.where(sa.or_(Case.number.ilike(pattern, escape="\\"),
                                   Case.applicant_name.ilike(pattern, escape="\\")))
    if state:
        query = query.where(Case.state == state)
    if due == "overdue":
        query = query.where(deadlines.overdue())
    elif due == "soon":
        query = query.where(deadlines.due_soon())
    return query


def open_pauses(cases: Iterable[Case]) -> dict[int, date]:
    """Case id -> start of its running special procedure, for these cases: one query for a whole page."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(CasePause.case_id, CasePause.started_on).where(CasePause.case_id.in_(ids),
                                                                 CasePause.ended_on.is_(None))
    )
    return {case_id: started_on for case_id, started_on in rows}


# -- landing pages -------------------------------------------------------------------------------------------------


def recent_cases(user: User, limit: int = 10) -> list[Case]:
    """The latest cases received at the clerk's windows."""
    return list(db.session.scalars(
        sa.select(Case).where(scope_clause(user)).options(selectinload(Case.item), selectinload(Case.window))
        .order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)
    ))


def pending_steps(user: User, limit: int = 20) -> list[CaseStep]:
    """The department's undecided shares of parallel approvals, earliest due first."""
    if user.department_id is None:
        return []
    return list(db.session.scalars(
        sa.select(CaseStep).join(Case, Case.id == CaseStep.case_id)
        .where(CaseStep.department_id == user.department_id, CaseStep.status == StepStatus.PENDING,
               Case.state == "parallel_review")
        .options(selectinload(CaseStep.case).selectinload(Case.item))
        .order_by(CaseStep.due_on, CaseStep.id).limit(limit)
    ))


def department_open_cases(user: User, limit: int = 20) -> list[Case]:
    """Open cases led by the user's department (within their scope), earliest promised due date first."""
    if user.department_id is None:
        return []
    return list(db.session.scalars(
        sa.select(Case).where(Case.department_id == user.department_id, Case.in_progress, scope_clause(user))
        .options(selectinload(Case.item))
        .order_by(Case.due_promised.asc().nulls_last(), Case.id).limit(limit)
    ))


def deadline_counts(user: User, deadlines: Deadlines) -> dict[str, int]:
    """Open, overdue, due-soon and paused counts within the user's scope, in one query."""
    scope = scope_clause(user)
    open_pause = sa.exists().where(CasePause.case_id == Case.id, CasePause.ended_on.is_(None))
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(Case.in_progress),
            sa.func.count().filter(deadlines.overdue()),
            sa.func.count().filter(deadlines.due_soon()),
            sa.func.count().filter(overdue_statutory(deadlines.today)),
            sa.func.count().filter(sa.and_(Case.in_progress, open_pause)),
        ).select_from(Case).where(scope)
    ).one()
    return dict(zip(("open", "overdue", "soon", "statutory_overdue", "paused"), row, strict=True))


def overdue_cases(user: User, deadlines: Deadlines, limit: int = 10) -> list[Case]:
    """The most overdue open cases within the user's scope."""
    return list(db.session.scalars(
        sa.select(Case).where(scope_clause(user), deadlines.overdue())
        .options(selectinload(Case.item), selectinload(Case.window))
        .order_by(Case.due_promised, Case.id).limit(limit)
    ))


def landing_context(user: User) -> dict[str, object]:
    """What each role's landing page shows."""
    deadlines = Deadlines.now()
    context: dict[str, object] = {"deadlines": deadlines}
    if user.role == Role.CLERK:
        context["recent"] = recent_cases(user)
        context["counts"] = deadline_counts(user, deadlines)
    elif user.role in (Role.REVIEWER, Role.DEPT_HEAD):
        context["steps"] = pending_steps(user)
        context["open_cases"] = department_open_cases(user)
        context["counts"] = deadline_counts(user, deadlines)
    elif user.role in (Role.MANAGER, Role.SUPERVISOR):
        context["counts"] = deadline_counts(user, deadlines)
        context["overdue"] = overdue_cases(user, deadlines)
    listed: list[Case] = [s.case for s in context.get("steps", [])]
    for key in ("recent", "open_cases", "overdue"):
        listed += context.get(key, [])  # the case lists shown, whose running procedures the badges need
    context["paused"] = open_pauses(listed)
    return context
