"""Printable notices (print-friendly pages): acceptance (受理通知书), one-time supplement (一次性告知书) and
refusal (不予受理通知书). Staff in scope print them for the applicant."""

from __future__ import annotations

from flask import abort, current_app, render_template

from ...auth import STAFF_ROLES, roles_required
from ...models import Case
from . import bp

LICENSING_WORKFLOWS = frozenset({"instant", "committed", "joint", "forwarded"})


def supplement_materials(case: Case) -> list[str]:
    """Every material listed by the one-time supplement notice (from its event; the case's list is cleared
    once the supplement arrives)."""
    for event in reversed(case.events):
        if event.trigger == "request_supplement":
            return list((event.data or {}).get("missing_materials", []))
    return list(case.outstanding_materials or [])


def available_notices(case: Case) -> list[str]:
    """The notices this case has: 'acceptance', 'supplement', 'refusal'."""
    kinds = []
    if case.workflow_key in LICENSING_WORKFLOWS and case.accepted_on is not None:
        kinds.append("acceptance")
    if case.supplement_notice_on is not None:
        kinds.append("supplement")
    if case.outcome == "refused":
        kinds.append("refusal")
    return kinds


@bp.route("/cases/<int:case_id>/notices/<kind>")
@roles_required(*STAFF_ROLES)
def notice(case_id: int, kind: str):  # type: ignore[no-untyped-def]
    from .detail import load_case_in_scope

    case = load_case_in_scope(case_id)
    if kind not in available_notices(case):
        abort(404)
    issued_on = {"acceptance": case.accepted_on, "supplement": case.supplement_notice_on,
                 "refusal": case.closed_on or case.received_on}[kind]
    return render_template(
        f"cases/notice_{kind}.html",
        case=case,
        issued_on=issued_on,
        materials=supplement_materials(case) if kind == "supplement" else [],
        complaint_phone=current_app.config["COMPLAINT_PHONE"],
    )
