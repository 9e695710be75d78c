"""Case services (办件): receipt, acceptance, review, decision, delivery, and the ways a case ends.

Every verb checks the actor's role and scope, fires the case's workflow (the definition version the case
pinned), appends a :class:`CaseEvent`, updates the deadline ledger and flushes. Nothing here commits: the
request or job commits once, or rolls back and leaves the case exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from workflows import (
    GuardFailed,
    InvalidTransition,
    MissingContext,
    TriggerNotPermitted,
    WorkflowError,
    available_triggers,
    get_definition,
)
from workflows import fire as fire_workflow
from workflows.clock import (
    Extension,
    ExtensionNotAllowed,
    deemed_acceptance_date,
    delivery_due,
    disclosure_supplement_deadline,
    validate_extension,
)
from workflows.engine import Fired, definition_of

from ..auth import has_department_scope, has_window_scope
from ..extensions import db
from ..labels import flow_label
from ..models import (
    ApplicantKind,
    Case,
    CaseEvent,
    CaseExtension,
    CasePause,
    CaseType,
    ExtensionStatus,
    Item,
    JoinRule,
    ProcedureType,
    Role,
    StepStatus,
    User,
    Window,
    procedure_types_for,
    utcnow,
)
from ..text import clean_text
from . import Conflict, ServiceError
from .clock import counted_due, due_dates_on, local_now, refresh_due_dates, work_calendar
from .numbers import new_query_code, next_case_number


class Forbidden(ServiceError):
    """The actor's role or scope does not allow the action."""

    status_code = 403
    code = "forbidden"


class ActionNotAllowed(ServiceError):
    """The action does not fit the case's current state (or a guard does not hold)."""

    status_code = 409
    code = "invalid_transition"

    def __init__(self, message: str, *, allowed: Sequence[str] = (), field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.allowed = tuple(allowed)


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user with their role, the applicant, or the system (scheduler, joins)."""

    user: User | None
    role: str

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls(user, str(user.role))

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


SYSTEM = Actor(None, "system")
APPLICANT = Actor(None, "applicant")


@dataclass(frozen=True)
class Applicant:
    """The applicant's particulars as taken at the window."""

    name: str
    id_number: str = ""
    phone: str = ""
    kind: ApplicantKind = ApplicantKind.PERSON


# -- labels and errors -----------------------------------------------------------------------------------------


def workflow_label(case: Case, name: str) -> str:
    """The label of a state or trigger of the case's workflow, in the user's language."""
    return flow_label(definition_of(case), name)


def _translate(exc: WorkflowError, case: Case, trigger: str) -> ServiceError:
    action = workflow_label(case, trigger)
    state = workflow_label(case, case.state)
    if isinstance(exc, TriggerNotPermitted):
        return Forbidden(_("Your role may not perform “%(action)s” on this case.", action=action))
    if isinstance(exc, MissingContext):
        missing = exc.missing[0] if exc.missing else None
        return ServiceError(_("“%(action)s” needs: %(fields)s.", action=action, fields=", ".join(exc.missing)),
                            field=missing)
    if isinstance(exc, GuardFailed):
        reasons = {
            "no_open_pause": _("a special procedure is still running"),
            "has_open_pause": _("no special procedure is running"),
            "no_pending_extension": _("an extension request is already pending"),
            "has_pending_extension": _("there is no pending extension request"),
            "no_gaps_outstanding": _("materials accepted with gaps are still outstanding"),
            "has_gaps_outstanding": _("no materials are outstanding"),
            "parallel_steps_complete": _("not every department has decided yet"),
        }
        return ActionNotAllowed(_("“%(action)s” is not possible now: %(reason)s.", action=action,
                                  reason=reasons.get(exc.guard, exc.guard)))
    if isinstance(exc, InvalidTransition):
        allowed = [workflow_label(case, t) for t in exc.allowed]
        return ActionNotAllowed(
            _("“%(action)s” is not possible while the case is “%(state)s”. Possible now: %(allowed)s.",
              action=action, state=state, allowed="、".join(allowed) or _("nothing")),
            allowed=exc.allowed,
        )
    return ActionNotAllowed(str(exc))


# -- the one place a transition happens ------------------------------------------------------------------------


def check_scope(case: Case, actor: Actor) -> None:
    """Clerks act for their own windows, reviewers and heads for their own department (the case's lead)."""
    user = actor.user
    if user is None:
        return
    if user.role == Role.CLERK and (case.window_id is None or not has_window_scope(user, case.window_id)):
        raise Forbidden(_("This case was received at a window you do not serve."))
    if user.role in (Role.REVIEWER, Role.DEPT_HEAD) and not has_department_scope(user, case.department_id):
        raise Forbidden(_("This case belongs to another department."))


def _now(when: datetime | None) -> datetime:
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
        raise Conflict(_("Somebody else changed this case first. Reload it and try again; nothing was changed.")) \
            from exc


def _not_possible_now(case: Case, trigger: str) -> ServiceError:
    """The usual "not possible while the case is ..." error for ``trigger`` in ``case``'s state."""
    definition = definition_of(case)
    return _translate(InvalidTransition(definition.key, definition.version, case.state, trigger,
                                        definition.triggers_from(case.state)), case, trigger)


def _ensure_state_allows(case: Case, trigger: str) -> None:
    """For verbs that check rules of their own (deadlines, join rules) before firing: the state comes first."""
    if trigger not in definition_of(case).triggers_from(case.state):
        raise _not_possible_now(case, trigger)


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
) -> Fired:
    """Fire ``trigger`` on ``case`` as ``actor`` and append the event; the verbs below build on this.

    ``expected_version`` is the ``lock_version`` the actor's form was rendered with: a mismatch means
    somebody else acted first and raises :class:`Conflict` before anything changes.
    """
    if expected_version is not None and expected_version != case.lock_version:
        raise Conflict(_("Somebody else changed this case first. Reload it and try again; nothing was changed."))
    check_scope(case, actor)
    try:
        fired = fire_workflow(case, trigger, actor.role, dict(context or {}))
    except WorkflowError as exc:
        raise _translate(exc, case, trigger) from exc
    case.in_progress = case.state not in fired.definition.final_states
    db.session.add(
        CaseEvent(
            case=case,
            step_id=step_id,
            at=_now(when),
            actor_id=actor.user_id,
            actor_role=actor.role,
            trigger=trigger,
            from_state=fired.source,
            to_state=fired.dest,
            comment=comment,
            data=_jsonable(data or {}),
        )
    )
    # Every action writes the case row (internal transitions too), so its lock_version is checked and bumped:
    # a concurrent action on the same case fails here with Conflict instead of being lost.
    case.updated_at = utcnow()
    flush()
    return fired


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def actions_for(case: Case, user: User) -> list[str]:
    """Triggers ``user`` may fire on ``case`` now (role, scope and guards checked), for the action buttons."""
    try:
        check_scope(case, Actor.staff(user))
    except Forbidden:
        return []
    return available_triggers(case, str(user.role))


# -- receipt -----------------------------------------------------------------------------------------------------


def receive_application(
    *,
    item: Item,
    window: Window,
    clerk: User,
    applicant: Applicant,
    title: str = "",
    when: datetime | None = None,
) -> Case:
    """Register an application at a window (收件). The clerk becomes the first-contact person (首问负责人).

    The item must be published, accepted at this window and inside one of its acceptance periods; the case
    pins the item version and the current workflow definition version.
    """
    now = _now(when)
    today = now.date()
    if clerk.role != Role.CLERK or not has_window_scope(clerk, window.id):
        raise Forbidden(_("Only a clerk serving this window can receive applications here."))
    if not window.is_open:
        raise ServiceError(_("Window %(number)s is closed.", number=window.number), field="window")
    if not item.is_published:
        raise ServiceError(_("This item version is not published."), field="item")
    if window not in item.windows:
        raise ServiceError(_("Window %(number)s does not accept “%(item)s”.", number=window.number, item=item.name),
                           field="item")
    if not item.accepts_on(today):
        upcoming = item.next_acceptance_period(today)
        if upcoming:
            message = _("“%(item)s” is accepted only from %(start)s to %(end)s.", item=item.name,
                        start=upcoming.opens_on.isoformat(), end=upcoming.closes_on.isoformat())
        else:
            message = _("“%(item)s” is not accepted any more this year.", item=item.name)
        raise ServiceError(message, field="item")
    applicant_name = clean_text(applicant.name)
    if not applicant_name:
        raise ServiceError(_("The applicant's name is required."), field="applicant_name")
    definition = get_definition(item.workflow_key)
    calendar = work_calendar()
    case = Case(
        number=next_case_number(today),
        query_code=new_query_code(),
        workflow_key=definition.key,
        workflow_version=definition.version,
        state=definition.initial,
        in_progress=True,
        case_type=item.case_type,
        item=item,
        window=window,
        department=item.lead_department if item.case_type == CaseType.JOINT else item.department,
        first_contact=clerk,
        title=clean_text(title) or item.name,
        applicant_kind=applicant.kind,
        applicant_name=applicant_name,
        applicant_id_number=applicant.id_number.strip(),
        applicant_phone=applicant.phone.strip(),
        promised_limit_days=item.promised_limit_days,
        statutory_limit_days=item.statutory_limit_days,
        received_at=now,
        received_on=today,
        outstanding_materials=[],
    )
    if definition.key == "disclosure":
        case.clock_start_on = today  # counted from the day of receipt
    elif definition.key != "instant":  # instant cases are handled on the spot
        case.deemed_acceptance_on = deemed_acceptance_date(today, calendar)
    db.session.add(case)
    db.session.add(
        CaseEvent(case=case, at=now, actor_id=clerk.id, actor_role=str(clerk.role), trigger="receive",
                  from_state="", to_state=case.state, data={"item_version": item.version})
    )
    refresh_due_dates(case, today=today, calendar=calendar)
    flush()
    return case


def _materials_of(case: Case, names: Sequence[str], *, field: str) -> list[str]:
    cleaned = [n.strip() for n in names if n and n.strip()]
    if not cleaned:
        raise ServiceError(_("List every missing material."), field=field)
    return list(dict.fromkeys(cleaned))


def request_supplement(case: Case, actor: Actor, missing_materials: Sequence[str], *, comment: str = "",
                       when: datetime | None = None, expected_version: int | None = None) -> Case:
    """The one-time written notice to supplement (一次性告知): ALL missing or defective materials at once.

    For licensing cases it must go out within 5 working days of receipt (Art. 32); after that the
    application already counts as accepted as of the receipt date and the notice is refused.
    """
    now = _now(when)
    missing = _materials_of(case, missing_materials, field="missing_materials")
    if case.supplement_notice_on is not None:
        raise ActionNotAllowed(_("The one-time notice to supplement went out on %(day)s; it is given only once.",
                                 day=case.supplement_notice_on.isoformat()), field="missing_materials")
    _ensure_state_allows(case, "request_supplement")
    if case.workflow_key == "disclosure":
        last_day = disclosure_supplement_deadline(case.received_on, work_calendar())
        if now.date() > last_day:
            raise ActionNotAllowed(_("A disclosure request can be sent back for a supplement only within 7 working "
                                     "days of receipt, that is by %(day)s.", day=last_day.isoformat()),
                                   field="missing_materials")
    if _deemed_accepted(case, now.date()):
        raise ActionNotAllowed(
            _("The 5 working days for a supplement notice ended on %(day)s: the application counts as accepted "
              "as of %(received)s.", day=case.deemed_acceptance_on.isoformat(), received=case.received_on.isoformat()),
            field="missing_materials",
        )
    perform(case, "request_supplement", actor, when=now, comment=comment, expected_version=expected_version,
            context={"missing_materials": missing}, data={"missing_materials": missing})
    case.supplement_notice_on = now.date()
    case.outstanding_materials = missing
    if case.workflow_key == "disclosure":
        case.clock_start_on = None  # the count restarts when the supplement arrives
        _close_open_pause(case, now.date())  # a consultation under way ends with the old count
    refresh_due_dates(case, today=now.date())
    flush()
    return case


def record_supplement(case: Case, actor: Actor, *, comment: str = "", departments: Sequence[int] | None = None,
                      when: datetime | None = None, expected_version: int | None = None) -> Case:
    """The supplement is complete: licensing cases are accepted today (``departments`` as for :func:`accept`);
    disclosure counts restart today."""
    now = _now(when)
    perform(case, "record_supplement", actor, when=now, comment=comment, expected_version=expected_version)
    case.outstanding_materials = []
    _start_clock(case, now.date())
    _hand_over(case, actor, now, departments)
    flush()
    return case


def _deemed_accepted(case: Case, today: date) -> bool:
    """The notice period ended (after its last day) with no notice: the case counts as accepted as of receipt."""
    return (case.deemed_acceptance_on is not None and case.supplement_notice_on is None
            and today > case.deemed_acceptance_on)


def _acceptance_day(case: Case, today: date) -> date:
    """Acceptance starts the clock today, or on the receipt day when the case already counts as accepted."""
    return case.received_on if _deemed_accepted(case, today) else today


def _start_clock(case: Case, day: date) -> None:
    case.clock_start_on = day
    if case.workflow_key != "disclosure":
        case.accepted_on = day
    refresh_due_dates(case, today=day)


def _hand_over(case: Case, actor: Actor, now: datetime, departments: Sequence[int] | None = None) -> None:
    """After acceptance the case moves on by itself: to review, or fans out to the parallel steps."""
    for trigger in ("start_review", "start_parallel_review"):
        if trigger in available_triggers(case, "system"):
            perform(case, trigger, SYSTEM, when=now)
            if trigger == "start_parallel_review":
                from .steps import fan_out

                fan_out(case, departments=departments, today=now.date())
            return


def accept(case: Case, actor: Actor, *, comment: str = "", departments: Sequence[int] | None = None,
           when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Accept (受理): the clock starts today; the case goes on to review (joint: to its departments).

    ``departments`` adjusts a joint item's participating departments for this case (the lead always takes
    part). The acceptance notice (受理通知书) is printed from the case afterwards.
    """
    now = _now(when)
    deemed = _deemed_accepted(case, now.date())
    perform(case, "accept", actor, when=now, comment=comment, expected_version=expected_version,
            data={"deemed": True} if deemed else None)
    _start_clock(case, _acceptance_day(case, now.date()))
    _hand_over(case, actor, now, departments)
    flush()
    return case


def deem_accepted(case: Case, *, when: datetime | None = None) -> Case:
    """Deemed acceptance (视为受理, Art. 32): no supplement notice within 5 working days of receipt.

    The case counts as accepted as of the receipt date, so its clock starts then.
    """
    now = _now(when)
    perform(case, "accept", SYSTEM, when=now, comment=_("Deemed accepted: no supplement notice within 5 "
                                                        "working days of receipt."),
            data={"deemed": True})
    _start_clock(case, case.received_on)
    _hand_over(case, SYSTEM, now)
    flush()
    return case


def _claimed(*conditions: sa.ColumnElement[bool]) -> Iterable[Case]:
    """The cases a sweep handles, claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's write
    transactions are serial), so two schedulers never handle one case."""
    query = sa.select(Case).where(*conditions).order_by(Case.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query)


def apply_deemed_acceptance(*, when: datetime | None = None) -> int:
    """Deem accepted every received case whose notice period ended before today; returns how many."""
    now = _now(when)
    count = 0
    for case in _claimed(Case.state == "received", Case.supplement_notice_on.is_(None),
                         Case.deemed_acceptance_on < now.date()):
        if "accept" in available_triggers(case, "system"):
            deem_accepted(case, when=now)
            count += 1
    return count


def accept_with_gaps(case: Case, actor: Actor, missing_materials: Sequence[str], *, gaps_due: date | None = None,
                     commitment_signed: bool = False, comment: str = "", departments: Sequence[int] | None = None,
                     when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Accept with gaps (容缺受理): key materials complete, the listed non-key ones promised by ``gaps_due``.

    The applicant signs a commitment; ``gaps_due`` may not be later than the promised due date (default:
    that date). If the materials never arrive the case is terminated. ``departments`` as for :func:`accept`.
    """
    now = _now(when)
    _ensure_state_allows(case, "accept_with_gaps")
    missing = _materials_of(case, missing_materials, field="missing_materials")
    if not commitment_signed:
        raise ServiceError(_("The applicant must sign the commitment letter (承诺书)."), field="commitment_signed")
    key_materials = {m.name for m in case.item.materials if m.is_key} if case.item else set()
    key_missing = [m for m in missing if m in key_materials]
    if key_missing:
        raise ServiceError(_("Key materials cannot be missing: %(names)s.", names="、".join(key_missing)),
                           field="missing_materials")
    # Checked before anything changes: the promised date the clock would give if accepted now.
    start = _acceptance_day(case, now.date())
    limit = counted_due(start, case.promised_limit_days, work_calendar())
    if limit < now.date():  # counted from receipt (deemed accepted), the promised date has already passed
        raise ActionNotAllowed(_("The promised date %(day)s has passed: no time is left to hand in materials later. "
                                 "Accept the application with its materials complete.", day=limit.isoformat()),
                               field="gaps_due")
    if gaps_due is not None and gaps_due > limit:
        raise ServiceError(_("The gap materials must be due by the promised date %(day)s.", day=limit.isoformat()),
                           field="gaps_due")
    if gaps_due is not None and gaps_due < now.date():
        raise ServiceError(_("The due date for the gap materials is in the past."), field="gaps_due")
    due = gaps_due or limit
    perform(case, "accept_with_gaps", actor, when=now, comment=comment, expected_version=expected_version,
            context={"missing_materials": missing}, data={"missing_materials": missing, "gaps_due": due})
    case.outstanding_materials = missing
    _start_clock(case, start)
    case.due_gaps = due
    _hand_over(case, actor, now, departments)
    flush()
    return case


def terminate_lapsed_gaps(*, when: datetime | None = None) -> int:
    """Terminate every undecided case whose 容缺 materials were due before today and never arrived; returns how
    many."""
    now = _now(when)
    count = 0
    for case in _claimed(Case.in_progress, Case.decided_on.is_(None), Case.due_gaps < now.date()):
        if case.outstanding_materials and "terminate" in available_triggers(case, "system"):
            terminate(case, SYSTEM, _("The materials promised at the acceptance with gaps (容缺受理) did not arrive "
                                      "by %(day)s: %(names)s.", day=case.due_gaps.isoformat(),
                                      names="、".join(case.outstanding_materials)), when=now)
            count += 1
    return count


def record_gap_materials(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                         expected_version: int | None = None) -> Case:
    """The materials missing at a 容缺 acceptance arrived."""
    now = _now(when)
    perform(case, "record_gap_materials", actor, when=now, comment=comment, expected_version=expected_version,
            data={"materials": list(case.outstanding_materials)})
    case.outstanding_materials = []
    case.due_gaps = None
    _hand_over(case, actor, now)
    flush()
    return case


def refuse(case: Case, actor: Actor, reason: str, *, when: datetime | None = None,
           expected_version: int | None = None) -> Case:
    """Refuse to accept (不予受理), in writing, with reasons and the applicant's right to review or appeal.

    Not once the application counts as accepted (no supplement notice within 5 working days): then only the
    decision can refuse it.
    """
    now = _now(when)
    _ensure_state_allows(case, "refuse")
    if _deemed_accepted(case, now.date()):
        raise ActionNotAllowed(_("The application counts as accepted as of %(day)s (no supplement notice within 5 "
                                 "working days): accept it and decide.", day=case.received_on.isoformat()),
                               field="reason")
    perform(case, "refuse", actor, when=now, comment=reason, expected_version=expected_version,
            context={"reason": reason.strip()})
    _end(case, now.date(), "refused", reason)
    return case


def _end(case: Case, day: date, outcome: str, reason: str = "") -> None:
    """The case ends (refused, withdrawn, terminated ...). A decision already made stays its outcome: how the
    case ended after it is its state and its last event; nothing is delivered any more."""
    if case.decided_on is None:
        case.outcome = outcome
        case.outcome_reason = reason.strip()
    elif case.delivered_on is None:
        case.due_delivery = None
    if not case.in_progress:
        case.closed_on = day
    flush()


# -- pauses and extensions ---------------------------------------------------------------------------------------


def _clock_trigger(case: Case, effect: str, actor: Actor) -> str:
    """The trigger with this clock effect from the case's state (special procedure, consultation ...)."""
    for spec in definition_of(case).transitions_from(case.state):
        if spec.clock == effect and spec.internal:
            return spec.trigger
    raise _not_possible_now(case, "start_special_procedure" if effect == "pause" else "end_special_procedure")


def pause_approvers(case: Case) -> list[User]:
    """Who may approve stopping the clock of ``case``: its department's heads, then the centre's managers."""
    return list(db.session.scalars(
        sa.select(User).where(User.active, sa.or_(
            sa.and_(User.role == Role.DEPT_HEAD, User.department_id == case.department_id),
            User.role == Role.MANAGER,
        )).order_by(User.role != Role.DEPT_HEAD, User.display_name, User.id)
    ))


def start_special_procedure(case: Case, actor: Actor, procedure_type: ProcedureType | str, *, reason: str,
                            expected_days: int = 0, applicant_notified: bool = True, approver: User | None = None,
                            when: datetime | None = None, expected_version: int | None = None) -> CasePause:
    """Start a special procedure (特别程序, Art. 45): the clock stops from today until it ends.

    ``approver`` (one of :func:`pause_approvers`; default: the first of them, else the actor when the centre
    has nobody to approve) and whether the applicant has been told in writing are recorded with the pause.
    """
    now = _now(when)
    approvers = pause_approvers(case)
    if approver is None:  # as the form proposes: the department's head, or whoever acts if there is nobody
        approver = approvers[0] if approvers else actor.user
    elif approver not in approvers:
        raise ServiceError(_("Choose a head of the department or a centre manager as the approver."),
                           field="approver_id")
    try:
        procedure = ProcedureType(procedure_type)
    except ValueError as exc:
        raise ServiceError(_("Unknown special procedure."), field="procedure_type") from exc
    if procedure not in procedure_types_for(case.workflow_key):
        raise ServiceError(_("This kind of case cannot be paused for that procedure."), field="procedure_type")
    if expected_days < 0:
        raise ServiceError(_("The expected length cannot be negative."), field="expected_days")
    trigger = _clock_trigger(case, "pause", actor)
    perform(case, trigger, actor, when=now, comment=reason, expected_version=expected_version,
            context={"procedure_type": procedure.value}, data={"procedure_type": procedure.value,
                                                               "expected_days": expected_days})
    pause = CasePause(case=case, procedure_type=procedure, started_on=now.date(), expected_days=expected_days,
                      reason=reason, approver_id=approver.id if approver else None,
                      applicant_notified=applicant_notified)
    db.session.add(pause)
    refresh_due_dates(case, today=now.date())
    flush()
    return pause


def end_special_procedure(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                          expected_version: int | None = None) -> CasePause:
    """End the running special procedure; the clock runs again from today and the due dates move."""
    now = _now(when)
    trigger = _clock_trigger(case, "resume", actor)
    perform(case, trigger, actor, when=now, comment=comment, expected_version=expected_version)
    pause = next(p for p in case.pauses if p.ended_on is None)
    pause.ended_on = max(now.date(), pause.started_on)
    refresh_due_dates(case, today=now.date())
    flush()
    return pause


def request_extension(case: Case, actor: Actor, days: int, reason: str, *, when: datetime | None = None,
                      expected_version: int | None = None) -> CaseExtension:
    """Ask for an extension (延期); checked against the kind's policy (once; 10 days, 15 joint, 20 disclosure)."""
    now = _now(when)
    if not reason.strip():
        raise ServiceError(_("Give the reason for the extension; the applicant is told."), field="reason")
    _ensure_within_statutory_limit(case, now.date())
    approved = [Extension(e.days) for e in case.extensions if e.status == ExtensionStatus.APPROVED]
    try:
        validate_extension(days, approved, definition_of(case).extension_policy)
    except ExtensionNotAllowed as exc:
        policy = definition_of(case).extension_policy
        raise ServiceError(
            _("Not allowed: at most %(count)d extension(s) of up to %(days)d working days in all.",
              count=policy.max_count, days=policy.max_days), field="days"
        ) from exc
    perform(case, "request_extension", actor, when=now, comment=reason, expected_version=expected_version,
            context={"days": days, "reason": reason}, data={"days": days})
    extension = CaseExtension(case=case, days=days, reason=reason.strip(), requested_by_id=actor.user_id,
                              requested_on=now.date())
    db.session.add(extension)
    flush()
    return extension


def _ensure_within_statutory_limit(case: Case, today: date) -> None:
    """An extension is decided within the statutory limit (Art. 42); after it, the overrun stands.

    The limit as it stands today: a special procedure still running has stopped the clock until today.
    """
    dates = due_dates_on(case, today)
    if dates is not None and today > dates[1]:
        raise ActionNotAllowed(_("The statutory limit ended on %(day)s: an extension can no longer be granted.",
                                 day=dates[1].isoformat()), field="days")


def decide_extension(case: Case, actor: Actor, approve: bool, *, comment: str = "", when: datetime | None = None,
                     expected_version: int | None = None) -> CaseExtension:
    """Approve (both due dates move by its days) or reject the pending extension."""
    now = _now(when)
    if approve:
        _ensure_within_statutory_limit(case, now.date())
    perform(case, "approve_extension" if approve else "reject_extension", actor, when=now, comment=comment,
            expected_version=expected_version)
    extension = next(e for e in case.extensions if e.status == ExtensionStatus.PENDING)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    extension.decided_by_id = actor.user_id
    extension.decided_on = now.date()
    refresh_due_dates(case, today=now.date())
    flush()
    return extension


def approve_extension(case: Case, actor: Actor, **kwargs: Any) -> CaseExtension:
    """Approve the pending extension request."""
    return decide_extension(case, actor, True, **kwargs)


# -- review, decision, delivery -----------------------------------------------------------------------------------


def forward(case: Case, actor: Actor, opinion: str, *, when: datetime | None = None,
            expected_version: int | None = None) -> Case:
    """Forward (上报) a reviewed case to the upper level with the lower level's opinion."""
    perform(case, "forward", actor, when=when, comment=opinion, expected_version=expected_version)
    flush()
    return case


def decide(case: Case, actor: Actor, grant: bool, reason: str = "", *, when: datetime | None = None,
           expected_version: int | None = None) -> Case:
    """Decide (决定): grant (准予许可, delivery due in 10 working days) or deny (不予许可, reasons required).

    Under the "all must approve" join rule a joint case can be granted only when every department approved.
    A pending extension request lapses with the decision.
    """
    now = _now(when)
    _ensure_state_allows(case, "grant" if grant else "deny")
    if grant and case.item is not None and case.item.join_rule == JoinRule.ALL_APPROVE and any(
        s.status != StepStatus.APPROVED for s in case.steps
    ):
        raise ActionNotAllowed(_("Not every department approved its share and every department must approve: the "
                                 "case can only be denied."))
    perform(case, "grant" if grant else "deny", actor, when=now, comment=reason, expected_version=expected_version,
            context={"reason": reason.strip()})
    case.decided_on = now.date()
    case.outcome = "granted" if grant else "denied"
    case.outcome_reason = reason.strip()
    _settle_open_requests(case, actor, now)
    if grant:
        case.due_delivery = delivery_due(now.date(), work_calendar())
    flush()
    return case


def deliver(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
            expected_version: int | None = None) -> Case:
    """The certificate or decision is delivered (送达)."""
    now = _now(when)
    perform(case, "deliver", actor, when=now, comment=comment, expected_version=expected_version)
    case.delivered_on = now.date()
    flush()
    return case


def close_case(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
               expected_version: int | None = None) -> Case:
    """Close (办结) a delivered or denied case (or complete an instant one); it can now be rated."""
    now = _now(when)
    trigger = "complete" if case.workflow_key == "instant" else "close"
    perform(case, trigger, actor, when=now, comment=comment, expected_version=expected_version)
    if case.workflow_key == "instant":
        case.decided_on = case.delivered_on = now.date()
        case.outcome = "granted"
    case.closed_on = now.date()
    flush()
    return case


def answer_disclosure(case: Case, actor: Actor, answer_type: str, *, comment: str = "",
                      when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Answer an information-disclosure request (答复): disclosed, partly, not disclosed, does not exist ..."""
    now = _now(when)
    perform(case, "answer", actor, when=now, comment=comment, expected_version=expected_version,
            context={"answer_type": answer_type.strip()}, data={"answer_type": answer_type.strip()})
    case.decided_on = now.date()
    case.outcome = "answered"
    case.outcome_reason = answer_type.strip()
    flush()
    return case


def abandon_disclosure(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                       expected_version: int | None = None) -> Case:
    """No supplement arrived in the time given: the request counts as abandoned (视为放弃申请)."""
    now = _now(when)
    perform(case, "abandon", actor, when=now, comment=comment, expected_version=expected_version)
    _close_open_pause(case, now.date())
    _end(case, now.date(), "abandoned", comment)
    return case


def withdraw(case: Case, actor: Actor, reason: str = "", *, when: datetime | None = None,
             expected_version: int | None = None) -> Case:
    """Withdrawn by the applicant (撤回), or by a clerk on the applicant's written request."""
    now = _now(when)
    perform(case, "withdraw", actor, when=now, comment=reason, expected_version=expected_version)
    _close_open_pause(case, now.date())
    _settle_open_requests(case, actor, now)
    _end(case, now.date(), "withdrawn", reason)
    return case


def terminate(case: Case, actor: Actor, reason: str, *, when: datetime | None = None,
              expected_version: int | None = None) -> Case:
    """Terminate (终止), e.g. the materials promised at a 容缺 acceptance never arrived."""
    now = _now(when)
    perform(case, "terminate", actor, when=now, comment=reason, expected_version=expected_version,
            context={"reason": reason.strip()})
    _close_open_pause(case, now.date())
    _settle_open_requests(case, actor, now)
    _end(case, now.date(), "terminated", reason)
    return case


def _settle_open_requests(case: Case, actor: Actor, now: datetime) -> None:
    """The case left review: departments' undecided shares are cancelled and a pending extension lapses."""
    for step in case.steps:
        if step.status in (StepStatus.PENDING, StepStatus.RETURNED):
            step.status = StepStatus.CANCELLED
    for extension in case.extensions:
        if extension.status == ExtensionStatus.PENDING:
            extension.status = ExtensionStatus.REJECTED
            extension.decided_on = now.date()
            extension.decided_by_id = actor.user_id


def _close_open_pause(case: Case, day: date) -> None:
    for pause in case.pauses:
        if pause.ended_on is None:
            pause.ended_on = max(day, pause.started_on)


def lock_case(case_id: int) -> Case:
    """Load a case for an action, locking its row on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises).

    Its steps, pauses and extensions come with it: the guards and the deadline ledger read them on every action.
    """
    query = (
        sa.select(Case)
        .where(Case.id == case_id)
        .options(selectinload(Case.steps), selectinload(Case.pauses), selectinload(Case.extensions))
        .execution_options(populate_existing=True)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    case = db.session.scalar(query)
    if case is None:
        from . import NotFound

        raise NotFound(_("No such case."))
    return case
