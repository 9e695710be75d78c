"""Decision, delivery and the ways a case ends: forward (上报), grant or deny (准予 / 不予许可), answer a
disclosure request (答复), deliver (送达), close (办结), withdraw (撤回), terminate (终止), abandon (视为放弃).

What each of these records (the decision date, the outcome, the delivery owed, the end of the case, the
settling of open requests) is declared on the transition and applied by :func:`services.core.perform`; the
verbs here add the rules the definitions cannot say (the join rule, the reasons).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from workflows.engine import definition_of

from ..models import Case, CaseStep, JoinRule, StepStatus
from ..text import clean_text
from . import ServiceError
from .core import Actor, flush, perform
from .refusals import ActionNotAllowed, ensure_state_allows


def forward(case: Case, actor: Actor, opinion: str, *, when: datetime | None = None,
            expected_version: int | None = None) -> Case:
    """Forward (上报) a reviewed case to the upper level with the lower level's opinion."""
    perform(case, "forward", actor, when=when, comment=opinion, expected_version=expected_version)
    flush()
    return case


def record_opinion(case: Case, actor: Actor, opinion: str, *, when: datetime | None = None,
                   expected_version: int | None = None) -> Case:
    """Two-level review (两级审批): the reviewer (承办人) records an opinion for the head, who decides. The
    opinion is the event's comment and data (the case page shows the latest one to the head)."""
    opinion = clean_text(opinion)
    perform(case, "record_opinion", actor, when=when, comment=opinion, expected_version=expected_version,
            context={"opinion": opinion}, data={"opinion": opinion})
    flush()
    return case


def decide(case: Case, actor: Actor, grant: bool, reason: str = "", *, when: datetime | None = None,
           expected_version: int | None = None) -> Case:
    """Decide (决定): grant (准予许可, delivery due in 10 working days) or deny (不予许可, reasons required).

    Under the "all must approve" join rule a joint case can be granted only when every department approved;
    under "the lead consolidates" a grant over a department's 不同意 needs the written reasons (``reason``).
    A pending extension request lapses with the decision.
    """
    trigger = "grant" if grant else "deny"
    reason = clean_text(reason)
    ensure_state_allows(case, trigger)
    if grant and any(s.status != StepStatus.APPROVED for s in case.steps) and (
        case.item is not None and case.item.join_rule == JoinRule.ALL_APPROVE
    ):
        raise ActionNotAllowed(_("Not every department approved its share and every department must approve: the "
                                 "case can only be denied."))
    if grant and not reason and rejected_steps(case):
        raise ServiceError(_("A department disagreed (不同意): give the written reasons for granting over it."),
                           field="comment")
    perform(case, trigger, actor, when=when, comment=reason, expected_version=expected_version,
            context={"reason": reason})
    flush()
    return case


def rejected_steps(case: Case) -> list[CaseStep]:
    """The departments' shares that disagreed (不同意) with the application."""
    return [s for s in case.steps if s.status == StepStatus.REJECTED]


def deliver(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
            expected_version: int | None = None) -> Case:
    """The certificate or decision is delivered (送达)."""
    perform(case, "deliver", actor, when=when, comment=comment, expected_version=expected_version)
    flush()
    return case


def close_case(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
               expected_version: int | None = None) -> Case:
    """Close (办结) a delivered or denied case (an instant case is completed on the spot); it can now be rated."""
    perform(case, definition_of(case).closing_trigger, actor, when=when, comment=comment,
            expected_version=expected_version)
    flush()
    return case


def answer_disclosure(case: Case, actor: Actor, answer_type: str, *, comment: str = "",
                      when: datetime | None = None, expected_version: int | None = None) -> Case:
    """Answer an information-disclosure request (答复): disclosed, partly, not disclosed, does not exist ..."""
    answer_type = clean_text(answer_type)
    perform(case, "answer", actor, when=when, comment=comment, expected_version=expected_version,
            context={"answer_type": answer_type}, data={"answer_type": answer_type})
    case.outcome_reason = answer_type
    flush()
    return case


def abandon_disclosure(case: Case, actor: Actor, *, comment: str = "", when: datetime | None = None,
                       expected_version: int | None = None) -> Case:
    """No supplement arrived in the time given: the request counts as abandoned (视为放弃申请)."""
    perform(case, "abandon", actor, when=when, comment=comment, expected_version=expected_version)
    flush()
    return case


def withdraw(case: Case, actor: Actor, reason: str = "", *, when: datetime | None = None,
             expected_version: int | None = None) -> Case:
    """Withdrawn by the applicant (撤回), or by a clerk on the applicant's written request."""
    perform(case, "withdraw", actor, when=when, comment=reason, expected_version=expected_version)
    flush()
    return case


def terminate(case: Case, actor: Actor, reason: str, *, when: datetime | None = None,
              expected_version: int | None = None) -> Case:
    """Terminate (终止), e.g. the materials promised at a 容缺 acceptance never arrived."""
    reason = clean_text(reason)
    perform(case, "terminate", actor, when=when, comment=reason, expected_version=expected_version,
            context={"reason": reason})
    flush()
    return case
