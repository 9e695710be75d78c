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
from workflows.definitions.base import transition
from workflows.definitions.licensing import CURRENT_VERSION, licensing_versions

__all__ = ["DEFINITION", "DEFINITION_V1", "DEFINITION_V2", "DEFINITION_V3"]

_REVIEW = ("parallel_review", "consolidation")

VERSIONS = licensing_versions(
    "joint",
    "联办件",
    "Lead department accepts; departments review in parallel (step rows); the lead decides.",
    review_states=_REVIEW,
    into_review=(
        transition(
            "start_parallel_review",
            ("accepted", "accepted_with_gaps"),
            "parallel_review",
            ("clerk", "system"),
            automatic=True,
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
    ),
    approvers="manager",
    decision_states=("consolidation",),
    extension_policy=JOINT_EXTENSION,
    step_states=("parallel_review",),
)
DEFINITION_V1 = VERSIONS[1]
DEFINITION_V2 = VERSIONS[2]
DEFINITION_V3 = VERSIONS[3]
DEFINITION = VERSIONS[CURRENT_VERSION]
