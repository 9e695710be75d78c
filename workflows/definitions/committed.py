"""承诺件 (committed): the licensing lifecycle reviewed by one department within the promised time limit."""

from __future__ import annotations

from workflows.clock import STANDARD_EXTENSION
from workflows.definitions.base import transition
from workflows.definitions.licensing import CURRENT_VERSION, licensing_versions

__all__ = ["DEFINITION", "DEFINITION_V1", "DEFINITION_V2", "DEFINITION_V3"]

_REVIEW = ("under_review",)

VERSIONS = licensing_versions(
    "committed",
    "承诺件",
    "Accepted at a window, reviewed and decided by one department within the promised limit.",
    review_states=_REVIEW,
    into_review=(
        transition(
            "start_review",
            ("accepted", "accepted_with_gaps"),
            "under_review",
            ("clerk", "system"),
            automatic=True,
            description="Hand the accepted case to the department's reviewers (gaps may be outstanding).",
        ),
    ),
    approvers="dept_head",
    decision_states=_REVIEW,
    extension_policy=STANDARD_EXTENSION,
)
DEFINITION_V1 = VERSIONS[1]
DEFINITION_V2 = VERSIONS[2]
DEFINITION_V3 = VERSIONS[3]
DEFINITION = VERSIONS[CURRENT_VERSION]
