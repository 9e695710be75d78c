"""差评整改 (rectification): the task opened by a bad rating (不满意 / 非常不满意).

The responsible window calls the applicant back (回访), rectifies (整改, common practice within 15 working
days, :data:`workflows.clock.RECTIFICATION_DAYS`, clock started when the task is opened), reports back
(反馈); the applicant may rate the rectification, otherwise the task is closed. The supervision office may
send a report back for more work.
"""

from __future__ import annotations

from workflows.clock import RECTIFICATION_DAYS
from workflows.definitions.base import WorkflowDefinition, transition

__all__ = ["DEFINITION"]

_WINDOW = ("clerk", "dept_head")

DEFINITION = WorkflowDefinition(
    key="rectification",
    version=1,
    title="差评整改",
    description="Bad-rating rectification: call back, rectify, report back; the applicant may rate it.",
    states=("opened", "called_back", "rectified", "reported", "closed"),
    initial="opened",
    final_states=frozenset({"closed"}),
    transitions=(
        transition(
            "call_back",
            "opened",
            "called_back",
            _WINDOW,
            requires="call_note",
            description="Call the applicant back (回访) and record what they said.",
        ),
        transition(
            "record_rectification",
            "called_back",
            "rectified",
            _WINDOW,
            requires="measures",
            description="Record the rectification measures taken (整改措施).",
        ),
        transition(
            "report_back",
            "rectified",
            "reported",
            _WINDOW,
            clock="stop",
            decides=True,
            description="Report the rectification back (反馈) to the applicant and the supervision office.",
        ),
        transition(
            "send_back",
            "reported",
            "called_back",
            "supervisor",
            requires="reason",
            reopens=True,
            description="The supervision office finds the rectification insufficient and sends it back.",
        ),
        transition(
            "rate",
            "reported",
            "closed",
            "applicant",
            requires="rating",
            description="The applicant rates the rectification (整改评价).",
        ),
        transition(
            "close",
            "reported",
            "closed",
            ("supervisor", "system"),
            description="Close without a rating from the applicant.",
        ),
    ),
    labels={
        "opened": "待整改",
        "called_back": "已回访",
        "rectified": "已整改",
        "reported": "已反馈",
        "closed": "已办结",
        "call_back": "回访",
        "record_rectification": "记录整改",
        "report_back": "反馈",
        "send_back": "退回重新整改",
        "rate": "评价整改",
        "close": "办结",
    },
    kind="rectification",
    clock_starts="receipt",
    receipt_limit_days=RECTIFICATION_DAYS,
)
