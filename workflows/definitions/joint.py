"""联办件 / 并联审批件 (joint): the lead department accepts, several departments review in parallel, the lead
consolidates and decides.

The parallel shares are not states: on ``start_parallel_review`` the service layer creates one step row per
department (each with its own deadline and decision); when the last step is done it fires
``complete_parallel_review`` (role ``system``, guard ``parallel_steps_complete``) and the case moves to
``consolidation``, where the lead department's head grants or denies. Extensions need the local government
head's approval (modelled by the ``manager`` role) and may total 15 working days.
"""

from __future__ import annotations

from workflows.clock import JOINT_EXTENSION
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

_REVIEW = ("parallel_review", "consolidation")
_STATES = (*RECEPTION_STATES, *_REVIEW, *DECISION_STATES, *END_STATES)


def _definition(version: int, *, exits_after_decision: bool) -> WorkflowDefinition:
    return WorkflowDefinition(
        key="joint",
        version=version,
        title="联办件",
        description="Lead department accepts; departments review in parallel (step rows); the lead decides.",
        states=_STATES,
        initial="received",
        final_states=frozenset(END_STATES),
        transitions=(
            *reception(),
            transition(
                "start_parallel_review",
                ("accepted", "accepted_with_gaps"),
                "parallel_review",
                ("clerk", "system"),
                description="Fan out: the service layer creates one review step per participating department.",
            ),
            transition(
                "complete_parallel_review",
                "parallel_review",
                "consolidation",
                ("system", "dept_head"),
                guard="parallel_steps_complete",
                description="Join: every department's step is decided; the lead department consolidates.",
            ),
            *review_internal(_REVIEW, approvers="manager"),
            *decision_and_exits(_REVIEW, decision_states=("consolidation",),
                               exits_after_decision=exits_after_decision),
        ),
        labels=dict(LICENSING_LABELS),
        extension_policy=JOINT_EXTENSION,
    )


# Version 1 allowed withdrawal and termination only before the decision; cases started on it keep that.
DEFINITION_V1 = _definition(1, exits_after_decision=False)
DEFINITION = _definition(2, exits_after_decision=True)
