"""Clock stops: special procedures (特别程序, Art. 45; a disclosure request's third-party consultation) and
extensions (延期, Art. 42). The definition says which procedures a kind may take, which trigger starts and ends
them, and how far it may be extended; :func:`services.core.perform` applies the clock effect."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows.clock import Extension, ExtensionNotAllowed, validate_extension
from workflows.engine import definition_of

from ..extensions import db
from ..models import Case, CaseExtension, CasePause, ExtensionStatus, PauseStatus, ProcedureType, Role, User
from ..text import clean_text
from . import ServiceError
from .clock import due_dates_on
from .core import Actor, action_time, flush, perform
from .refusals import ActionNotAllowed, not_possible_now

REQUEST_TRIGGER = "request_special_procedure"
NOTICE_TRIGGER = "notify_special_procedure"


def procedure_types_for(case: Case) -> tuple[ProcedureType, ...]:
    """The clock stops a case of this kind may take, as its definition declares them."""
    return tuple(ProcedureType(p) for p in definition_of(case).procedures)


def pause_approvers(case: Case) -> list[User]:
    """Who may approve stopping the clock of ``case``: its department's heads, then the centre's managers."""
    return list(db.session.scalars(
        sa.select(User).where(User.active, sa.or_(
            sa.and_(User.role == Role.DEPT_HEAD, User.department_id == case.department_id),
            User.role == Role.MANAGER,
        )).order_by(User.role != Role.DEPT_HEAD, User.display_name, User.id)
    ))


def _clock_trigger(case: Case, effect: str) -> str:
    trigger = definition_of(case).clock_trigger(case.state, effect)  # type: ignore[arg-type]
    if trigger is None:
        raise not_possible_now(case, "start_special_procedure" if effect == "pause" else "end_special_procedure")
    return trigger


def _procedure(case: Case, procedure_type: ProcedureType | str, expected_days: int) -> ProcedureType:
    try:
        procedure = ProcedureType(procedure_type)
    except ValueError as exc:
        raise ServiceError(_("Unknown special procedure."), field="procedure_type") from exc
    if procedure not in procedure_types_for(case):
        raise ServiceError(_("This kind of case cannot be paused for that procedure."), field="procedure_type")
    if expected_days < 0:
        raise ServiceError(_("The expected length cannot be negative."), field="expected_days")
    return procedure


def start_special_procedure(case: Case, actor: Actor, procedure_type: ProcedureType | str, *, reason: str,
                            expected_days: int = 0, applicant_notified: bool = False, approver: User | None = None,
                            when: datetime | None = None, expected_version: int | None = None) -> CasePause:
    """Start a special procedure (特别程序, Art. 45) at once: the clock stops from today until it ends (licensing
    definitions before version 4, and a disclosure request's consultation). A kind whose procedures are
    requested and approved (:func:`request_special_procedure`) cannot start one this way.

    ``approver`` (one of :func:`pause_approvers`; default: the first of them, else the actor when the centre
    has nobody to approve) and whether the applicant has been told in writing are recorded with the pause.
    """
    if definition_of(case).find(case.state, REQUEST_TRIGGER) is not None:
        raise ActionNotAllowed(_("A special procedure on this case is requested first and starts once the head "
                                 "of the department or a manager approves it."), field="procedure_type")
    now = action_time(when)
    approvers = pause_approvers(case)
    if approver is None:  # as the form proposes: the department's head, or whoever acts if there is nobody
        approver = approvers[0] if approvers else actor.user
    elif approver not in approvers:
        raise ServiceError(_("Choose a head of the department or a centre manager as the approver."),
                           field="approver_id")
    procedure = _procedure(case, procedure_type, expected_days)
    reason = clean_text(reason)
    pause = CasePause(procedure_type=procedure, status=PauseStatus.APPROVED, requested_by_id=actor.user_id,
                      requested_on=now.date(), started_on=now.date(), decided_on=now.date(),
                      expected_days=expected_days, reason=reason, approver_id=approver.id if approver else None,
                      applicant_notified=applicant_notified, notified_on=now.date() if applicant_notified else None)
    perform(case, _clock_trigger(case, "pause"), actor, when=now, comment=reason, expected_version=expected_version,
            context={"procedure_type": procedure.value}, pause=pause,
            data={"procedure_type": procedure.value, "expected_days": expected_days})
    flush()
    return pause


def request_special_procedure(case: Case, actor: Actor, procedure_type: ProcedureType | str, *, reason: str,
                              expected_days: int = 0, when: datetime | None = None,
                              expected_version: int | None = None) -> CasePause:
    """Ask for a special procedure (特别程序申请): its type, reasons and expected length in working days. The
    clock runs on until the head of the department or a manager approves it."""
    now = action_time(when)
    procedure = _procedure(case, procedure_type, expected_days)
    reason = clean_text(reason)
    perform(case, REQUEST_TRIGGER, actor, when=now, comment=reason, expected_version=expected_version,
            context={"procedure_type": procedure.value, "reason": reason},
            data={"procedure_type": procedure.value, "expected_days": expected_days})
    pause = CasePause(case=case, procedure_type=procedure, status=PauseStatus.REQUESTED, requested_by_id=actor.user_id,
                      requested_on=now.date(), expected_days=expected_days, reason=reason)
    db.session.add(pause)
    flush()
    return pause


def decide_special_procedure(case: Case, actor: Actor, approve: bool, *, note: str = "",
                             when: datetime | None = None, expected_version: int | None = None) -> CasePause:
    """Approve the requested special procedure (it starts today and stops the clock from today) or refuse it
    (reasons required; the clock never stopped). The head of the department or a manager decides."""
    now = action_time(when)
    note = clean_text(note)
    pause = case.requested_pause
    trigger = definition_of(case).clock_trigger(case.state, "pause") if approve else "refuse_special_procedure"
    if pause is None or trigger is None:
        raise not_possible_now(case, "approve_special_procedure" if approve else "refuse_special_procedure")
    pause.approver_id, pause.decided_on, pause.decision_note = actor.user_id, now.date(), note
    # An approval opens the procedure (perform's pause effect: approved, started today); a refusal closes it.
    perform(case, trigger, actor, when=now, comment=note, expected_version=expected_version,
            context={"reason": note}, pause=pause if approve else None,
            data={"procedure_type": pause.procedure_type.value})
    if not approve:
        pause.status = PauseStatus.REFUSED
    flush()
    return pause


def record_procedure_notice(case: Case, actor: Actor, *, via: str = "sent", when: datetime | None = None,
                            expected_version: int | None = None) -> CasePause:
    """The applicant was told of the approved special procedure in writing: the notice (特别程序告知书) was
    printed (``via="printed"``) or marked sent."""
    now = action_time(when)
    pause = next((p for p in reversed(case.pauses) if p.status == PauseStatus.APPROVED and not p.applicant_notified),
                 None)
    perform(case, NOTICE_TRIGGER, actor, when=now, expected_version=expected_version, data={"via": via})
    pause.applicant_notified, pause.notified_on = True, now.date()  # type: ignore[union-attr]
    flush()
    return pause  # type: ignore[return-value]


def end_special_procedure(case: Case, actor: Actor, *, result: str = "", comment: str = "",
                          when: datetime | None = None, expected_version: int | None = None) -> CasePause:
    """End the running special procedure with its result (听证、检验、专家评审 ... 的结论); the clock runs again
    from today and the due dates move."""
    pause = case.open_pause
    result = clean_text(result)
    perform(case, _clock_trigger(case, "resume"), actor, when=when, comment=result or comment,
            expected_version=expected_version, context={"result": result})
    if pause is not None:
        pause.result = result
    flush()
    return pause  # type: ignore[return-value]


def request_extension(case: Case, actor: Actor, days: int, reason: str, *, when: datetime | None = None,
                      expected_version: int | None = None) -> CaseExtension:
    """Ask for an extension (延期); checked against the kind's policy (once; 10 days, 15 joint, 20 disclosure)."""
    now = action_time(when)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(_("Give the reason for the extension; the applicant is told."), field="reason")
    _ensure_within_statutory_limit(case, now.date())
    policy = definition_of(case).extension_policy
    approved = [Extension(e.days) for e in case.extensions if e.status == ExtensionStatus.APPROVED]
    try:
        validate_extension(days, approved, policy)
    except ExtensionNotAllowed as exc:
        raise ServiceError(
            _("Not allowed: at most %(count)d extension(s) of up to %(days)d working days in all.",
              count=policy.max_count, days=policy.max_days), field="days"
        ) from exc
    perform(case, "request_extension", actor, when=now, comment=reason, expected_version=expected_version,
            context={"days": days, "reason": reason}, data={"days": days})
    extension = CaseExtension(case=case, days=days, reason=reason, requested_by_id=actor.user_id,
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
    now = action_time(when)
    if approve:
        _ensure_within_statutory_limit(case, now.date())
    extension = next((e for e in case.extensions if e.status == ExtensionStatus.PENDING), None)
    perform(case, "approve_extension" if approve else "reject_extension", actor, when=now, comment=comment,
            expected_version=expected_version)
    if not approve:  # an approval is the transition's clock effect
        extension.status = ExtensionStatus.REJECTED  # type: ignore[union-attr]
        extension.decided_by_id, extension.decided_on = actor.user_id, now.date()  # type: ignore[union-attr]
    flush()
    return extension  # type: ignore[return-value]


def approve_extension(case: Case, actor: Actor, **kwargs: object) -> CaseExtension:
    """Approve the pending extension request."""
    return decide_extension(case, actor, True, **kwargs)  # type: ignore[arg-type]
