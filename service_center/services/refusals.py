"""Refused actions in the user's words: the errors a verb raises when the role, the state or a guard does not
allow it, with the state and what is possible now."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from workflows import GuardFailed, InvalidTransition, MissingContext, TriggerNotPermitted, WorkflowError
from workflows.engine import definition_of

from ..labels import workflow_label
from ..models import Case
from . import ServiceError


class Forbidden(ServiceError):
    """The actor's role or scope does not allow the action."""

    status_code = 403
    code = "forbidden"


class ActionNotAllowed(ServiceError):
    """The action does not fit the case's current state (or a guard does not hold)."""

    status_code = 409
    code = "invalid_transition"

    def __init__(self, message: str, *, allowed: Sequence[str] = (), field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.allowed = tuple(allowed)


_GUARD_REASONS = {
    "no_open_pause": "a special procedure is still running",
    "has_open_pause": "no special procedure is running",
    "no_pending_extension": "an extension request is already pending",
    "has_pending_extension": "there is no pending extension request",
    "no_gaps_outstanding": "materials accepted with gaps are still outstanding",
    "has_gaps_outstanding": "no materials are outstanding",
    "parallel_steps_complete": "not every department has decided yet",
}


def translate(exc: WorkflowError, case: Case, trigger: str) -> ServiceError:
    action = workflow_label(case, trigger)
    state = workflow_label(case, case.state)
    if isinstance(exc, TriggerNotPermitted):
        return Forbidden(_("Your role may not perform “%(action)s” on this case.", action=action))
    if isinstance(exc, MissingContext):
        missing = exc.missing[0] if exc.missing else None
        return ServiceError(_("“%(action)s” needs: %(fields)s.", action=action, fields=", ".join(exc.missing)),
                            field=missing)
    if isinstance(exc, GuardFailed):
        reason = _GUARD_REASONS.get(exc.guard)
        return ActionNotAllowed(_("“%(action)s” is not possible now: %(reason)s.", action=action,
                                  reason=_(reason) if reason else exc.guard))
    if isinstance(exc, InvalidTransition):
        allowed = [workflow_label(case, t) for t in exc.allowed]
        return ActionNotAllowed(
            _("“%(action)s” is not possible while the case is “%(state)s”. Possible now: %(allowed)s.",
              action=action, state=state, allowed="、".join(allowed) or _("nothing")),
            allowed=exc.allowed,
        )
    return ActionNotAllowed(str(exc))


def not_possible_now(case: Case, trigger: str) -> ServiceError:
    """The usual "not possible while the case is ..." error for ``trigger`` in ``case``'s state."""
    definition = definition_of(case)
    return translate(InvalidTransition(definition.key, definition.version, case.state, trigger,
                                        definition.triggers_from(case.state)), case, trigger)


def ensure_state_allows(case: Case, trigger: str) -> None:
    """For verbs that check rules of their own (deadlines, join rules) before firing: the state comes first."""
    if trigger not in definition_of(case).triggers_from(case.state):
        raise not_possible_now(case, trigger)


