"""Reception (收件 → 受理): receipt at a window, the one-time notice to supplement (一次性告知), acceptance,
acceptance with gaps (容缺受理), refusal (不予受理) and deemed acceptance (视为受理, Art. 32).

When the notice period a definition declares ends with no notice, the application counts as accepted as of
its receipt date (the rule lives in :func:`workflows.clock.is_deemed_accepted`). After acceptance the case moves
on by itself (the definition's automatic transition): to review, or fanned out to the departments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from flask_babel import gettext as _

from workflows import get_definition
from workflows.clock import deemed_acceptance_date, is_deemed_accepted
from workflows.engine import definition_of

from ..identity import InvalidIdNumber, checked_id_number
from ..models import Case, CaseType, Item, Role, User, Window
from ..text import clean_text
from . import ServiceError
from .clock import counted_due, work_calendar
from .core import SYSTEM, Actor, action_time, flush, perform
from .intake import Applicant, open_case
from .materials import MaterialCheck, complete_checklist, defects_of, ensure_key_materials_complete, take_checklist
from .refusals import ActionNotAllowed, Forbidden, ensure_state_allows
from .steps import fan_out


def receive_application(*, item: Item, window: Window, clerk: User, applicant: Applicant, title: str = "",
                        licence_expires_on: date | None = None, materials: Sequence[MaterialCheck] | None = None,
                        when: datetime | None = None) -> Case:
    """Register an application at a window (收件). The clerk becomes the first-contact person (首问负责人).

    The item must be published, accepted at this window and inside one of its acceptance periods; the case
    pins the item version and the current workflow definition version. The identity number, when given, must
    be valid for the applicant's kind (:mod:`service_center.identity`). ``licence_expires_on`` makes it a
    renewal (延续) of a licence that expires then: undecided by that day, it counts as granted (Art. 50).
    ``materials`` is the checklist (收件材料清单) the clerk ticked, see :mod:`.materials`.
    """
    now = action_time(when)
    today = now.date()
    actor = Actor.staff(clerk)
    if clerk.role != Role.CLERK or window.id not in actor.window_ids:
        raise Forbidden(_("Only a clerk serving this window can receive applications here."))
    ensure_item_receivable(item, window, today)
    if licence_expires_on is not None:
        if get_definition(item.workflow_key).renewal_trigger is None:
            raise ServiceError(_("This kind of item does not renew a licence."), field="licence_expires_on")
        if licence_expires_on < today:
            raise ServiceError(_("That licence expired on %(day)s: apply for a new licence, not a renewal.",
                                 day=licence_expires_on.isoformat()), field="licence_expires_on")
    case = open_application(item, window, actor, applicant, now, title=title, first_contact=clerk)
    case.licence_expires_on = licence_expires_on
    case.materials_received = take_checklist(item, materials) if materials is not None else None
    flush()
    return case


def open_application(item: Item, window: Window, actor: Actor, applicant: Applicant, now: datetime, *,
                     title: str = "", first_contact: User | None = None, data: dict | None = None) -> Case:
    """Open the application's case once the item was checked: the identity number checked for the applicant's
    kind, the department (a joint item's lead), the item's limits and version."""
    try:
        applicant = replace(applicant, id_number=checked_id_number(applicant.kind, applicant.id_number,
                                                                   today=now.date()))
    except InvalidIdNumber as error:
        raise ServiceError(str(error), field="applicant_id_number") from None
    return open_case(
        item.workflow_key, actor=actor, now=now, applicant=applicant, window=window,
        department_id=item.lead_department_id if item.case_type == CaseType.JOINT else item.department_id,
        title=title, promised_limit_days=item.promised_limit_days, statutory_limit_days=item.statutory_limit_days,
        item=item, first_contact=first_contact, data={"item_version": item.version, **(data or {})},
    )


def ensure_item_receivable(item: Item, window: Window, today: date) -> None:
    """The item is published, not retired, accepted at this open window and inside an acceptance period today:
    at the counter and online alike."""
    if not window.is_open:
        raise ServiceError(_("Window %(number)s is closed.", number=window.number), field="window")
    if item.is_retired:
        raise ServiceError(_("“%(item)s” has been retired (停用): no new applications are received for it.",
                             item=item.name), field="item")
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


def deemed_accepted(case: Case, today: date) -> bool:
    """The notice period ended (after its last day) with no notice: the case counts as accepted as of receipt."""
    definition = definition_of(case)
    return definition.deems_acceptance and case.clock_start_on is None and is_deemed_accepted(
        case.received_on, case.supplement_notice_on, today, work_calendar(), notice_days=definition.notice_days)


def materials_listed(names: Sequence[str], *, field: str) -> list[str]:
    """The materials named, cleaned and without repeats; at least one."""
    cleaned = [clean_text(n) for n in names if n]
    cleaned = [n for n in cleaned if n]
    if not cleaned:
        raise ServiceError(_("List every missing material."), field=field)
    return list(dict.fromkeys(cleaned))


def request_supplement(case: Case, actor: Actor, missing_materials: Sequence[str], *, comment: str = "",
                       when: datetime | None = None, expected_version: int | None = None) -> Case:
    """The one-time written notice to supplement (一次性告知): ALL missing or defective materials at once,
    within the definition's notice period (5 working days of receipt for licensing, Art. 32; 7 for disclosure,
    Art. 30). A licensing application counts as accepted once that period ends with no notice. Each material's
    defect noted on the checklist at receipt goes on the notice."""
    now = action_time(when)
    missing = materials_listed(missing_materials, field="missing_materials")
    if case.supplement_notice_on is not None:
        raise ActionNotAllowed(_("The one-time notice to supplement went out on %(day)s; it is given only once.",
                                 day=case.supplement_notice_on.isoformat()), field="missing_materials")
    ensure_state_allows(case, "request_supplement")
    definition = definition_of(case)
    last_day = deemed_acceptance_date(case.received_on, work_calendar(), definition.notice_days or 0)
    if definition.notice_days is not None and now.date() > last_day:
        if definition.deems_acceptance:
            raise ActionNotAllowed(
                _("The 5 working days for a supplement notice ended on %(day)s: the application counts as accepted "
                  "as of %(received)s.", day=last_day.isoformat(), received=case.received_on.isoformat()),
                field="missing_materials",
            )
        raise ActionNotAllowed(_("The notice to supplement can go out only within %(days)s working days of "
                                 "receipt, that is by %(day)s.", days=definition.notice_days,
                                 day=last_day.isoformat()), field="missing_materials")
    defects = defects_of(case, missing)
    perform(case, "request_supplement", actor, when=now, comment=comment, expected_version=expected_version,
            context={"missing_materials": missing},
            data={"missing_materials": missing, **({"defects": defects} if defects else {})})
    case.supplement_notice_on = now.date()
    case.outstanding_materials = missing
    flush()
    return case


def record_supplement(case: Case, actor: Actor, *, comment: str = "", departments: Sequence[int] | None = None,
                      when: datetime | None = None, expected_version: int | None = None) -> Case:
    """The supplement is complete: licensing cases are accepted today (``departments`` as for :func:`accept`);
    disclosure counts restart today."""
    now = action_time(when)
    perform(case, "record_supplement", actor, when=now, comment=comment, expected_version=expected_version)
    case.outstanding_materials = []
    complete_checklist(case)
    hand_over(case, now, departments)
    flush()
    return case


def hand_over(case: Case, now: datetime, departments: Sequence[int] | None = None) -> None:
    """After acceptance the case moves on by itself (the definition's automatic transition): to review, or into
    the parallel review, fanning out one step per department (``departments``: the chosen ones)."""
    definition = definition_of(case)
    spec = definition.automatic_from(case.state)
    if spec is None:
        return
    fired = perform(case, spec.trigger, SYSTEM, when=now)
    if fired.dest in definition.step_states and fired.source not in definition.step_states:
        fan_out(case, departments=departments, today=now.date())


def accept(case: Case, actor: Actor, *, comment: str = "", departments: Sequence[int] | None = None,
           when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Accept (受理): the clock starts today (or on the receipt day once the case counts as accepted); the
    case goes on to review (joint: to its departments).

    ``departments`` adjusts a joint item's participating departments for this case (the lead always takes
    part). Refused while a key material is missing or defective on the checklist, unless the case already counts
    as accepted. The acceptance notice (受理通知书) is printed from the case afterwards.
    """
    now = action_time(when)
    deemed = deemed_accepted(case, now.date())
    if not deemed:  # once it counts as accepted by law, missing materials no longer stop it
        ensure_key_materials_complete(case)
    perform(case, "accept", actor, when=now, comment=comment, expected_version=expected_version,
            clock_day=case.received_on if deemed else None, data={"deemed": True} if deemed else None)
    hand_over(case, now, departments)
    flush()
    return case


def deem_accepted(case: Case, *, when: datetime | None = None) -> Case:
    """Deemed acceptance (视为受理, Art. 32): no supplement notice within the notice period after receipt.

    The case counts as accepted as of the receipt date, so its clock starts then.
    """
    now = action_time(when)
    perform(case, "accept", SYSTEM, when=now, clock_day=case.received_on, data={"deemed": True},
            comment=_("Deemed accepted: no supplement notice within 5 working days of receipt."))
    hand_over(case, now)
    flush()
    return case


def accept_with_gaps(case: Case, actor: Actor, missing_materials: Sequence[str], *, gaps_due: date | None = None,
                     commitment_signed: bool = False, comment: str = "", departments: Sequence[int] | None = None,
                     when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Accept with gaps (容缺受理): key materials complete, the listed non-key ones promised by ``gaps_due``.

    The applicant signs a commitment; ``gaps_due`` may not be later than the promised due date (default:
    that date). If the materials never arrive the case is terminated. ``departments`` as for :func:`accept`.
    """
    now = action_time(when)
    ensure_state_allows(case, "accept_with_gaps")
    missing = materials_listed(missing_materials, field="missing_materials")
    if not commitment_signed:
        raise ServiceError(_("The applicant must sign the commitment letter (承诺书)."), field="commitment_signed")
    key_materials = {m.name for m in case.item.materials if m.is_key} if case.item else set()
    key_missing = [m for m in missing if m in key_materials]
    if key_missing:
        raise ServiceError(_("Key materials cannot be missing: %(names)s.", names="、".join(key_missing)),
                           field="missing_materials")
    if case.supplement_notice_on is None:
        ensure_key_materials_complete(case, field="missing_materials")
    # Checked before anything changes: the promised date the clock would give if accepted now.
    deemed = deemed_accepted(case, now.date())
    start = case.received_on if deemed else now.date()
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
            clock_day=start, context={"missing_materials": missing},
            data={"missing_materials": missing, "gaps_due": due})
    case.outstanding_materials = missing
    case.due_gaps = due
    if case.supplement_notice_on is not None:  # the supplement arrived but for the listed gaps
        complete_checklist(case, [e["name"] for e in case.materials_received or [] if e["name"] not in missing])
    hand_over(case, now, departments)
    flush()
    return case


def record_gap_materials(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                         expected_version: int | None = None) -> Case:
    """The materials missing at a 容缺 acceptance arrived."""
    now = action_time(when)
    perform(case, "record_gap_materials", actor, when=now, comment=comment, expected_version=expected_version,
            data={"materials": list(case.outstanding_materials)})
    complete_checklist(case, case.outstanding_materials)
    case.outstanding_materials = []
    case.due_gaps = None
    hand_over(case, now)
    flush()
    return case


def refuse(case: Case, actor: Actor, reason: str, *, when: datetime | None = None,
           expected_version: int | None = None) -> Case:
    """Refuse to accept (不予受理), in writing, with reasons and the applicant's right to review or appeal.

    Not once the application counts as accepted (no supplement notice within 5 working days): then only the
    decision can refuse it.
    """
    now = action_time(when)
    reason = clean_text(reason)
    ensure_state_allows(case, "refuse")
    if deemed_accepted(case, now.date()):
        raise ActionNotAllowed(_("The application counts as accepted as of %(day)s (no supplement notice within 5 "
                                 "working days): accept it and decide.", day=case.received_on.isoformat()),
                               field="reason")
    perform(case, "refuse", actor, when=now, comment=reason, expected_version=expected_version,
            context={"reason": reason})
    flush()
    return case
