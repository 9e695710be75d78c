"""承诺件 (committed): the licensing lifecycle reviewed by one department within the promised time limit."""

from __future__ import annotations

from workflows.clock import STANDARD_EXTENSION
from workflows.definitions.base import WorkflowDefinition, transition
from workflows.definitions.licensing import (
    DECISION_STATES,
    END_STATES,
    LICENSING_LABELS,
    RECEPTION_STATES,
    decision_and_exits,
    reception,
    review_internal,
)

__all__ = ["DEFINITION", "DEFINITION_V1"]

_REVIEW = ("under_review",)
_STATES = (*RECEPTION_STATES, *_REVIEW, *DECISION_STATES, *END_STATES)


def _definition(version: int, *, exits_after_decision: bool) -> WorkflowDefinition:
    return WorkflowDefinition(
        key="committed",
        version=version,
        title="承诺件",
        description="Accepted at a window, reviewed and decided by one department within the promised limit.",
        states=_STATES,
        initial="received",
        final_states=frozenset(END_STATES),
        transitions=(
            *reception(),
            transition(
                "start_review",
                ("accepted", "accepted_with_gaps"),
                "under_review",
                ("clerk", "system"),
                description="Hand the accepted case to the department's reviewers (gaps may be outstanding).",
            ),
            *review_internal(_REVIEW, approvers="dept_head"),
            *decision_and_exits(_REVIEW, decision_states=_REVIEW,
                               exits_after_decision=exits_after_decision),
        ),
        labels=dict(LICENSING_LABELS),
        extension_policy=STANDARD_EXTENSION,
    )


# Version 1 allowed withdrawal and termination only before the decision; cases started on it keep that.
DEFINITION_V1 = _definition(1, exits_after_decision=False)
DEFINITION = _definition(2, exits_after_decision=True)
