"""即办件 (instant): accepted and completed on the spot or the same working day.

Version 2 adds termination (终止) of an open case by the department head, a manager or the system; cases
started on version 1 keep its transitions.
"""

from __future__ import annotations

from workflows.definitions.base import WorkflowDefinition, transition

__all__ = ["DEFINITION", "DEFINITION_V1"]

_OPEN = ("received", "accepted")

_TRANSITIONS = (
    transition(
        "accept",
        "received",
        "accepted",
        "clerk",
        clock="start",
        accepts=True,
        description="Accept (受理) at the window; the same-day clock starts.",
    ),
    transition(
        "complete",
        "accepted",
        "closed",
        "clerk",
        clock="stop",
        outcome="granted",
        decides=True,
        delivers=True,
        description="Completed on the spot (当场办结); the result is handed over at the window.",
    ),
    transition(
        "refuse",
        "received",
        "refused",
        "clerk",
        requires="reason",
        outcome="refused",
        description="Refuse to accept (不予受理), in writing, with reasons.",
    ),
    transition(
        "withdraw",
        _OPEN,
        "withdrawn",
        ("applicant", "clerk"),
        clock="stop",
        outcome="withdrawn",
        description="Withdrawn by the applicant (撤回).",
    ),
)

_LABELS = {
    "received": "已收件",
    "accepted": "已受理",
    "closed": "已办结",
    "refused": "不予受理",
    "withdrawn": "已撤回",
    "accept": "受理",
    "complete": "当场办结",
    "refuse": "不予受理",
    "withdraw": "撤回",
}

# Handled on the spot: no notice period, no special procedures; the acceptance and a refusal are in writing.
_BEHAVIOUR: dict = {"notices": frozenset({"refusal", "acceptance"}), "closing_trigger": "complete"}

DEFINITION_V1 = WorkflowDefinition(
    key="instant",
    version=1,
    title="即办件",
    description="Accepted at the window and completed on the spot (当场办结) or the same working day.",
    states=(*_OPEN, "closed", "refused", "withdrawn"),
    initial="received",
    final_states=frozenset({"closed", "refused", "withdrawn"}),
    transitions=_TRANSITIONS,
    labels=_LABELS,
    **_BEHAVIOUR,
)

DEFINITION = WorkflowDefinition(
    key="instant",
    version=2,
    title="即办件",
    description="Accepted at the window and completed on the spot (当场办结) or the same working day.",
    states=(*_OPEN, "closed", "refused", "withdrawn", "terminated"),
    initial="received",
    final_states=frozenset({"closed", "refused", "withdrawn", "terminated"}),
    transitions=(
        *_TRANSITIONS,
        transition(
            "terminate",
            _OPEN,
            "terminated",
            ("dept_head", "manager", "system"),
            clock="stop",
            requires="reason",
            outcome="terminated",
            description="Terminate (终止) the case, with the reason.",
        ),
    ),
    labels={**_LABELS, "terminated": "已终止", "terminate": "终止"},
    **_BEHAVIOUR,
)
