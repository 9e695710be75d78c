"""Complaints (投诉) and the rectification of bad ratings (差评整改), each a case with its own deadline.

A complaint is accepted or rejected within 5 working days of receipt and answered within 10 working days
of acceptance; it is routed to the supervision office. A rectification task goes to the responsible window:
call the applicant back, rectify, report back within 15 working days; the applicant may rate it. The limits
and what each step records are declared on their definitions (``workflows/definitions/``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.engine import definition_of

from ..extensions import db
from ..models import COMPLAINT_SOURCES, Case, ComplaintDetails, Department, Window
from ..text import clean_text
from . import ServiceError
from .clock import refresh_due_dates
from .core import Actor, action_time, flush, perform
from .intake import Applicant, open_case
from .refusals import Forbidden

ANSWER_DAYS_MIN, ANSWER_DAYS_MAX = 5, 10  # the answer limit the office sets at acceptance (working days)
SOURCE_LABELS = {"window": _l("At a window"), "phone": _l("By phone"), "12345": _l("12345 hotline"),
                 "online": _l("Online form")}


def receive_complaint(*, complainant: Applicant, content: str, actor: Actor, window: Window | None = None,
                      about: Case | None = None, source: str = "window", work_order_number: str = "",
                      about_case_number: str = "", about_window: str = "", about_staff: str = "",
                      when: datetime | None = None) -> Case:
    """Register a complaint (due for acceptance in 5 working days) with its own number and query code.

    It may name a window, a case (``about``, or only its number as given) and a member of staff; the complainant
    may stay anonymous and leave no contact. ``source`` is the door it came in by; one passed on from the 12345
    hotline needs the hotline's work-order number. It counts under the department of the case or window it is
    about, else of the first active department: only the oversight roles see complaints, wherever they count.
    """
    content = clean_text(content)
    if not content:
        raise ServiceError(_("Describe the complaint."), field="content")
    if source not in COMPLAINT_SOURCES:
        raise ServiceError(_("Choose how the complaint came in."), field="source")
    work_order_number = clean_text(work_order_number)
    if source == "12345" and not work_order_number:
        raise ServiceError(_("Enter the 12345 work-order number."), field="work_order_number")
    about_case_number, about_window, about_staff = (clean_text(about_case_number), clean_text(about_window),
                                                    clean_text(about_staff))
    if about is None and about_case_number:
        about = db.session.scalar(sa.select(Case).where(Case.number == about_case_number))
    if about is not None:
        if window is not None and about.window_id != window.id:
            raise ServiceError(_("That case was not received at this window."), field="about")
        about_case_number = about_case_number or about.number
        window = window or about.window
    if window is None and about_window:
        window = db.session.scalar(sa.select(Window).where(Window.number == about_window))
    if window is not None:
        department_id = window.department_id
    elif about is not None:
        department_id = about.department_id
    else:
        department_id = db.session.scalar(sa.select(Department.id).where(Department.active).order_by(Department.id))
        if department_id is None:
            raise ServiceError(_("No department is set up to receive complaints."))
    complainant = Applicant(clean_text(complainant.name) or _("Anonymous"), clean_text(complainant.id_number),
                            clean_text(complainant.phone), complainant.kind)
    if window is not None:
        title = _("Complaint about window %(number)s", number=window.number)
    elif about_case_number:
        title = _("Complaint about case %(number)s", number=about_case_number)
    else:
        title = _("Complaint")
    case = open_case("complaint", actor=actor, now=action_time(when), applicant=complainant, window=window,
                     department_id=department_id, parent=about, number_kind="T", comment=content, title=title,
                     promised_limit_days=0, statutory_limit_days=0)
    db.session.add(ComplaintDetails(case=case, source=source, work_order_number=work_order_number[:40],
                                    about_case_number=about_case_number[:40], about_window=about_window[:100],
                                    about_staff=about_staff[:100]))
    flush()
    return case


def accept_complaint(case: Case, actor: Actor, *, comment: str = "", answer_days: int | str | None = None,
                     when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Accept the complaint; the answer is due within ``answer_days`` (5-10) working days from today, by
    default the limit its definition declares."""
    days: int | None = None
    if answer_days not in (None, ""):
        try:
            days = int(answer_days)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            days = None
        if days is None or not ANSWER_DAYS_MIN <= days <= ANSWER_DAYS_MAX:
            raise ServiceError(_("The answer limit is %(low)d to %(high)d working days.", low=ANSWER_DAYS_MIN,
                                 high=ANSWER_DAYS_MAX), field="answer_days")
    perform(case, "accept", actor, when=when, comment=comment, expected_version=expected_version,
            data={"answer_days": days} if days is not None else None)
    if days is not None:
        case.promised_limit_days = case.statutory_limit_days = days
        refresh_due_dates(case, today=action_time(when).date())
    flush()
    return case


def reject_complaint(case: Case, actor: Actor, reason: str, *, when: datetime | None = None,
                     expected_version: int | None = None) -> Case:
    """Reject the complaint (not admissible), with reasons."""
    reason = clean_text(reason)
    perform(case, "reject", actor, when=when, comment=reason, context={"reason": reason},
            expected_version=expected_version)
    flush()
    return case


def answer_complaint(case: Case, actor: Actor, answer: str, *, when: datetime | None = None,
                     expected_version: int | None = None) -> Case:
    """Answer the complainant (答复); the count stops."""
    answer = clean_text(answer)
    perform(case, "answer", actor, when=when, comment=answer, context={"answer": answer},
            expected_version=expected_version)
    flush()
    return case


def open_rectification(case: Case, *, actor: Actor, reason: str, when: datetime | None = None) -> Case:
    """Open a rectification task (差评整改) for the window that handled ``case`` after a bad rating."""
    if case.window is None:
        raise ServiceError(_("The case has no responsible window."))
    applicant = Applicant(case.applicant_name, case.applicant_id_number, case.applicant_phone, case.applicant_kind)
    task = open_case("rectification", actor=actor, now=action_time(when), applicant=applicant, window=case.window,
                     department_id=case.window.department_id, parent=case, number_kind="Z", comment=reason,
                     title=_("Rectification for case %(number)s", number=case.number),
                     promised_limit_days=0, statutory_limit_days=0)
    flush()
    return task


def advance_rectification(task: Case, actor: Actor, trigger: str, note: str, *, when: datetime | None = None,
                          expected_version: int | None = None) -> Case:
    """Move a rectification task on: call_back (note), record_rectification (measures), report_back,
    send_back (supervisor, reason), rate (applicant, rating) or close. The note is what the transition
    requires (its one ``requires`` key), and the comment of its event."""
    definition = definition_of(task)
    if definition.kind != "rectification":
        raise Forbidden(_("Not a rectification task."))
    note = clean_text(note)
    spec = definition.find(task.state, trigger)
    context = {key: note for key in spec.requires} if spec is not None else {}
    perform(task, trigger, actor, when=when, comment=note, context=context, expected_version=expected_version)
    flush()
    return task
