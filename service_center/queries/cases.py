"""Case lists, counts and the landing pages' data, all scoped by :mod:`.scope` and judged by :mod:`.deadlines`.

Everything here is set-based SQL (one query per list or count); a page's badges come from
:meth:`Deadlines.badges` over the ids it shows.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Case, CaseStep, Role, StepStatus, User
from .deadlines import Deadlines, open_pause, overdue_statutory, step_pending
from .scope import applications, visible_clause
from .warnings import landing_cards, pending_appeals


def case_list_query(user: User, *, q: str = "", state: str = "", due: str = "",
                    deadlines: Deadlines) -> sa.Select:
    """The case list: scoped, searched by number or applicant name, filtered; open cases first by promised due
    date, then finished ones, most recent first."""
    from ..views.pagination import like

    query = (
        sa.select(Case)
        .where(visible_clause(user))
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


# -- landing pages -------------------------------------------------------------------------------------------------


def recent_cases(user: User, limit: int = 10) -> list[Case]:
    """The latest cases received at the clerk's windows."""
    return list(db.session.scalars(
        sa.select(Case).where(visible_clause(user)).options(selectinload(Case.item), selectinload(Case.window))
        .order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)
    ))


def pending_steps(user: User, limit: int = 20) -> list[CaseStep]:
    """The department's undecided shares of parallel approvals, earliest due first."""
    if user.department_id is None:
        return []
    return list(db.session.scalars(
        sa.select(CaseStep).join(Case, Case.id == CaseStep.case_id)
        .where(CaseStep.department_id == user.department_id, CaseStep.status == StepStatus.PENDING,
               step_pending())
        .options(selectinload(CaseStep.case).selectinload(Case.item))
        .order_by(CaseStep.due_on, CaseStep.id).limit(limit)
    ))


def department_open_cases(user: User, limit: int = 20) -> list[Case]:
    """Open cases led by the user's department (within their scope), earliest promised due date first."""
    if user.department_id is None:
        return []
    return list(db.session.scalars(
        sa.select(Case).where(Case.department_id == user.department_id, Case.in_progress, visible_clause(user))
        .options(selectinload(Case.item))
        .order_by(Case.due_promised.asc().nulls_last(), Case.id).limit(limit)
    ))


def deadline_counts(user: User, deadlines: Deadlines) -> dict[str, int]:
    """Open, overdue, due-soon and paused counts within the user's scope, in one query."""
    scope = sa.and_(visible_clause(user), applications())
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(Case.in_progress),
            sa.func.count().filter(deadlines.overdue()),
            sa.func.count().filter(deadlines.due_soon()),
            sa.func.count().filter(overdue_statutory(deadlines.today)),
            sa.func.count().filter(sa.and_(Case.in_progress, open_pause())),
        ).select_from(Case).where(scope)
    ).one()
    return dict(zip(("open", "overdue", "soon", "statutory_overdue", "paused"), row, strict=True))


def overdue_cases(user: User, deadlines: Deadlines, limit: int = 10) -> list[Case]:
    """The most overdue open cases within the user's scope."""
    return list(db.session.scalars(
        sa.select(Case).where(visible_clause(user), applications(), deadlines.overdue())
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
    if user.role in (Role.DEPT_HEAD, Role.MANAGER):
        from .approvals import approval_counts

        context["approvals"] = approval_counts(user)
    listed: list[Case] = [s.case for s in context.get("steps", [])]
    for key in ("recent", "open_cases", "overdue"):
        listed += context.get(key, [])  # the case lists shown, whose badges the page needs
    context["badges"] = deadlines.badges(listed)
    if user.role != Role.ADMIN:  # the warning cards the user answers for (all, for the oversight roles)
        context["cards"] = landing_cards(user)
        context["pending_appeals"] = pending_appeals(user)
    return context
