"""Translated labels for cases: applicant kinds, special procedures, step and extension statuses, events.

Workflow states and triggers take their labels from the definitions (``labels.workflow_label``);
this module adds the events the service layer writes outside a definition (receipt, step decisions).
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from workflows.registry import all_definitions

from .labels import label
from .models import ApplicantKind, ExtensionStatus, PauseStatus, ProcedureType, StepStatus

APPLICANT_KIND_LABELS = {
    ApplicantKind.PERSON: _l("Natural person"),
    ApplicantKind.ORGANISATION: _l("Legal person or other organisation"),
}

PROCEDURE_LABELS = {
    ProcedureType.HEARING: _l("Hearing"),
    ProcedureType.TENDERING: _l("Tendering"),
    ProcedureType.AUCTION: _l("Auction"),
    ProcedureType.INSPECTION: _l("Inspection"),
    ProcedureType.TESTING: _l("Testing"),
    ProcedureType.QUARANTINE: _l("Quarantine"),
    ProcedureType.APPRAISAL: _l("Appraisal"),
    ProcedureType.EXPERT_REVIEW: _l("Expert review"),
    ProcedureType.CONSULTATION: _l("Third-party consultation"),
}

STEP_STATUS_LABELS = {
    StepStatus.PENDING: _l("Pending"),
    StepStatus.APPROVED: _l("Approved"),
    StepStatus.REJECTED: _l("Rejected"),
    StepStatus.RETURNED: _l("Returned for supplement"),
    StepStatus.CANCELLED: _l("Cancelled"),
}

PAUSE_STATUS_LABELS = {
    PauseStatus.REQUESTED: _l("Awaiting approval"),
    PauseStatus.APPROVED: _l("Approved"),
    PauseStatus.REFUSED: _l("Refused"),
}

EXTENSION_STATUS_LABELS = {
    ExtensionStatus.PENDING: _l("Awaiting approval"),
    ExtensionStatus.APPROVED: _l("Approved"),
    ExtensionStatus.REJECTED: _l("Rejected"),
}

# Events written by the services that are not workflow triggers.
EVENT_LABELS = {
    "receive": _l("Application received"),
    "step_approve": _l("Department approved its share"),
    "step_reject": _l("Department rejected its share"),
    "step_return": _l("Department returned its share for supplement"),
    "step_supplemented": _l("Supplement for the department received"),
}


def state_choices() -> list[tuple[str, str]]:
    """Every state of every workflow (for the list filter), labelled in the user's language, sorted by label."""
    locale = get_locale()
    chinese = locale is not None and locale.language == "zh"
    labels: dict[str, str] = {}
    for definition in all_definitions():
        for state in definition.states:
            labels.setdefault(state, definition.label(state) if chinese else state.replace("_", " "))
    return sorted(labels.items(), key=lambda kv: kv[1])


TEMPLATE_GLOBALS = {
    "applicant_kind_label": lambda v: label(APPLICANT_KIND_LABELS, v),
    "procedure_label": lambda v: label(PROCEDURE_LABELS, v),
    "step_status_label": lambda v: label(STEP_STATUS_LABELS, v),
    "extension_status_label": lambda v: label(EXTENSION_STATUS_LABELS, v),
    "pause_status_label": lambda v: label(PAUSE_STATUS_LABELS, v),
}
