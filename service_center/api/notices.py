"""A notice the applicant is owed, as data: the facts its printed sheet states (views.cases.notices)."""

from __future__ import annotations

from ..models import Case, CaseOutcome
from ..views.cases.notices import notice_facts, supplement_explanation, tracking_url


def notice_data(case: Case, kind: str, title: str) -> dict:
    facts = notice_facts(case, kind)
    reason = ""
    if kind == "supplement":
        reason = supplement_explanation(case)
    elif kind in ("refusal", "decision") and case.outcome != CaseOutcome.GRANTED:
        reason = case.outcome_reason
    elif kind == "special_procedure" and facts.pause is not None:
        reason = facts.pause.reason
    elif kind == "extension" and facts.extension is not None:
        reason = facts.extension.reason
    due_on = facts.commitment.due if kind == "gaps" and facts.commitment else None
    return {
        "kind": kind, "title": title, "number": case.number, "applicant_name": case.applicant_name,
        "item_name": case.item.name if case.item else None, "department": case.department.name,
        "issued_on": facts.issued_on, "materials": [{"name": m.name, "defect": m.defect} for m in facts.materials],
        "reason": reason or "", "due_on": due_on, "tracking_url": tracking_url(case),
    }
