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
from ..models import Case, CaseExtension, CasePause, ExtensionStatus, ProcedureType, Role, User
from ..text import clean_text
from . import ServiceError
from .clock import due_dates_on
from .core import Actor, action_time, flush, perform
from .refusals import ActionNotAllowed, not_possible_now


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


def start_special_procedure(case: Case, actor: Actor, procedure_type: ProcedureType | str, *, reason: str,
                            expected_days: int = 0, applicant_notified: bool = True, approver: User | None = None,
                            when: datetime | None = None, expected_version: int | None = None) -> CasePause:
    """Start a special procedure (特别程序, Art. 45): the clock stops from today until it ends.

    ``approver`` (one of :func:`pause_approvers`; default: the first of them, else the actor when the centre
    has nobody to approve) and whether the applicant has been told in writing are recorded with the pause.
    """
    now = action_time(when)
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
    if procedure not in procedure_types_for(case):
        raise ServiceError(_("This kind of case cannot be paused for that procedure."), field="procedure_type")
    if expected_days < 0:
        raise ServiceError(_("The expected length cannot be negative."), field="expected_days")
    reason = clean_text(reason)
    pause = CasePause(procedure_type=procedure, started_on=now.date(), expected_days=expected_days, reason=reason,
                      approver_id=approver.id if approver else None, applicant_notified=applicant_notified)
    perform(case, _clock_trigger(case, "pause"), actor, when=now, comment=reason, expected_version=expected_version,
            context={"procedure_type": procedure.value}, pause=pause,
            data={"procedure_type": procedure.value, "expected_days": expected_days})
    flush()
    return pause


def end_special_procedure(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                          expected_version: int | None = None) -> CasePause:
    """End the running special procedure; the clock runs again from today and the due dates move."""
    pause = case.open_pause
    perform(case, _clock_trigger(case, "resume"), actor, when=when, comment=comment,
            expected_version=expected_version)
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
