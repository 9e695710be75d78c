"""依申请公开 (disclosure): a request for government information (政府信息公开条例 2019).

The clock starts at receipt (the case is created in ``received``; the service layer computes the due date
with :func:`workflows.clock.disclosure_due_dates`). ``request_supplement`` stops the count; when the
supplement arrives, ``record_supplement`` restarts it from that day (clock ``start``). Limit 20 working days,
one extension of up to 20. Third-party consultation (征求第三方意见) does not count: it is a pause.

Version 3 declares the supplement period (补正期限, Art. 30: the notice gives "a reasonable period"; 15 working
days from the notice, the common practice): a request still waiting for its supplement after it counts as
abandoned (视为放弃申请), by the system (the ``disclosure.abandoned`` job).
"""

from __future__ import annotations

from workflows.clock import DISCLOSURE_EXTENSION, DISCLOSURE_SUPPLEMENT_NOTICE_DAYS
from workflows.definitions.base import WorkflowDefinition, transition

__all__ = ["DEFINITION", "DEFINITION_V1", "DEFINITION_V2", "SUPPLEMENT_DAYS"]

SUPPLEMENT_DAYS = 15
"""Working days after the notice to supplement within which the supplement must arrive (from version 3)."""

_OPEN = ("received", "supplement_requested", "processing")
_HANDLERS = ("clerk", "reviewer", "dept_head")

def _definition(version: int) -> WorkflowDefinition:
    """Version 1: withdrawal before the answer only, no termination. Version 2: both from every open state.
    Version 3: the supplement period, after which the system abandons the request."""
    exits_from = _OPEN if version == 1 else (*_OPEN, "answered")
    terminate = () if version == 1 else (
        transition(
            "terminate",
            exits_from,
            "terminated",
            ("dept_head", "manager", "system"),
            clock="stop",
            requires="reason",
            outcome="terminated",
            description="Terminate (终止) the request, with the reason.",
        ),
    )
    ends = ("closed", "withdrawn") if version == 1 else ("closed", "withdrawn", "terminated")
    return WorkflowDefinition(
        key="disclosure",
        version=version,
        title="依申请公开",
        description="Disclosure request: answer within 20 working days of receipt or of the supplement.",
        states=(*_OPEN, "answered", *ends),
        initial="received",
        final_states=frozenset(ends),
        transitions=(
            transition(
                "start_processing",
                "received",
                "processing",
                _HANDLERS,
                description="Register the request and search for the information (the clock already runs).",
            ),
            transition(
                "request_supplement",
                ("received", "processing"),
                "supplement_requested",
                _HANDLERS,
                clock="stop",
                requires="missing_materials",
                description="One-time notice to supplement or clarify the request (补正); the count stops.",
            ),
            transition(
                "record_supplement",
                "supplement_requested",
                "processing",
                _HANDLERS,
                clock="start",
                description="The supplement arrived: the count restarts from today.",
            ),
            transition(
                "abandon",
                "supplement_requested",
                "withdrawn",
                ("clerk", "system"),
                clock="stop",
                outcome="abandoned",
                description="No supplement in the time given: the request counts as abandoned (视为放弃申请).",
            ),
            transition(
                "start_consultation",
                "processing",
                None,
                ("reviewer", "dept_head"),
                guard="no_open_pause",
                clock="pause",
                description="Consult a third party (征求第三方意见); that time does not count.",
            ),
            transition(
                "end_consultation",
                "processing",
                None,
                ("reviewer", "dept_head"),
                guard="has_open_pause",
                clock="resume",
                description="The third-party consultation ended; the count resumes.",
            ),
            transition(
                "request_extension",
                "processing",
                None,
                ("reviewer", "dept_head"),
                guard="no_pending_extension",
                requires=("days", "reason"),
                description="Ask for an extension (延期) of up to 20 working days.",
            ),
            transition(
                "approve_extension",
                "processing",
                None,
                "dept_head",
                guard="has_pending_extension",
                clock="extend",
                description="Approve the extension (the agency's head, 负责人); tell the applicant.",
            ),
            transition(
                "reject_extension",
                "processing",
                None,
                "dept_head",
                guard="has_pending_extension",
                description="Reject the pending extension.",
            ),
            transition(
                "answer",
                ("received", "processing"),
                "answered",
                ("reviewer", "dept_head"),
                clock="stop",
                guard="no_open_pause",
                requires="answer_type",
                outcome="answered",
                decides=True,
                description="Answer (答复): disclosed, partly disclosed, not disclosed, does not exist ...",
            ),
            transition(
                "close",
                "answered",
                "closed",
                ("clerk", "system"),
                description="Close the request once the answer is delivered.",
            ),
            transition(
                "withdraw",
                exits_from,
                "withdrawn",
                ("applicant", "clerk"),
                clock="stop",
                outcome="withdrawn",
                description="Withdrawn by the applicant (撤回).",
            ),
            *terminate,
        ),
        labels={
            "received": "已收到申请",
            "supplement_requested": "待补正",
            "processing": "办理中",
            "answered": "已答复",
            "closed": "已办结",
            "withdrawn": "已撤回",
            "start_processing": "登记办理",
            "request_supplement": "告知补正",
            "record_supplement": "补正到达",
            "abandon": "视为放弃申请",
            "start_consultation": "征求第三方意见",
            "end_consultation": "第三方意见返回",
            "request_extension": "申请延期",
            "approve_extension": "批准延期",
            "reject_extension": "驳回延期",
            "answer": "答复",
            "close": "办结",
            "withdraw": "撤回",
            "terminated": "已终止",
            "terminate": "终止",
        },
        extension_policy=DISCLOSURE_EXTENSION,
        clock_starts="receipt",
        notice_days=DISCLOSURE_SUPPLEMENT_NOTICE_DAYS,
        procedures=("consultation",),
        supplement_days=SUPPLEMENT_DAYS if version >= 3 else None,
        abandon_trigger="abandon" if version >= 3 else None,
        notices=frozenset({"receipt", "supplement", "extension"}),
    )


DEFINITION_V1 = _definition(1)
DEFINITION_V2 = _definition(2)
DEFINITION = _definition(3)
