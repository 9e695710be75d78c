"""The case core: who acts, refused actions, the moment of an action, loading and locking a case, and
:func:`perform`, the one place a transition happens.

:func:`perform` fires the case's workflow (the definition version the case pinned), applies what the
transition declares (its clock effect, the outcome or decision it records, the end of the case) and appends
the event. Feature modules (reception, clock stops, steps, decisions, complaints, sweeps) build on it. Nothing
here commits: the request or job commits once, or rolls back and leaves the case exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from workflows import WorkflowError, available_triggers
from workflows import fire as fire_workflow
from workflows.clock import delivery_due
from workflows.definitions.base import TransitionSpec
from workflows.engine import Fired

from ..extensions import db
from ..models import (
    Case,
    CaseEvent,
    CasePause,
    CaseStep,
    ExtensionStatus,
    PauseStatus,
    Role,
    StepStatus,
    User,
    utcnow,
)
from ..queries.scope import may_act
from . import Conflict, NotFound
from .clock import local_now, refresh_due_dates, work_calendar
from .refusals import Forbidden, translate


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user with their role and scope (read once), the applicant, or the system."""

    user: User | None
    role: str
    window_ids: frozenset[int] = frozenset()
    department_id: int | None = None

    @classmethod
    def staff(cls, user: User) -> Actor:
        """A staff user; a clerk's windows are read once here, not on every check."""
        windows = frozenset(w.id for w in user.windows) if user.role == Role.CLERK else frozenset()
        return cls(user, str(user.role), windows, user.department_id)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


SYSTEM = Actor(None, "system")
APPLICANT = Actor(None, "applicant")

CONFLICT_MESSAGE = "Somebody else changed this case first. Reload it and try again; nothing was changed."


def action_time(when: datetime | None = None) -> datetime:
    """The moment of an action in the centre's time zone, so ``.date()`` is the local working day."""
    if when is None:
        return local_now()
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when!r}: pass an aware datetime")
    return when.astimezone(local_now().tzinfo)


def flush() -> None:
    """Flush the session; a lost update (another transaction changed the row first) becomes :class:`Conflict`.

    The rows carry ``lock_version`` (``version_id_col``): an UPDATE that matches no row means somebody else
    committed a change since this transaction read the case or step.
    """
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise Conflict(_(CONFLICT_MESSAGE)) from exc


def lock_case(case_id: int) -> Case:
    """Load a case for an action with its steps, pauses and extensions (the guards and the deadline ledger read
    them), its row locked on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises the writers)."""
    return _locked(Case.id == case_id, _("No such case."))


def lock_case_of_step(step_id: int) -> Case:
    """:func:`lock_case` for the case a department's step belongs to."""
    return _locked(Case.id == sa.select(CaseStep.case_id).where(CaseStep.id == step_id).scalar_subquery(),
                   _("No such review step."))


def _locked(condition: sa.ColumnElement[bool], missing: str) -> Case:
    """On PostgreSQL the row lock comes first, in a statement of its own: a statement that waited for the lock
    still reads the other tables as they were when it began, so the steps are read after it, fresh (two
    departments deciding at once both see both decisions). Then one statement loads the case with all three."""
    if db.engine.dialect.name == "postgresql":
        case_id = db.session.scalar(sa.select(Case.id).where(condition).with_for_update())
        if case_id is None:
            raise NotFound(missing)
        condition = Case.id == case_id
    query = (
        sa.select(Case)
        .where(condition)
        .options(joinedload(Case.steps), joinedload(Case.pauses), joinedload(Case.extensions))
        .execution_options(populate_existing=True)
    )
    case = db.session.execute(query).unique().scalar_one_or_none()
    if case is None:
        raise NotFound(missing)
    return case


def check_scope(case: Case, actor: Actor) -> None:
    """Clerks act for their own windows, reviewers and heads for their own department (the case's lead)."""
    if actor.user is not None and not may_act(case, actor.role, actor.window_ids, actor.department_id):
        if actor.role == Role.CLERK:
            raise Forbidden(_("This case was received at a window you do not serve."))
        raise Forbidden(_("This case belongs to another department."))


def check_version(expected_version: int | None, current: int) -> None:
    """``expected_version`` is the ``lock_version`` the actor's form was rendered with: a mismatch means
    somebody else acted first, and nothing changes."""
    if expected_version is not None and expected_version != current:
        raise Conflict(_(CONFLICT_MESSAGE))


def actions_for(case: Case, user: User) -> list[str]:
    """Triggers ``user`` may fire on ``case`` now (role, scope and guards checked), for the action buttons."""
    actor = Actor.staff(user)
    if not may_act(case, actor.role, actor.window_ids, actor.department_id):
        return []
    return available_triggers(case, actor.role)


# -- the one place a transition happens ----------------------------------------------------------------------

PerformHook = Callable[[Case, Fired, Actor, datetime], None]
AFTER_PERFORM: list[PerformHook] = []
"""Called by :func:`perform` after every transition with (case, fired, actor, moment); see :func:`on_perform`."""


def on_perform(hook: PerformHook) -> PerformHook:
    """Register ``hook`` to run after every transition :func:`perform` fires, in its transaction (the outbox
    writes the applicant's message there). A hook adds to the session and never flushes."""
    if hook not in AFTER_PERFORM:
        AFTER_PERFORM.append(hook)
    return hook



def perform(
    case: Case,
    trigger: str,
    actor: Actor,
    *,
    when: datetime | None = None,
    comment: str = "",
    context: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    step_id: int | None = None,
    clock_day: date | None = None,
    pause: CasePause | None = None,
) -> Fired:
    """Fire ``trigger`` on ``case`` as ``actor``, apply the transition's declared effects and append the event.

    ``clock_day`` is the day a ``start`` of the clock counts from (default: today; a deemed acceptance counts
    from receipt); ``pause`` is the special procedure a ``pause`` opens. Does not flush: the verb sets its own
    columns first, then flushes once.
    """
    check_version(expected_version, case.lock_version)
    check_scope(case, actor)
    with db.session.no_autoflush:  # the verb flushes once, where a lost update becomes a Conflict
        try:
            fired = fire_workflow(case, trigger, actor.role, dict(context or {}))
        except WorkflowError as exc:
            raise translate(exc, case, trigger) from exc
        now = action_time(when)
        comment = comment.strip()
        _apply_effects(case, fired, actor, now.date(), comment=comment, clock_day=clock_day, pause=pause)
    db.session.add(CaseEvent(
        case=case, step_id=step_id, at=now, actor_id=actor.user_id, actor_role=actor.role, trigger=trigger,
        from_state=fired.source, to_state=fired.dest, comment=comment, data=_jsonable(data or {}),
    ))
    for hook in AFTER_PERFORM:  # e.g. the outbox: what the transition owes the applicant
        hook(case, fired, actor, now)
    # Every action writes the case row (internal transitions too), so its lock_version is checked and bumped:
    # a concurrent action on the same case fails at the flush with Conflict instead of being lost.
    case.updated_at = utcnow()
    return fired


def _apply_effects(case: Case, fired: Fired, actor: Actor, today: date, *, comment: str, clock_day: date | None,
                   pause: CasePause | None) -> None:
    """What the transition declares (see :class:`workflows.definitions.base.TransitionSpec`)."""
    spec: TransitionSpec = fired.spec
    definition = fired.definition
    case.in_progress = fired.dest not in definition.final_states
    clock_moved = _apply_clock(case, spec, actor, today, clock_day=clock_day, pause=pause)
    if spec.decides:
        case.decided_on = today
        if spec.outcome:
            case.outcome, case.outcome_reason = spec.outcome, comment
    elif spec.outcome:  # an exit: a decision already made stays the outcome, nothing is delivered any more
        if case.decided_on is None:
            case.outcome, case.outcome_reason = spec.outcome, comment
        elif case.delivered_on is None:
            case.due_delivery = None
    if spec.outcome:
        settle_open_requests(case, actor, today)
    if spec.reopens:
        case.decided_on = None
    if spec.delivers:
        case.delivered_on = today
    if spec.owes_delivery:
        case.due_delivery = delivery_due(today, work_calendar())
    if not case.in_progress:
        case.closed_on = today
    if clock_moved:
        refresh_due_dates(case, today=today)


def _apply_clock(case: Case, spec: TransitionSpec, actor: Actor, today: date, *, clock_day: date | None,
                 pause: CasePause | None) -> bool:
    """The transition's clock effect; True when the due dates must be recomputed."""
    effect = spec.clock
    if effect == "start":
        case.clock_start_on = clock_day or today
        if spec.accepts:
            case.accepted_on = case.clock_start_on
        if spec.limit_days is not None:
            case.promised_limit_days = case.statutory_limit_days = spec.limit_days
        return True
    if effect == "pause":
        if pause is None:
            raise ValueError(f"{spec.trigger} opens a special procedure: pass it")
        pause.case = case
        pause.status = PauseStatus.APPROVED  # a requested procedure starts on the day it is approved
        pause.started_on = pause.started_on or today
        db.session.add(pause)
        return True
    if effect == "extend":
        for extension in case.extensions:
            if extension.status == ExtensionStatus.PENDING:
                extension.status = ExtensionStatus.APPROVED
                extension.decided_by_id, extension.decided_on = actor.user_id, today
        return True
    if effect in ("resume", "stop"):
        close_open_pause(case, today)
    if effect == "stop" and not spec.decides and not spec.outcome:  # the count stops and restarts later
        case.clock_start_on = None
        return True
    return effect == "resume"


def close_open_pause(case: Case, day: date) -> None:
    """The running special procedure (if any) ends on ``day``."""
    pause = case.open_pause
    if pause is not None:
        pause.ended_on = max(day, pause.started_on)  # type: ignore[type-var]


def settle_open_requests(case: Case, actor: Actor, today: date) -> None:
    """The case left review: departments' undecided shares are cancelled, a pending extension and a special
    procedure still only asked for lapse."""
    for step in case.steps:
        if step.status in (StepStatus.PENDING, StepStatus.RETURNED):
            step.status = StepStatus.CANCELLED
    requested = case.requested_pause
    if requested is not None:
        requested.status, requested.decided_on, requested.approver_id = PauseStatus.REFUSED, today, actor.user_id
    for extension in case.extensions:
        if extension.status == ExtensionStatus.PENDING:
            extension.status = ExtensionStatus.REJECTED
            extension.decided_on = today
            extension.decided_by_id = actor.user_id


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}
