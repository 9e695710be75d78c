"""Opening a case: applications at a window, complaints, rectification tasks all start here, so every case
gets its number, query code, pinned workflow version, cleaned text and first event the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from workflows import get_definition
from workflows.clock import deemed_acceptance_date

from ..extensions import db
from ..models import ApplicantKind, Case, CaseEvent, Item, User, Window
from ..text import clean_text
from . import ServiceError
from .clock import refresh_due_dates, work_calendar
from .core import Actor
from .numbers import new_query_code, next_case_number


@dataclass(frozen=True)
class Applicant:
    """The applicant's (or complainant's) particulars as taken at the window."""

    name: str
    id_number: str = ""
    phone: str = ""
    kind: ApplicantKind = ApplicantKind.PERSON


def open_case(workflow_key: str, *, actor: Actor, now: datetime, applicant: Applicant, window: Window | None,
              department_id: int, title: str, promised_limit_days: int, statutory_limit_days: int,
              item: Item | None = None, parent: Case | None = None, first_contact: User | None = None,
              number_kind: str = "", comment: str = "", data: dict | None = None) -> Case:
    """Create a case on the latest version of ``workflow_key`` and append its ``receive`` event.

    The definition says when the clock starts (at receipt, or at acceptance with a notice period after which
    the application counts as accepted) and whether it fixes the limits itself (complaints, rectifications).
    """
    name = clean_text(applicant.name)
    if not name:
        raise ServiceError(_("The applicant's name is required."), field="applicant_name")
    definition = get_definition(workflow_key)
    today = now.date()
    if definition.receipt_limit_days is not None:
        promised_limit_days = statutory_limit_days = definition.receipt_limit_days
    case = Case(
        number=next_case_number(today, number_kind),
        query_code=new_query_code(),
        workflow_key=definition.key,
        workflow_version=definition.version,
        state=definition.initial,
        in_progress=True,
        item=item,
        case_type=item.case_type if item is not None else None,
        window=window,
        department_id=department_id,
        parent=parent,
        first_contact=first_contact,
        title=clean_text(title) or (item.name if item is not None else ""),
        applicant_kind=applicant.kind,
        applicant_name=name,
        applicant_id_number=clean_text(applicant.id_number),
        applicant_phone=clean_text(applicant.phone),
        promised_limit_days=promised_limit_days,
        statutory_limit_days=statutory_limit_days,
        received_at=now,
        received_on=today,
        outstanding_materials=[],
    )
    calendar = work_calendar()
    if definition.clock_starts == "receipt":
        case.clock_start_on = today
    elif definition.deems_acceptance:
        case.deemed_acceptance_on = deemed_acceptance_date(today, calendar, definition.notice_days)
    db.session.add(case)
    db.session.add(CaseEvent(case=case, at=now, actor_id=actor.user_id, actor_role=actor.role, trigger="receive",
                             from_state="", to_state=case.state, comment=clean_text(comment), data=data or {}))
    refresh_due_dates(case, today=today, calendar=calendar)
    return case
