"""Complaints (投诉) and the rectification of bad ratings (差评整改), each a case with its own deadline.

A complaint is accepted or rejected within 5 working days of receipt and answered within 10 working days
of acceptance; it is routed to the supervision office. A rectification task goes to the responsible window:
call the applicant back, rectify, report back within 15 working days; the applicant may rate it.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from workflows import get_definition
from workflows.clock import COMPLAINT_ACCEPT_DAYS, COMPLAINT_ANSWER_DAYS, RECTIFICATION_DAYS

from ..extensions import db
from ..models import Case, CaseEvent, Window
from . import ServiceError
from .cases import Actor, Applicant, Forbidden, _now, flush, perform
from .clock import refresh_due_dates
from .numbers import new_query_code, next_case_number


def _new_case(key: str, *, number_kind: str, window: Window, parent: Case | None, applicant: Applicant, title: str,
              limit: int, actor: Actor, now: datetime, content: str) -> Case:
    definition = get_definition(key)
    today = now.date()
    case = Case(
        number=next_case_number(today, number_kind),
        query_code=new_query_code(),
        workflow_key=definition.key,
        workflow_version=definition.version,
        state=definition.initial,
        in_progress=True,
        window=window,
        department=window.department,
        parent=parent,
        title=title,
        applicant_name=applicant.name.strip(),
        applicant_id_number=applicant.id_number.strip(),
        applicant_phone=applicant.phone.strip(),
        applicant_kind=applicant.kind,
        promised_limit_days=limit,
        statutory_limit_days=limit,
        received_at=now,
        received_on=today,
        clock_start_on=today,
        outstanding_materials=[],
    )
    db.session.add(case)
    db.session.add(CaseEvent(case=case, at=now, actor_id=actor.user_id, actor_role=actor.role, trigger="receive",
                             from_state="", to_state=case.state, comment=content))
    refresh_due_dates(case, today=today)
    flush()
    return case


def receive_complaint(*, window: Window, complainant: Applicant, content: str, actor: Actor,
                      about: Case | None = None, when: datetime | None = None) -> Case:
    """Register a complaint about a window (and optionally one of its cases); due for acceptance in 5 days."""
    if not content.strip():
        raise ServiceError(_("Describe the complaint."), field="content")
    if not complainant.name.strip():
        raise ServiceError(_("The complainant's name is required."), field="applicant_name")
    if about is not None and about.window_id != window.id:
        raise ServiceError(_("That case was not received at this window."), field="about")
    return _new_case("complaint", number_kind="T", window=window, parent=about, applicant=complainant,
                     title=_("Complaint about window %(number)s", number=window.number),
                     limit=COMPLAINT_ACCEPT_DAYS, actor=actor, now=_now(when), content=content.strip())


def accept_complaint(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                     expected_version: int | None = None) -> Case:
    """Accept the complaint; the answer is due within 10 working days from today."""
    now = _now(when)
    perform(case, "accept", actor, when=now, comment=comment, expected_version=expected_version)
    case.accepted_on = case.clock_start_on = now.date()
    case.promised_limit_days = case.statutory_limit_days = COMPLAINT_ANSWER_DAYS
    refresh_due_dates(case, today=now.date())
    flush()
    return case


def reject_complaint(case: Case, actor: Actor, reason: str, *, when: datetime | None = None,
                     expected_version: int | None = None) -> Case:
    """Reject the complaint (not admissible), with reasons."""
    now = _now(when)
    perform(case, "reject", actor, when=now, comment=reason, context={"reason": reason.strip()},
            expected_version=expected_version)
    case.outcome, case.outcome_reason, case.closed_on = "rejected", reason.strip(), now.date()
    flush()
    return case


def answer_complaint(case: Case, actor: Actor, answer: str, *, when: datetime | None = None,
                     expected_version: int | None = None) -> Case:
    """Answer the complainant (答复); the count stops."""
    now = _now(when)
    perform(case, "answer", actor, when=now, comment=answer, context={"answer": answer.strip()},
            expected_version=expected_version)
    case.decided_on = now.date()
    case.outcome, case.outcome_reason = "answered", answer.strip()
    flush()
    return case


def open_rectification(case: Case, *, actor: Actor, reason: str, when: datetime | None = None) -> Case:
    """Open a rectification task (差评整改) for the window that handled ``case`` after a bad rating."""
    if case.window is None:
        raise ServiceError(_("The case has no responsible window."))
    applicant = Applicant(case.applicant_name, case.applicant_id_number, case.applicant_phone, case.applicant_kind)
    return _new_case("rectification", number_kind="Z", window=case.window, parent=case, applicant=applicant,
                     title=_("Rectification for case %(number)s", number=case.number), limit=RECTIFICATION_DAYS,
                     actor=actor, now=_now(when), content=reason.strip())


def advance_rectification(task: Case, actor: Actor, trigger: str, note: str, *, when: datetime | None = None,
                          expected_version: int | None = None) -> Case:
    """Move a rectification task on: call_back (note), record_rectification (measures), report_back,
    send_back (supervisor, reason), rate (applicant, rating) or close."""
    context_key = {"call_back": "call_note", "record_rectification": "measures", "send_back": "reason",
                   "rate": "rating"}.get(trigger)
    if task.workflow_key != "rectification":
        raise Forbidden(_("Not a rectification task."))
    now = _now(when)
    perform(task, trigger, actor, when=now, comment=note, context={context_key: note.strip()} if context_key else {},
            expected_version=expected_version)
    if trigger == "report_back":
        task.decided_on = now.date()
    elif trigger == "send_back":
        task.decided_on = None  # not done after all: the 15 working days run on
    if not task.in_progress:
        task.closed_on = now.date()
    flush()
    return task
