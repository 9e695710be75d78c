"""Translated labels for cases: applicant kinds, special procedures, step and extension statuses, events.

Workflow states and triggers take their labels from the definitions (``labels.workflow_label``);
this module adds the events the service layer writes outside a definition (receipt, step decisions).
"""

from __future__ import annotations

from collections import Counter

from flask_babel import lazy_gettext as _l

from workflows.definitions.base import WorkflowDefinition
from workflows.registry import get_definition, latest_version, versions, workflow_keys

from .labels import flow_label, label
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
    "online_supplement": _l("Supplement uploaded online"),
}


# The list's warning levels (queries.deadlines.WARNING_LEVELS), as its badges name them.
WARNING_LABELS = {
    "overdue": _l("Overdue"),
    "statutory_overdue": _l("Past the statutory limit"),
    "step_overdue": _l("Step overdue"),
    "soon": _l("Due soon"),
    "paused": _l("Paused"),
}

CASE_KIND_LABELS = {
    "application": _l("Applications"),
    "complaint": _l("Complaints"),
    "rectification": _l("Rectifications"),
}


def application_states() -> dict[str, list[WorkflowDefinition]]:
    """Each state an application (办件) can reach, once, in lifecycle order, with the definitions having it.

    Every registered version of every workflow of kind ``application`` counts (running cases keep older
    versions); a state first met in a later definition goes right after the state before it there."""
    order: list[str] = []
    having: dict[str, list[WorkflowDefinition]] = {}
    for key in workflow_keys(kind="application"):
        for version in versions(key):
            definition = get_definition(key, version)
            for position, state in enumerate(definition.states):
                if state not in having:
                    at = order.index(definition.states[position - 1]) + 1 if position else 0
                    order.insert(at, state)
                having.setdefault(state, []).append(definition)
    return {state: having[state] for state in order}


def state_choices() -> list[tuple[str, str]]:
    """The list's state filter: each state applications reach, once, in lifecycle order, labelled from the
    definitions in the user's language (the label most of the latest definitions give it, when they differ)."""
    choices = []
    for state, definitions in application_states().items():
        latest = [d for d in definitions if d.version == latest_version(d.key)] or definitions
        labels = Counter(flow_label(d, state) for d in latest)
        choices.append((state, labels.most_common(1)[0][0]))
    return choices


def kind_choices() -> list[tuple[str, str]]:
    """The case kinds (applications, complaints, rectifications) for the oversight roles' list filter."""
    return [(kind, str(text)) for kind, text in CASE_KIND_LABELS.items()]


TEMPLATE_GLOBALS = {
    "applicant_kind_label": lambda v: label(APPLICANT_KIND_LABELS, v),
    "procedure_label": lambda v: label(PROCEDURE_LABELS, v),
    "step_status_label": lambda v: label(STEP_STATUS_LABELS, v),
    "extension_status_label": lambda v: label(EXTENSION_STATUS_LABELS, v),
    "pause_status_label": lambda v: label(PAUSE_STATUS_LABELS, v),
}
