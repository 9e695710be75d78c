"""Workflow engine for the service centre: pure Python, importable without Flask or a database.

Modules:

- :mod:`workflows.clock` -- working-day calendar (:class:`~workflows.clock.WorkCalendar`) and the deadline
  ledger (due dates from limits, pauses and extensions).
- :mod:`workflows.definitions` -- one declarative :class:`~workflows.definitions.base.WorkflowDefinition` per
  workflow kind (instant, committed, joint, forwarded, disclosure, complaint, rectification).
- :mod:`workflows.registry` -- the versioned registry of definitions (``get_definition``).
- :mod:`workflows.engine` -- one shared ``transitions.Machine`` per definition version; ``fire()`` and
  ``available_triggers()`` on unbound case objects.
- :mod:`workflows.diagrams` -- Mermaid flow charts and Markdown tables generated from the definitions.

See docs/WORKFLOWS.md for the contract the service layer codes against.
"""

from workflows.engine import (
    Fired,
    GuardFailed,
    InvalidTransition,
    MissingContext,
    TriggerNotPermitted,
    UnknownTrigger,
    UnknownWorkflow,
    WorkflowError,
    available_triggers,
    fire,
)
from workflows.registry import get_definition

__all__ = [
    "Fired",
    "GuardFailed",
    "InvalidTransition",
    "MissingContext",
    "TriggerNotPermitted",
    "UnknownTrigger",
    "UnknownWorkflow",
    "WorkflowError",
    "available_triggers",
    "fire",
    "get_definition",
]
