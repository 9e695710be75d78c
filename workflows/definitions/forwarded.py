"""上报件 (forwarded): the lower level accepts and reviews, then forwards upward; the upper level decides."""

from __future__ import annotations

from workflows.clock import STANDARD_EXTENSION
from workflows.definitions.base import transition
from workflows.definitions.licensing import CURRENT_VERSION, licensing_versions

__all__ = ["DEFINITION", "DEFINITION_V1", "DEFINITION_V2", "DEFINITION_V3"]

_REVIEW = ("under_review", "forwarded_review")

VERSIONS = licensing_versions(
    "forwarded",
    "上报件",
    "The lower level reviews and forwards (上报); the upper level reviews and decides.",
    review_states=_REVIEW,
    into_review=(
        transition(
            "start_review",
            ("accepted", "accepted_with_gaps"),
            "under_review",
            ("clerk", "system"),
            automatic=True,
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
    ),
    approvers="dept_head",
    decision_states=("forwarded_review",),
    extension_policy=STANDARD_EXTENSION,
)
DEFINITION_V1 = VERSIONS[1]
DEFINITION_V2 = VERSIONS[2]
DEFINITION_V3 = VERSIONS[3]
DEFINITION = VERSIONS[CURRENT_VERSION]
