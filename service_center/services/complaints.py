"""Complaints (投诉) and the rectification of bad ratings (差评整改), each a case with its own deadline.

A complaint is accepted or rejected within 5 working days of receipt and answered within 10 working days
of acceptance; it is routed to the supervision office. A rectification task goes to the responsible window:
call the applicant back, rectify, report back within 15 working days; the applicant may rate it. The limits
and what each step records are declared on their definitions (``workflows/definitions/``).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from workflows.engine import definition_of

from ..models import Case, Window
from ..text import clean_text
from . import ServiceError
from .core import Actor, action_time, flush, perform
from .intake import Applicant, open_case
from .refusals import Forbidden


def receive_complaint(*, window: Window, complainant: Applicant, content: str, actor: Actor,
                      about: Case | None = None, when: datetime | None = None) -> Case:
    """Register a complaint about a window (and optionally one of its cases); due for acceptance in 5 days."""
    content = clean_text(content)
    if not content:
        raise ServiceError(_("Describe the complaint."), field="content")
    if not clean_text(complainant.name):
        raise ServiceError(_("The complainant's name is required."), field="applicant_name")
    if about is not None and about.window_id != window.id:
        raise ServiceError(_("That case was not received at this window."), field="about")
    case = open_case("complaint", actor=actor, now=action_time(when), applicant=complainant, window=window,
                     department_id=window.department_id, parent=about, number_kind="T", comment=content,
                     title=_("Complaint about window %(number)s", number=window.number),
                     promised_limit_days=0, statutory_limit_days=0)
    flush()
    return case


def accept_complaint(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                     expected_version: int | None = None) -> Case:
    """Accept the complaint; the answer is due within 10 working days from today."""
    perform(case, "accept", actor, when=when, comment=comment, expected_version=expected_version)
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
