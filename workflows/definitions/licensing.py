"""Shared pieces of the licensing lifecycle (行政许可法) used by committed, joint and forwarded cases.

Reception: ``received`` -> ``request_supplement`` -> ``supplement_requested`` -> ``record_supplement`` ->
``accepted`` (the acceptance clock starts when the materials are complete); ``accept`` directly; ``refuse``
(不予受理, final); ``accept_with_gaps`` (容缺受理) -> ``accepted_with_gaps``, closed by
``record_gap_materials``. Review differs per kind (the caller passes its review states and transitions).
Decision: ``grant`` / ``deny`` -> ``granted`` -> ``deliver`` -> ``delivered`` -> ``close``; ``denied`` ->
``close``. ``withdraw`` (撤回) and ``terminate`` (终止) from every open state (version 1: only before the
decision).
Internal transitions in the review states: special procedures (``start_special_procedure`` /
``end_special_procedure``, clock pause/resume), extensions (``request_extension`` / ``approve_extension`` /
``reject_extension``) and gap materials arriving during review (``record_gap_materials``).
Version 4: two-level review (the reviewer's ``record_opinion`` in the decision states, the head decides);
special procedures are requested (``request_special_procedure``), approved or refused by the head or a manager
(``approve_special_procedure`` stops the clock from the approval day, ``refuse_special_procedure``), the
applicant's written notice is recorded (``notify_special_procedure``) and ending one records its result; an
extension is asked for only while the kind's extension policy still allows one (guard ``extension_allowed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from workflows.clock import SUPPLEMENT_NOTICE_DAYS, ExtensionPolicy
from workflows.definitions.base import (
    NOTICE_KINDS,
    SPECIAL_PROCEDURES,
    TransitionSpec,
    WorkflowDefinition,
    transition,
)

__all__ = [
    "CURRENT_VERSION",
    "DECISION_STATES",
    "END_STATES",
    "LICENSING_LABELS",
    "RECEPTION_STATES",
    "RENEWAL_TRIGGER",
    "decision_and_exits",
    "licensing_versions",
    "reception",
    "review_internal",
]

RECEPTION_STATES = ("received", "supplement_requested", "accepted", "accepted_with_gaps")
DECISION_STATES = ("granted", "denied", "delivered")
END_STATES = ("closed", "refused", "withdrawn", "terminated")

LICENSING_LABELS: dict[str, str] = {
    # states
    "received": "已收件",
    "supplement_requested": "待补正",
    "accepted": "已受理",
    "accepted_with_gaps": "容缺受理",
    "refused": "不予受理",
    "under_review": "审查中",
    "parallel_review": "并联审批中",
    "consolidation": "牵头部门汇总",
    "forwarded_review": "上级审查中",
    "granted": "准予许可",
    "denied": "不予许可",
    "delivered": "已送达",
    "closed": "已办结",
    "withdrawn": "已撤回",
    "terminated": "已终止",
    # triggers
    "request_supplement": "一次性告知补正",
    "record_supplement": "补正材料齐全",
    "accept": "受理",
    "accept_with_gaps": "容缺受理",
    "refuse": "不予受理",
    "record_gap_materials": "容缺材料补齐",
    "start_review": "转入审查",
    "start_parallel_review": "启动并联审批",
    "complete_parallel_review": "并联审批完成",
    "forward": "上报",
    "return_to_lower": "退回下级",
    "grant": "准予许可",
    "deny": "不予许可",
    "deliver": "送达",
    "close": "办结",
    "withdraw": "撤回",
    "terminate": "终止",
    "start_special_procedure": "启动特别程序",
    "end_special_procedure": "结束特别程序",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "reject_extension": "驳回延期",
    "grant_renewal_by_law": "视为准予延续",
    "record_opinion": "承办人审查意见",
    "request_special_procedure": "申请特别程序",
    "approve_special_procedure": "批准特别程序",
    "refuse_special_procedure": "不批准特别程序",
    "notify_special_procedure": "书面告知特别程序",
}

_HANDLERS = ("reviewer", "dept_head")


def reception() -> list[TransitionSpec]:
    """Reception transitions (收件 -> 受理 / 补正 / 不予受理 / 容缺受理)."""
    return [
        transition(
            "request_supplement",
            "received",
            "supplement_requested",
            "clerk",
            requires="missing_materials",
            description="One-time written notice (一次性告知) listing all missing or defective materials; "
            "due within 5 working days of receipt or the case counts as accepted as of receipt.",
        ),
        transition(
            "record_supplement",
            "supplement_requested",
            "accepted",
            "clerk",
            clock="start",
            accepts=True,
            description="The supplement is complete: the case is accepted and the clock starts today.",
        ),
        transition(
            "accept",
            "received",
            "accepted",
            ("clerk", "system"),
            clock="start",
            accepts=True,
            description="Accept (受理): print the acceptance notice; the clock starts. 'system' is deemed "
            "acceptance after 5 working days without a notice (backdate the clock to the receipt date).",
        ),
        transition(
            "accept_with_gaps",
            ("received", "supplement_requested"),
            "accepted_with_gaps",
            "clerk",
            clock="start",
            accepts=True,
            requires="missing_materials",
            description="Accept with gaps (容缺受理): key materials complete, the applicant commits to "
            "deliver the listed non-key ones by a deadline.",
        ),
        transition(
            "refuse",
            ("received", "supplement_requested"),
            "refused",
            "clerk",
            requires="reason",
            outcome="refused",
            description="Refuse to accept (不予受理), in writing, with reasons and the right to appeal.",
        ),
        transition(
            "record_gap_materials",
            "accepted_with_gaps",
            "accepted",
            "clerk",
            description="The outstanding gap materials arrived before the review started.",
        ),
    ]


def review_internal(review_states: Sequence[str], approvers: str | Iterable[str], *, version: int = 1,
                    decision_states: Sequence[str] = ()) -> list[TransitionSpec]:
    """Internal transitions allowed in the review states (no state change); from version 4 the reviewer's
    opinion in the decision states and special procedures that are requested, then approved."""
    gaps = transition(
        "record_gap_materials",
        review_states,
        None,
        ("clerk", *_HANDLERS),
        guard="has_gaps_outstanding",
        description="Gap materials (容缺材料) arrived during review; the service layer closes the gaps.",
    )
    if version >= 4:
        procedures = _requested_procedures(review_states)
        opinion = [transition(
            "record_opinion",
            decision_states,
            None,
            "reviewer",
            requires="opinion",
            description="Two-level review: the reviewer (承办人) records an opinion; the head decides.",
        )]
        ask_guard: tuple[str, ...] = ("no_pending_extension", "extension_allowed")
    else:
        procedures = _immediate_procedures(review_states)
        opinion = []
        ask_guard = ("no_pending_extension",)
    return [
        gaps,
        *opinion,
        *procedures,
        transition(
            "request_extension",
            review_states,
            None,
            _HANDLERS,
            guard=ask_guard,
            requires=("days", "reason"),
            description="Ask for an extension (延期); check it with workflows.clock.validate_extension.",
        ),
        transition(
            "approve_extension",
            review_states,
            None,
            approvers,
            guard="has_pending_extension",
            clock="extend",
            description="Approve the pending extension: both due dates move by its days; tell the applicant.",
        ),
        transition(
            "reject_extension",
            review_states,
            None,
            approvers,
            guard="has_pending_extension",
            description="Reject the pending extension.",
        ),
    ]


def _immediate_procedures(review_states: Sequence[str]) -> list[TransitionSpec]:
    """Versions 1-3: the handler names the approver and the procedure starts at once."""
    return [
        transition(
            "start_special_procedure",
            review_states,
            None,
            _HANDLERS,
            guard="no_open_pause",
            clock="pause",
            requires="procedure_type",
            description="Special procedure (特别程序: hearing, inspection, testing, expert review ...) "
            "stops the clock (Art. 45); the applicant is told in writing.",
        ),
        transition(
            "end_special_procedure",
            review_states,
            None,
            _HANDLERS,
            guard="has_open_pause",
            clock="resume",
            description="The special procedure ended; the clock runs again from today.",
        ),
    ]


_PROCEDURE_APPROVERS = ("dept_head", "manager")


def _requested_procedures(review_states: Sequence[str]) -> list[TransitionSpec]:
    """Version 4: a special procedure is requested, approved (the clock stops from that day) or refused."""
    return [
        transition(
            "request_special_procedure",
            review_states,
            None,
            _HANDLERS,
            guard=("no_open_pause", "no_requested_pause"),
            requires=("procedure_type", "reason"),
            description="Ask for a special procedure (特别程序: type, reasons, expected length); the clock runs "
            "on until the head of the department or a manager approves it.",
        ),
        transition(
            "approve_special_procedure",
            review_states,
            None,
            _PROCEDURE_APPROVERS,
            guard=("has_requested_pause", "no_open_pause"),
            clock="pause",
            description="Approve the requested special procedure: it starts today and stops the clock (Art. 45) "
            "until it ends; the applicant is told in writing.",
        ),
        transition(
            "refuse_special_procedure",
            review_states,
            None,
            _PROCEDURE_APPROVERS,
            guard="has_requested_pause",
            requires="reason",
            description="Refuse the requested special procedure, with reasons; the clock never stopped.",
        ),
        transition(
            "notify_special_procedure",
            review_states,
            None,
            ("clerk", *_HANDLERS),
            guard="has_unnotified_pause",
            description="The special procedure notice (特别程序告知书) was printed or sent: the applicant is told "
            "in writing.",
        ),
        replace(
            _immediate_procedures(review_states)[1],
            requires=("result",),
            description="The special procedure ended with its result (听证 / 检验 / 专家评审 ... 结论); the clock "
            "runs again from today.",
        ),
    ]


def decision_and_exits(review_states: Sequence[str], decision_states: Sequence[str], *,
                       exits_after_decision: bool = True) -> list[TransitionSpec]:
    """Decision, delivery, closing, withdrawal and termination (from every open state, or before the decision
    only as in version 1)."""
    pending = (*RECEPTION_STATES, *review_states, *(DECISION_STATES if exits_after_decision else ()))
    return [
        transition(
            "grant",
            decision_states,
            "granted",
            "dept_head",
            clock="stop",
            guard=("no_open_pause", "no_gaps_outstanding"),
            outcome="granted",
            decides=True,
            owes_delivery=True,
            description="Grant (准予许可); the decision clock stops and delivery is due in 10 working days.",
        ),
        transition(
            "deny",
            decision_states,
            "denied",
            "dept_head",
            clock="stop",
            guard="no_open_pause",
            requires="reason",
            outcome="denied",
            decides=True,
            description="Deny (不予许可) with reasons and remedies; a denial without reasons is a red card.",
        ),
        transition(
            "deliver",
            "granted",
            "delivered",
            "clerk",
            delivers=True,
            description="Certificate delivered (送达) to the applicant.",
        ),
        transition(
            "close",
            ("delivered", "denied"),
            "closed",
            ("clerk", "system"),
            description="Close the case (办结); it can now be rated (好差评).",
        ),
        transition(
            "withdraw",
            pending,
            "withdrawn",
            ("applicant", "clerk"),
            clock="stop",
            outcome="withdrawn",
            description="Withdrawn by the applicant (撤回), or by a clerk on the applicant's request.",
        ),
        transition(
            "terminate",
            pending,
            "terminated",
            ("dept_head", "manager", "system"),
            clock="stop",
            requires="reason",
            outcome="terminated",
            description="Terminate (终止), e.g. the gap materials never arrived.",
        ),
    ]


RENEWAL_TRIGGER = "grant_renewal_by_law"


def renewal_by_law(review_states: Sequence[str]) -> TransitionSpec:
    """A renewal (延续, Art. 50) still undecided when the licence expires counts as granted: the system fires it."""
    return transition(
        RENEWAL_TRIGGER,
        review_states,
        "granted",
        "system",
        clock="stop",
        outcome="granted",
        decides=True,
        owes_delivery=True,
        description="The licence expired with no decision on its renewal: the renewal counts as granted "
        "(视为准予延续, Art. 50).",
    )


# Version 1 allowed withdrawal and termination only before the decision; version 3 adds renewals by law;
# version 4 the reviewer's opinion, approved special procedures and extensions offered only while allowed.
CURRENT_VERSION = 4


def licensing_versions(
    key: str,
    title: str,
    description: str,
    *,
    review_states: Sequence[str],
    into_review: Sequence[TransitionSpec],
    approvers: str,
    decision_states: Sequence[str],
    extension_policy: ExtensionPolicy,
    step_states: Sequence[str] = (),
) -> dict[int, WorkflowDefinition]:
    """Every released version of a licensing kind, by version: reception, the kind's own way into and through
    review (``into_review``), the shared internal review transitions, decision and exits."""

    def build(version: int) -> WorkflowDefinition:
        return WorkflowDefinition(
            key=key,
            version=version,
            title=title,
            description=description,
            states=(*RECEPTION_STATES, *review_states, *DECISION_STATES, *END_STATES),
            initial="received",
            final_states=frozenset(END_STATES),
            transitions=(
                *reception(),
                *into_review,
                *review_internal(review_states, approvers=approvers, version=version,
                                 decision_states=decision_states),
                *decision_and_exits(review_states, decision_states, exits_after_decision=version >= 2),
                *((renewal_by_law(review_states),) if version >= 3 else ()),
            ),
            labels=dict(LICENSING_LABELS),
            extension_policy=extension_policy,
            notice_days=SUPPLEMENT_NOTICE_DAYS,
            deems_acceptance=True,
            procedures=SPECIAL_PROCEDURES,
            notices=frozenset(NOTICE_KINDS),
            step_states=frozenset(step_states),
            renewal_trigger=RENEWAL_TRIGGER if version >= 3 else None,
            online_review_states=frozenset(("received", "supplement_requested")),
        )

    return {version: build(version) for version in range(1, CURRENT_VERSION + 1)}
