"""Workflow definitions, one module per workflow kind.

Each module exposes ``DEFINITION`` (its current version). :data:`BUILTIN_DEFINITIONS` lists every released
version; :mod:`workflows.registry` registers them all. When a definition changes, add the new version next to
the old one (e.g. keep ``DEFINITION_V1`` in the module and append it here) so running cases keep theirs.
"""

from __future__ import annotations

from workflows.definitions import (
    committed,
    complaint,
    disclosure,
    forwarded,
    instant,
    joint,
    rectification,
)
from workflows.definitions.base import (
    CLOCK_EFFECTS,
    ROLES,
    ClockEffect,
    DefinitionError,
    TransitionSpec,
    WorkflowDefinition,
    transition,
)

__all__ = [
    "BUILTIN_DEFINITIONS",
    "CLOCK_EFFECTS",
    "ROLES",
    "ClockEffect",
    "DefinitionError",
    "TransitionSpec",
    "WorkflowDefinition",
    "transition",
]

BUILTIN_DEFINITIONS: tuple[WorkflowDefinition, ...] = (
    instant.DEFINITION_V1,
    committed.DEFINITION_V1,
    joint.DEFINITION_V1,
    forwarded.DEFINITION_V1,
    disclosure.DEFINITION_V1,
    disclosure.DEFINITION_V2,
    committed.DEFINITION_V2,
    joint.DEFINITION_V2,
    forwarded.DEFINITION_V2,
    committed.DEFINITION_V3,
    joint.DEFINITION_V3,
    forwarded.DEFINITION_V3,
    instant.DEFINITION_V2,
    instant.DEFINITION,
    committed.DEFINITION,
    joint.DEFINITION,
    forwarded.DEFINITION,
    disclosure.DEFINITION,
    complaint.DEFINITION,
    rectification.DEFINITION,
)
