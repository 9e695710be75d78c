"""Public tracking (/track, no login): case number + query code -> the case's public status.

The form is a POST (with its CSRF token) rather than a GET: the query code is a credential, and in a GET
URL it would end up in browser history, proxy and server logs and Referer headers. The lookup itself has no
side effect. A wrong code answers exactly like an unknown number (same page, same 404), so the form cannot
be used to find out which case numbers exist.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from sqlalchemy.orm import joinedload, selectinload

from ...database import read_without_transaction
from ...extensions import db
from ...forms.cases import TrackForm
from ...labels import workflow_label
from ...masking import mask_id_number, mask_name, mask_phone
from ...models import Case, CaseStep, StepStatus
from ...queries.tracking import tracked_facts
from ...services.clock import local_today
from ...throttle import lookup_throttle
from . import bp

# Internal transitions the applicant is told about (in writing); other internal events and the departments'
# step decisions stay internal.
PUBLIC_INTERNAL_TRIGGERS = frozenset({
    "start_special_procedure", "approve_special_procedure", "end_special_procedure", "start_consultation",
    "end_consultation", "approve_extension", "record_gap_materials",
})
# A department's 退回补正 and the supplement's arrival concern the applicant, who is told in writing.
PUBLIC_STEP_EVENTS = {
    "step_return": _l("A department asked for a supplement"),
    "step_supplemented": _l("Supplement received by the department"),
    "online_supplement": _l("Supplement uploaded online"),
}


def find_tracked_case(number: str, query_code: str) -> Case | None:
    """The case with this number whose query code matches (compared in constant time), else None."""
    # The item, window and department in the same query; the events, steps (with their departments), pauses and
    # extensions in one more each.
    case = db.session.scalar(sa.select(Case).where(Case.number == number.strip().upper())
                             .options(joinedload(Case.item), joinedload(Case.window), joinedload(Case.department),
                                      selectinload(Case.events),
                                      selectinload(Case.steps).joinedload(CaseStep.department),
                                      selectinload(Case.pauses), selectinload(Case.extensions)))
    code = query_code.strip().upper()
    # Compare even when the number is unknown, so both misses take the same time.
    expected = case.query_code if case is not None else "-" * len(code)
    if not hmac.compare_digest(expected.encode(), code.encode()) or case is None:
        return None
    return case


def public_timeline(case: Case) -> list[dict[str, object]]:
    """Dates and public labels only: no staff names, no comments, no departments' internal steps."""
    entries = []
    for event in case.events:
        if event.trigger == "receive":
            label = workflow_label(case, event.to_state)
        elif event.from_state != event.to_state:
            label = workflow_label(case, event.to_state)
        elif event.trigger in PUBLIC_INTERNAL_TRIGGERS:
            label = workflow_label(case, event.trigger)
        elif event.trigger in PUBLIC_STEP_EVENTS:
            label = str(PUBLIC_STEP_EVENTS[event.trigger])
        else:
            continue
        entries.append({"at": event.at, "label": label})
    return entries


@bp.route("/track", methods=["GET", "POST"])
def track():  # type: ignore[no-untyped-def]
    form = TrackForm()
    if not form.is_submitted() and request.args.get("number"):  # from the QR code on a printed notice
        form.number.data = request.args["number"].strip()[:40]
    if form.validate_on_submit():
        read_without_transaction(db.session)
        number = (form.number.data or "").strip().upper()
        throttle = lookup_throttle()
        refusal = throttle.admit(number)
        if refusal:  # too many (failed) lookups of this number, from anywhere: even the right code waits
            abort(429, description=refusal)
        case = find_tracked_case(number, form.query_code.data or "")
        if case is None:
            refusal = throttle.count_failure(number, get_remote_address())
            if refusal:
                abort(429, description=refusal)
        else:
            return render_template(
                "cases/track_status.html",
                case=case,
                state_label=workflow_label(case, case.state),
                facts=tracked_facts(case, local_today()),
                timeline=public_timeline(case),
                supplement_outstanding=any(s.status == StepStatus.RETURNED for s in case.steps),
                applicant={"name": mask_name(case.applicant_name), "id_number": mask_id_number(
                    case.applicant_id_number), "phone": mask_phone(case.applicant_phone)},
            )
        return render_template("cases/track.html", form=form, not_found=True), 404
    status = 400 if form.errors else 200
    return render_template("cases/track.html", form=form, not_found=False), status
