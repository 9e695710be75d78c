"""Exceptions raised by the workflow engine and registry (all subclass :class:`WorkflowError`)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "GuardFailed",
    "InvalidTransition",
    "MissingContext",
    "TriggerNotPermitted",
    "UnknownTrigger",
    "UnknownWorkflow",
    "WorkflowError",
]


class WorkflowError(Exception):
    """Base class of every workflow error (the service layer maps it to a 409 / form error)."""


class UnknownWorkflow(WorkflowError, LookupError):
    """No definition is registered under that key (and version)."""


class InvalidTransition(WorkflowError):
    """The trigger cannot fire from the case's current state.

    Attributes: ``workflow_key``, ``workflow_version``, ``state`` (the current state), ``trigger``, and
    ``allowed`` (the triggers defined from that state, for any role, in definition order).
    """

    def __init__(
        self,
        workflow_key: str,
        workflow_version: int,
        state: str,
        trigger: str,
        allowed: Iterable[str],
        message: str | None = None,
    ) -> None:
        self.workflow_key = workflow_key
        self.workflow_version = workflow_version
        self.state = state
        self.trigger = trigger
        self.allowed = tuple(allowed)
        super().__init__(
            message
            or (
                f"{workflow_key} v{workflow_version}: cannot {trigger!r} from state {state!r}; "
                f"allowed there: {', '.join(self.allowed) or 'nothing (final state)'}"
            )
        )


class UnknownTrigger(InvalidTransition):
    """The trigger does not exist in the case's definition at all."""


class TriggerNotPermitted(WorkflowError):
    """The role(s) may not fire this trigger. Attributes: ``state``, ``trigger``, ``roles``, ``permitted``."""

    def __init__(self, state: str, trigger: str, roles: Iterable[str], permitted: Iterable[str]) -> None:
        self.state = state
        self.trigger = trigger
        self.roles = tuple(sorted(roles))
        self.permitted = tuple(sorted(permitted))
        super().__init__(
            f"role {'/'.join(self.roles) or '(none)'} may not {trigger!r} in state {state!r}; "
            f"permitted: {', '.join(self.permitted)}"
        )


class GuardFailed(WorkflowError):
    """A guard of the transition is false (or could not be determined).

    Attributes: ``state``, ``trigger``, ``guard`` (its name), ``undetermined`` (True if neither the context
    nor the case supplied a value).
    """

    def __init__(self, state: str, trigger: str, guard: str, undetermined: bool = False) -> None:
        self.state = state
        self.trigger = trigger
        self.guard = guard
        self.undetermined = undetermined
        if undetermined:
            detail = (
                f"guard {guard!r} could not be evaluated: pass context[{guard!r}] or give the case an "
                f"attribute {guard!r}"
            )
        else:
            detail = f"guard {guard!r} is false"
        super().__init__(f"cannot {trigger!r} from state {state!r}: {detail}")


class MissingContext(WorkflowError):
    """Required context keys are missing or empty. Attributes: ``trigger``, ``missing``."""

    def __init__(self, trigger: str, missing: Iterable[str]) -> None:
        self.trigger = trigger
        self.missing = tuple(missing)
        super().__init__(f"{trigger!r} needs {', '.join(self.missing)} in the context")
