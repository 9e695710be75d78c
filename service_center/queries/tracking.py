"""What the public tracking page tells the applicant about their case: the state in plain words and what happens
next, what they must bring, why it was refused, the stopped clock, the extension, the completion date as of
today, the departments' progress on a joint case, who handles it and how the result reaches them.

Everything here is read from the case already loaded (with its pauses, extensions, steps and their departments):
no query of its own. Personal data is masked by the caller (service_center.masking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from workflows.engine import definition_of

from ..case_labels import PROCEDURE_LABELS, STEP_STATUS_LABELS
from ..labels import label, workflow_label
from ..models import Case, CaseOutcome, ExtensionStatus, StepStatus
from ..services.clock import due_dates_on
from ..services.materials import defects_of

_UNDER_REVIEW = _l("Your application is under review. Nothing is needed from you now; you will be told of the "
                   "decision.")
_FINISHED = _l("Handling of this case has ended.")

# What happens next, per (definition kind, state): read-side texts only, no behaviour depends on them.
NEXT_STEP_HINTS = {
    ("application", "received"): _l("Your application was received. The window checks the materials and tells you "
                                    "within the notice period whether it is accepted."),
    ("application", "supplement_requested"): _l("Bring the materials listed below to the window. Your application "
                                                "is accepted once they are complete."),
    ("application", "accepted"): _l("Your application was accepted and goes on to review."),
    ("application", "accepted_with_gaps"): _l("Your application was accepted with gaps: bring the materials listed "
                                              "below by their due date, or handling will be terminated."),
    ("application", "refused"): _l("Your application was not accepted; the reason is given below."),
    ("application", "under_review"): _UNDER_REVIEW,
    ("application", "processing"): _UNDER_REVIEW,
    ("application", "forwarded_review"): _l("Your application was passed to the higher authority for review. "
                                            "Nothing is needed from you now."),
    ("application", "parallel_review"): _l("The departments below review your application in parallel; the lead "
                                           "department then decides."),
    ("application", "consolidation"): _l("The departments have given their opinions; the lead department is "
                                         "preparing the decision."),
    ("application", "granted"): _l("Your application was granted. Collect the result or wait for its delivery as "
                                   "shown below."),
    ("application", "denied"): _l("Your application was not granted; the reason is given below. The written "
                                  "decision tells you how to apply for administrative review or sue."),
    ("application", "delivered"): _l("The decision was delivered to you."),
    ("application", "answered"): _l("Your request was answered in writing."),
    ("application", "closed"): _FINISHED,
    ("application", "withdrawn"): _l("Your application was withdrawn."),
    ("application", "terminated"): _l("Handling was terminated; the reason is given below."),
    ("complaint", "received"): _l("Your complaint was received. You are told within 5 working days whether it is "
                                  "accepted."),
    ("complaint", "accepted"): _l("Your complaint was accepted and is being handled; you will get an answer within "
                                  "the time limit."),
    ("complaint", "rejected"): _l("Your complaint was not accepted; the reason is given below."),
    ("complaint", "answered"): _l("Your complaint was answered."),
    ("complaint", "closed"): _FINISHED,
    ("complaint", "withdrawn"): _l("Your complaint was withdrawn."),
}

# Outcomes whose reason the applicant is told (不予受理, 不予许可, 终止, a complaint not accepted).
REASONED_OUTCOMES = frozenset({CaseOutcome.REFUSED, CaseOutcome.DENIED, CaseOutcome.TERMINATED,
                               CaseOutcome.REJECTED})


@dataclass
class TrackedFacts:
    """The facts the tracking page shows; empty or None when they do not apply."""

    state_label: str
    next_step: str
    missing: list[dict[str, str]] = field(default_factory=list)  # supplement awaited: {"name", "defect"}
    gaps: list[str] = field(default_factory=list)  # 容缺: the materials due later
    gaps_due: date | None = None
    reason: str = ""
    pause: dict[str, object] | None = None  # {"procedure", "since", "expected_days"}
    extensions: list[dict[str, object]] = field(default_factory=list)  # {"days", "reason"}
    expected_completion: date | None = None
    departments: list[dict[str, str]] = field(default_factory=list)  # joint: {"name", "status"}
    handling: dict[str, str] = field(default_factory=dict)  # {"department", "window", "phone"}
    pickup: dict[str, object] | None = None  # {"due", "delivered_on", "window"}


def tracked_facts(case: Case, today: date) -> TrackedFacts:
    facts = TrackedFacts(state_label=workflow_label(case, case.state),
                         next_step=str(NEXT_STEP_HINTS.get((definition_of(case).kind, case.state), "")))
    if case.in_progress and case.outstanding_materials:
        if case.due_gaps is not None:  # accepted with gaps (容缺受理)
            facts.gaps, facts.gaps_due = list(case.outstanding_materials), case.due_gaps
        else:  # the one-time notice to supplement
            defects = defects_of(case, case.outstanding_materials)
            facts.missing = [{"name": name, "defect": defects.get(name, "")} for name in case.outstanding_materials]
    if case.outcome in REASONED_OUTCOMES:
        facts.reason = case.outcome_reason
    pause = case.open_pause
    if pause is not None:
        facts.pause = {"procedure": label(PROCEDURE_LABELS, pause.procedure_type), "since": pause.started_on,
                       "expected_days": pause.expected_days}
    facts.extensions = [{"days": e.days, "reason": e.reason} for e in case.extensions
                        if e.status == ExtensionStatus.APPROVED]
    if case.in_progress and case.decided_on is None:
        dates = due_dates_on(case, today)  # the stored date goes stale while a pause is open
        facts.expected_completion = dates[0] if dates else None
    if len(case.steps) > 1:
        facts.departments = [{"name": s.department.name, "status": label(STEP_STATUS_LABELS, s.status)}
                             for s in case.steps if s.status != StepStatus.CANCELLED or not case.in_progress]
    window = case.window
    facts.handling = {"department": case.department.name, "window": f"{window.number} {window.name}" if window else "",
                      "phone": case.department.contact_phone}
    if case.outcome == CaseOutcome.GRANTED:
        facts.pickup = {"due": case.due_delivery, "delivered_on": case.delivered_on,
                        "window": facts.handling["window"]}
    return facts
