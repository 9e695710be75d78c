"""上报件 (forwarded): the lower level accepts and reviews, then forwards upward; the upper level decides."""

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

_REVIEW = ("under_review", "forwarded_review")
_STATES = (*RECEPTION_STATES, *_REVIEW, *DECISION_STATES, *END_STATES)


def _definition(version: int, *, exits_after_decision: bool) -> WorkflowDefinition:
    return WorkflowDefinition(
        key="forwarded",
        version=version,
        title="上报件",
        description="The lower level reviews and forwards (上报); the upper level reviews and decides.",
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
                description="Hand the accepted case to the lower level's reviewers.",
            ),
            transition(
                "forward",
                "under_review",
                "forwarded_review",
                ("reviewer", "dept_head"),
                guard="no_open_pause",
                description="Forward (上报) the reviewed case to the upper level with the lower level's opinion.",
            ),
            transition(
                "return_to_lower",
                "forwarded_review",
                "under_review",
                ("reviewer", "dept_head"),
                requires="reason",
                description="The upper level sends the case back to the lower level for more review.",
            ),
            *review_internal(_REVIEW, approvers="dept_head"),
            *decision_and_exits(_REVIEW, decision_states=("forwarded_review",),
                               exits_after_decision=exits_after_decision),
        ),
        labels=dict(LICENSING_LABELS),
        extension_policy=STANDARD_EXTENSION,
    )


# Version 1 allowed withdrawal and termination only before the decision; cases started on it keep that.
DEFINITION_V1 = _definition(1, exits_after_decision=False)
DEFINITION = _definition(2, exits_after_decision=True)
