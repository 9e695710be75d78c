"""即办件 (instant): accepted and completed on the spot or the same working day.

Version 2 adds termination (终止) of an open case by the department head, a manager or the system; cases
started on version 1 keep its transitions.

Version 3 adds the one-time notice to supplement (一次性告知, Art. 32): ``request_supplement`` ->
``supplement_requested`` -> ``record_supplement`` accepts the case the day the materials are complete (the
same-day clock starts then). The notice may go out within 5 working days of receipt (``notice_days``), like
a licensing one, but an instant case never counts as accepted when that period passes (no
``deems_acceptance``): it is handled on the spot, so there is no acceptance clock to backdate, and a case left
waiting is refused, withdrawn or terminated by hand.
"""

from __future__ import annotations

from workflows.clock import SUPPLEMENT_NOTICE_DAYS
from workflows.definitions.base import TransitionSpec, WorkflowDefinition, transition

__all__ = ["DEFINITION", "DEFINITION_V1", "DEFINITION_V2"]

_OPEN = ("received", "accepted")


def _refuse(sources: tuple[str, ...]) -> TransitionSpec:
    return transition("refuse", sources, "refused", "clerk", requires="reason", outcome="refused",
                      description="Refuse to accept (不予受理), in writing, with reasons.")


def _withdraw(sources: tuple[str, ...]) -> TransitionSpec:
    return transition("withdraw", sources, "withdrawn", ("applicant", "clerk"), clock="stop", outcome="withdrawn",
                      description="Withdrawn by the applicant (撤回).")


def _terminate(sources: tuple[str, ...]) -> TransitionSpec:
    return transition("terminate", sources, "terminated", ("dept_head", "manager", "system"), clock="stop",
                      requires="reason", outcome="terminated",
                      description="Terminate (终止) the case, with the reason.")


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
    _refuse(("received",)),
    _withdraw(_OPEN),
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

# Handled on the spot: no notice period, no special procedures; the receipt slip, the acceptance and a refusal
# are in writing (the receipt slip is printed, not a transition: declaring it changes no behaviour of v1/v2).
_BEHAVIOUR: dict = {"notices": frozenset({"receipt", "refusal", "acceptance"}), "closing_trigger": "complete"}

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

DEFINITION_V2 = WorkflowDefinition(
    key="instant",
    version=2,
    title="即办件",
    description="Accepted at the window and completed on the spot (当场办结) or the same working day.",
    states=(*_OPEN, "closed", "refused", "withdrawn", "terminated"),
    initial="received",
    final_states=frozenset({"closed", "refused", "withdrawn", "terminated"}),
    transitions=(*_TRANSITIONS, _terminate(_OPEN)),
    labels={**_LABELS, "terminated": "已终止", "terminate": "终止"},
    **_BEHAVIOUR,
)

_WAITING = ("received", "supplement_requested", "accepted")

DEFINITION = WorkflowDefinition(
    key="instant",
    version=3,
    title="即办件",
    description="Accepted at the window and completed on the spot (当场办结) or the same working day; missing or "
    "defective materials are listed at once in a one-time notice to supplement (一次性告知).",
    states=("received", "supplement_requested", "accepted", "closed", "refused", "withdrawn", "terminated"),
    initial="received",
    final_states=frozenset({"closed", "refused", "withdrawn", "terminated"}),
    transitions=(
        transition(
            "request_supplement",
            "received",
            "supplement_requested",
            "clerk",
            requires="missing_materials",
            description="One-time written notice (一次性告知) listing all missing or defective materials, within "
            "5 working days of receipt; an instant case never counts as accepted for want of one.",
        ),
        transition(
            "record_supplement",
            "supplement_requested",
            "accepted",
            "clerk",
            clock="start",
            accepts=True,
            description="The supplement is complete: the case is accepted and the same-day clock starts.",
        ),
        *(t for t in _TRANSITIONS if t.trigger not in ("refuse", "withdraw")),
        _refuse(("received", "supplement_requested")),
        _withdraw(_WAITING),
        _terminate(_WAITING),
    ),
    labels={**_LABELS, "terminated": "已终止", "terminate": "终止", "supplement_requested": "待补正",
            "request_supplement": "一次性告知补正", "record_supplement": "补正材料齐全"},
    notices=frozenset({"receipt", "supplement", "refusal", "acceptance"}),
    notice_days=SUPPLEMENT_NOTICE_DAYS,
    closing_trigger="complete",
)
