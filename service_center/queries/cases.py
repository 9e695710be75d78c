"""Case lists, counts and the landing pages' data, all scoped by :mod:`.scope` and judged by :mod:`.deadlines`.

Everything here is set-based SQL (one query per list or count); a page's badges come from
:meth:`Deadlines.badges` over the ids it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from workflows.registry import workflow_keys

from ..auth import OVERSIGHT_ROLES
from ..extensions import db
from ..models import Case, CaseStep, Department, Item, Role, StepStatus, User, Window, user_windows
from .deadlines import (
    Deadlines,
    has_overdue_step,
    overdue_promised,
    overdue_statutory,
    paused,
    step_pending,
)
from .scope import applications, visible_clause
from .warnings import landing_cards, pending_appeals


@dataclass(frozen=True)
class CaseFilters:
    """What a case list is narrowed to (every part optional, all combined with AND).

    ``state`` is a state of an application workflow (the list's state filter offers only those); ``kind`` a
    case kind (application, complaint, rectification); ``warning`` one of :data:`.deadlines.WARNING_LEVELS`;
    the date ranges are inclusive.
    """

    q: str = ""
    department_id: int | None = None
    window_id: int | None = None
    item_code: str = ""
    state: str = ""
    kind: str = ""
    warning: str = ""
    received_from: date | None = None
    received_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None


def _narrowed(query: sa.Select, user: User, filters: CaseFilters, deadlines: Deadlines) -> sa.Select:
    """``query`` over cases, scoped to ``user``, narrowed by ``filters``, in the list's order."""
    from ..views.pagination import like

    f = filters
    conditions: list[sa.ColumnElement[bool]] = [visible_clause(user)]
    if f.q:
        pattern = like(f.q)
        conditions.append(sa.or_(Case.number.ilike(pattern, escape="\\"),
                                 Case.applicant_name.ilike(pattern, escape="\\")))
    if f.department_id is not None:
        conditions.append(Case.department_id == f.department_id)
    if f.window_id is not None:
        conditions.append(Case.window_id == f.window_id)
    if f.item_code:
        conditions.append(Case.item_id.in_(sa.select(Item.id).where(Item.code == f.item_code)))
    if f.state:
        conditions += [applications(), Case.state == f.state]
    if f.kind:
        conditions.append(Case.workflow_key.in_(workflow_keys(kind=f.kind)))
    if f.warning:
        conditions.append(deadlines.warning(f.warning))
    for column, first, last in ((Case.received_on, f.received_from, f.received_to),
                                (Case.closed_on, f.closed_from, f.closed_to)):
        if first is not None:
            conditions.append(column >= first)
        if last is not None:
            conditions.append(column <= last)
    return query.where(*conditions).order_by(
        Case.in_progress.desc(), sa.case((Case.in_progress, Case.due_promised), else_=None).asc().nulls_last(),
        Case.received_at.desc(), Case.id.desc())


def case_list_query(user: User, filters: CaseFilters = CaseFilters(), *,  # noqa: B008  (frozen, shared)
                    deadlines: Deadlines) -> sa.Select:
    """The case list: scoped, searched by number or applicant name, filtered (:class:`CaseFilters`); open
    cases first by promised due date, then finished ones, most recent first."""
    query = sa.select(Case).options(selectinload(Case.item), selectinload(Case.window))
    return _narrowed(query, user, filters, deadlines)


def case_export_query(user: User, filters: CaseFilters, *, deadlines: Deadlines) -> sa.Select:
    """Every row of the same list (no paging) as plain columns for an export, with the page's badges as
    columns: the same predicates (``late``, ``statutory_late``, ``step_late``, ``soon``, ``paused``)."""
    query = (
        sa.select(
            Case.number, Case.workflow_key, Case.workflow_version, Case.state, Case.title,
            Case.applicant_name, Case.applicant_id_number, Case.received_on, Case.accepted_on,
            Case.due_promised, Case.due_statutory, Case.closed_on,
            Item.name.label("item_name"), Department.name.label("department_name"),
            Window.number.label("window_number"), Window.name.label("window_name"),
            overdue_promised(deadlines.today).label("late"),
            overdue_statutory(deadlines.today).label("statutory_late"),
            has_overdue_step(deadlines.today).label("step_late"),
            deadlines.due_soon().label("soon"),
            paused().label("paused"),
        )
        .select_from(Case)
        .outerjoin(Item, Item.id == Case.item_id)
        .outerjoin(Window, Window.id == Case.window_id)
        .join(Department, Department.id == Case.department_id)
    )
    return _narrowed(query, user, filters, deadlines)


def filter_choices(user: User) -> dict[str, list[tuple[str, str]]]:
    """The departments, windows and items a user's list can be narrowed to: everything for the oversight
    roles, a clerk's own windows, otherwise only what appears among the cases the user sees.

    Items are offered by code (every version of an item), named after their latest version."""
    oversight = user.role in OVERSIGHT_ROLES
    seen = sa.select(Case).where(visible_clause(user))
    departments = sa.select(Department.id, Department.name).order_by(Department.code)
    windows = sa.select(Window.id, Window.number, Window.name).order_by(Window.number)
    items = sa.select(Item.code, Item.name).order_by(Item.code, Item.version)
    if not oversight:
        departments = departments.where(Department.id.in_(seen.with_only_columns(Case.department_id)))
        if user.role == Role.CLERK:
            windows = windows.where(Window.id.in_(
                sa.select(user_windows.c.window_id).where(user_windows.c.user_id == user.id)))
        else:
            windows = windows.where(Window.id.in_(seen.with_only_columns(Case.window_id)))
        items = items.where(Item.id.in_(seen.with_only_columns(Case.item_id)))
    item_names = dict(db.session.execute(items).all())  # the latest version's name wins
    return {
        "department": [(str(id_), name) for id_, name in db.session.execute(departments)],
        "window": [(str(id_), f"{number} {name}") for id_, number, name in db.session.execute(windows)],
        "item": [(code, f"{code} {name}") for code, name in item_names.items()],
    }


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
            sa.func.count().filter(paused()),
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
    if user.role == Role.DEPT_HEAD:  # the supervision orders awaiting their response
        from ..services.orders import orders_to_answer

        context["orders_to_answer"] = orders_to_answer(user)
    listed: list[Case] = [s.case for s in context.get("steps", [])]
    for key in ("recent", "open_cases", "overdue"):
        listed += context.get(key, [])  # the case lists shown, whose badges the page needs
    context["badges"] = deadlines.badges(listed)
    if user.role != Role.ADMIN:  # the warning cards the user answers for (all, for the oversight roles)
        context["cards"] = landing_cards(user)
        context["pending_appeals"] = pending_appeals(user)
    return context
