"""Printable notices (print-friendly pages) for what the applicant must be told in writing: the receipt slip
(收件凭证), acceptance (受理通知书), one-time supplement (一次性告知书), refusal (不予受理通知书), acceptance with
gaps (容缺受理告知书), special procedure (特别程序告知书), extension (延长期限告知书) and the decision (准予 / 不予
行政许可决定书). Staff in scope print them for the applicant.

A notice is a legal document: its sheet is always rendered in Chinese, whatever the clerk's interface language
(only the page around it follows the interface), issued in the name of the deciding department, with the window,
the department's phone and the tracking address (also as a QR code, inline SVG from segno)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date

import segno
from flask import abort, current_app, render_template, url_for
from flask_babel import force_locale, to_user_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from workflows.definitions.base import NOTICE_KINDS
from workflows.engine import definition_of

from ...auth import STAFF_ROLES, roles_required
from ...commands import run_action
from ...models import Case, CaseExtension, CasePause, CaseStep, ExtensionStatus, PauseStatus, StepStatus
from ...services import ServiceError
from ...services.core import actions_for
from . import bp

# Notices are written in this language whatever the interface language.
NOTICE_LOCALE = "zh_CN"

STEP_NOTICE_TITLE = _l("Department's supplement notice")

NOTICE_TITLES = {
    "receipt": _l("Receipt slip"),
    "supplement": _l("Supplement notice"),
    "refusal": _l("Refusal notice"),
    "acceptance": _l("Acceptance notice"),
    "gaps": _l("Notice of acceptance with gaps"),
    "special_procedure": _l("Special procedure notice"),
    "extension": _l("Extension notice"),
    "decision": _l("Decision"),
}


@dataclass(frozen=True)
class ListedMaterial:
    """A material a notice lists, with what is wrong with it when it was handed in defective."""

    name: str
    defect: str = ""


def supplement_materials(case: Case) -> list[ListedMaterial]:
    """Every material listed by the one-time supplement notice, each with its defect (from its event; the case's
    list is cleared once the supplement arrives)."""
    for event in reversed(case.events):
        if event.trigger == "request_supplement":
            data = event.data or {}
            defects = data.get("defects") or {}
            return [ListedMaterial(name, defects.get(name, "")) for name in data.get("missing_materials", [])]
    return [ListedMaterial(name) for name in case.outstanding_materials or []]


def supplement_explanation(case: Case) -> str:
    """The clerk's explanation given with the supplement notice (its event's comment)."""
    return next((e.comment for e in reversed(case.events) if e.trigger == "request_supplement"), "")


def tracking_url(case: Case) -> str:
    """Where the applicant tracks the case: the configured public address (PUBLIC_TRACKING_URL), else this
    site's tracking page; the case number is filled in (the query code, a credential, never is)."""
    base = current_app.config.get("PUBLIC_TRACKING_URL") or url_for("cases.track", _external=True)
    return f"{base}{'&' if '?' in base else '?'}number={case.number}"


def qr_svg(text: str) -> Markup:
    """A QR code of ``text`` as inline SVG (no image request, nothing from a CDN)."""
    return Markup(segno.make(text, error="m").svg_inline(scale=3, title="QR"))  # noqa: S704 - segno's own SVG


@dataclass(frozen=True)
class GapCommitment:
    """What the applicant signed at the acceptance with gaps (from its event: the case forgets the materials
    and the date once they arrive)."""

    materials: list[str]
    due: date | None
    signed_on: date


def gap_commitment(case: Case) -> GapCommitment | None:
    for event in case.events:
        if event.trigger == "accept_with_gaps":
            data = event.data or {}
            due = data.get("gaps_due")
            return GapCommitment(list(data.get("missing_materials", [])),
                                 date.fromisoformat(due) if due else case.due_gaps,
                                 to_user_timezone(event.at).date())
    return None


def gap_materials(case: Case) -> list[str]:
    commitment = gap_commitment(case)
    return commitment.materials if commitment else []


def _last_pause(case: Case) -> CasePause | None:
    """The latest special procedure that was approved (a request or a refusal is not notified)."""
    return next((p for p in reversed(case.pauses) if p.status == PauseStatus.APPROVED), None)


def _record_printed_procedure_notice(case: Case) -> None:
    """Printing the special procedure notice tells the applicant in writing: recorded through the command path
    (``notify_special_procedure``) when the case's definition has it and the user may fire it."""
    if case.has_unnotified_pause and "notify_special_procedure" in actions_for(case, current_user):
        with suppress(ServiceError):  # recording it never stops the notice from printing
            run_action(case.id, "notify_special_procedure", current_user, lambda _c, _cmd: ({"via": "printed"}, None))


def _approved_extension(case: Case) -> CaseExtension | None:
    return next((e for e in reversed(case.extensions) if e.status == ExtensionStatus.APPROVED), None)


@dataclass(frozen=True)
class NoticeFacts:
    """What a notice states beyond the case itself: its date, the materials it lists, and the special procedure,
    extension or commitment it is about (the printed sheet and the API's notices read the same)."""

    issued_on: date | None
    materials: list[ListedMaterial]
    pause: CasePause | None
    extension: CaseExtension | None
    commitment: GapCommitment | None


def notice_facts(case: Case, kind: str) -> NoticeFacts:
    pause, extension, commitment = _last_pause(case), _approved_extension(case), gap_commitment(case)
    issued_on = {
        "receipt": case.received_on,
        "acceptance": case.accepted_on,
        "supplement": case.supplement_notice_on,
        "refusal": case.closed_on or case.received_on,
        "decision": case.decided_on,
        "special_procedure": pause.started_on if pause else None,
        "extension": extension.decided_on if extension else None,
        "gaps": commitment.signed_on if commitment else None,  # the day it was signed, not backdated
    }[kind]
    if kind == "supplement":
        materials = supplement_materials(case)
    else:
        materials = [ListedMaterial(m) for m in commitment.materials] if kind == "gaps" and commitment else []
    return NoticeFacts(issued_on, materials, pause, extension, commitment)


def available_notices(case: Case) -> list[str]:
    """The notices this case has, in the order they are issued: those its definition says the applicant is
    owed, once the case has reached them."""
    owed = definition_of(case).notices
    reached = {
        "receipt": True,
        "supplement": case.supplement_notice_on is not None,
        "refusal": case.outcome == "refused",
        "acceptance": case.accepted_on is not None,
        "gaps": bool(gap_materials(case)),
        "special_procedure": _last_pause(case) is not None,
        "extension": _approved_extension(case) is not None,
        "decision": case.decided_on is not None,
    }
    return [kind for kind in NOTICE_KINDS if kind in owed and reached[kind]]


@bp.route("/cases/<int:case_id>/notices/<kind>")
@roles_required(*STAFF_ROLES)
def notice(case_id: int, kind: str):  # type: ignore[no-untyped-def]
    from .detail import load_case_in_scope

    case = load_case_in_scope(case_id)
    if kind not in available_notices(case):
        abort(404)
    if kind == "special_procedure":
        _record_printed_procedure_notice(case)
    facts = notice_facts(case, kind)
    pause, extension, commitment = facts.pause, facts.extension, facts.commitment
    issued_on, materials = facts.issued_on, facts.materials
    url = tracking_url(case)
    with force_locale(NOTICE_LOCALE):
        sheet = render_template(
            f"cases/notice_{kind}.html",
            case=case,
            issued_on=issued_on,
            materials=materials,
            explanation=supplement_explanation(case) if kind == "supplement" else "",
            gaps_due=commitment.due if commitment else None,
            pause=pause,
            extension=extension,
            complaint_phone=current_app.config["COMPLAINT_PHONE"],
            tracking_url=url,
            tracking_qr=qr_svg(url),
        )
    return render_template("cases/notice_page.html", case=case, title=NOTICE_TITLES[kind], sheet=Markup(sheet))  # noqa: S704 - autoescaped


def returned_steps(case: Case) -> list[CaseStep]:
    """The departments' shares returned for a supplement (退回补正), each owing the applicant a written notice."""
    return [s for s in case.steps if s.status == StepStatus.RETURNED or _was_returned(case, s)]


def _was_returned(case: Case, step: CaseStep) -> bool:
    return any(e.trigger == "step_return" and e.step_id == step.id for e in case.events)


def _returned_opinion(case: Case, step: CaseStep) -> tuple[str, date | None]:
    """What the department asked for, and when (its latest 退回补正 event)."""
    event = next((e for e in reversed(case.events) if e.trigger == "step_return" and e.step_id == step.id), None)
    if event is None:
        return step.opinion, None
    return event.comment, to_user_timezone(event.at).date()


@bp.route("/cases/<int:case_id>/steps/<int:step_id>/notice")
@roles_required(*STAFF_ROLES)
def step_notice(case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    """A department's 退回补正 as a written supplement notice: what is missing, in the department's words."""
    from .detail import load_case_in_scope

    case = load_case_in_scope(case_id)
    step = next((s for s in returned_steps(case) if s.id == step_id), None)
    if step is None:
        abort(404)
    opinion, returned_on = _returned_opinion(case, step)
    lines = [line.strip(" ;；、。") for line in opinion.replace("；", "\n").replace(";", "\n").splitlines()]
    url = tracking_url(case)
    with force_locale(NOTICE_LOCALE):
        sheet = render_template(
            "cases/notice_step_supplement.html", case=case, step=step, issued_on=returned_on,
            materials=[ListedMaterial(line) for line in lines if line], promised=case.due_promised,
            complaint_phone=current_app.config["COMPLAINT_PHONE"], tracking_url=url, tracking_qr=qr_svg(url),
        )
    return render_template("cases/notice_page.html", case=case, title=STEP_NOTICE_TITLE,
                           sheet=Markup(sheet))  # noqa: S704 - autoescaped
