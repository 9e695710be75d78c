"""投诉 (complaint): a complaint about a window or case, handled by the supervision office.

The case is created in ``received``; it must be accepted or rejected within 5 working days of receipt
(:data:`workflows.clock.COMPLAINT_ACCEPT_DAYS`), then answered within the answer limit (5-10 working days,
default :data:`workflows.clock.COMPLAINT_ANSWER_DAYS`) counted from acceptance (clock ``start`` on accept).
"""

from __future__ import annotations

from workflows.clock import COMPLAINT_ACCEPT_DAYS, COMPLAINT_ANSWER_DAYS
from workflows.definitions.base import WorkflowDefinition, transition

__all__ = ["DEFINITION"]

_OFFICE = ("supervisor", "manager")

DEFINITION = WorkflowDefinition(
    key="complaint",
    version=1,
    title="投诉",
    description="Complaint: accepted or rejected within 5 working days, then answered within the limit.",
    states=("received", "accepted", "answered", "closed", "rejected", "withdrawn"),
    initial="received",
    final_states=frozenset({"closed", "rejected", "withdrawn"}),
    transitions=(
        transition(
            "accept",
            "received",
            "accepted",
            _OFFICE,
            clock="start",
            accepts=True,
            limit_days=COMPLAINT_ANSWER_DAYS,
            description="Accept the complaint (受理); the answer limit starts.",
        ),
        transition(
            "reject",
            "received",
            "rejected",
            _OFFICE,
            clock="stop",
            requires="reason",
            outcome="rejected",
            description="Do not accept (不予受理), with reasons told to the complainant.",
        ),
        transition(
            "answer",
            "accepted",
            "answered",
            _OFFICE,
            clock="stop",
            requires="answer",
            outcome="answered",
            decides=True,
            description="Answer the complainant (答复) with findings and measures taken.",
        ),
        transition(
            "close",
            "answered",
            "closed",
            (*_OFFICE, "system"),
            description="Close the complaint.",
        ),
        transition(
            "withdraw",
            ("received", "accepted"),
            "withdrawn",
            ("applicant", *_OFFICE),
            clock="stop",
            outcome="withdrawn",
            description="Withdrawn by the complainant.",
        ),
    ),
    labels={
        "received": "已收到",
        "accepted": "已受理",
        "answered": "已答复",
        "closed": "已办结",
        "rejected": "不予受理",
        "withdrawn": "已撤回",
        "accept": "受理",
        "reject": "不予受理",
        "answer": "答复",
        "close": "办结",
        "withdraw": "撤回",
    },
    kind="complaint",
    oversight_only=True,
    clock_starts="receipt",
    receipt_limit_days=COMPLAINT_ACCEPT_DAYS,
)
