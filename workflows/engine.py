"""The workflow engine: one shared ``transitions.Machine`` per definition version, fired on unbound cases.

A *case* is any object with ``state``, ``workflow_key`` and ``workflow_version`` attributes (the SQLAlchemy
model, a dataclass, a ``SimpleNamespace`` ...). It is never added to a Machine, so transitions binds nothing
on it; the engine fires ``machine.events[trigger].trigger(case)``, which reads and writes ``case.state``.

Checks made by :func:`fire`, in order (each raises a :class:`WorkflowError` subclass):

1. the case's definition exists (:class:`UnknownWorkflow`) and has the trigger (:class:`UnknownTrigger`);
2. the trigger is defined from the case's current state (:class:`InvalidTransition`, naming the state and the
   triggers allowed there);
3. one of the caller's roles may fire it (:class:`TriggerNotPermitted`);
4. every ``requires`` key is in the context and not empty (:class:`MissingContext`);
5. every guard holds (:class:`GuardFailed`).

Guards are names resolved, in this order, from (a) ``context[name]``, (b) the case attribute ``name``
(called if callable), (c) for ``no_X`` the negation of ``has_X`` resolved by (a)/(b), and for ``has_X`` the
negation of ``no_X``. A guard that resolves to nothing fails closed (``GuardFailed.undetermined``).
Guard names in the built-in definitions: ``no_open_pause`` / ``has_open_pause``, ``no_pending_extension`` /
``has_pending_extension``, ``no_gaps_outstanding`` / ``has_gaps_outstanding``, ``parallel_steps_complete``.

The engine changes ``case.state`` only; the caller (the service layer) applies the returned transition's
clock effect, appends the event row and flushes, inside one transaction. transitions does not roll a state
back when something after it fails: let the transaction roll back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from transitions import Machine

from workflows.definitions.base import ClockEffect, TransitionSpec, WorkflowDefinition
from workflows.errors import (
    GuardFailed,
    InvalidTransition,
    MissingContext,
    TriggerNotPermitted,
    UnknownTrigger,
    UnknownWorkflow,
    WorkflowError,
)
from workflows.registry import get_definition

__all__ = [
    "CaseLike",
    "Fired",
    "GuardFailed",
    "InvalidTransition",
    "MissingContext",
    "TriggerNotPermitted",
    "UnknownTrigger",
    "UnknownWorkflow",
    "WorkflowError",
    "available_triggers",
    "can_fire",
    "clear_machine_cache",
    "definition_of",
    "evaluate_guard",
    "fire",
    "machine_for",
]


class CaseLike(Protocol):
    """What the engine needs from a case."""

    state: str
    workflow_key: str
    workflow_version: int


@dataclass(frozen=True, slots=True)
class Fired:
    """The result of :func:`fire`: the transition that fired, and the states before and after.

    ``dest`` equals ``source`` for an internal transition. ``clock`` is the effect the service layer applies.
    """

    definition: WorkflowDefinition = field(repr=False)
    spec: TransitionSpec
    source: str
    dest: str

    @property
    def trigger(self) -> str:
        """The trigger that fired."""
        return self.spec.trigger

    @property
    def clock(self) -> ClockEffect | None:
        """The transition's clock effect (``start``, ``pause``, ``resume``, ``extend``, ``stop``) or None."""
        return self.spec.clock

    @property
    def internal(self) -> bool:
        """True if the state did not change."""
        return self.spec.internal


# -- machines ------------------------------------------------------------------------------------------------

_machines: dict[tuple[str, int], tuple[WorkflowDefinition, Machine]] = {}
_machines_lock = threading.Lock()


def _build_machine(definition: WorkflowDefinition) -> Machine:
    return Machine(
        model=None,
        states=[{"name": s, "final": s in definition.final_states} for s in definition.states],
        initial=definition.initial,
        transitions=[
            {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in definition.transitions
        ],
        auto_transitions=False,
        model_attribute="state",
        name=f"{definition.key} v{definition.version}",
    )


def machine_for(definition: WorkflowDefinition) -> Machine:
    """The shared Machine of a definition version, built on first use and cached (one per key + version)."""
    key = (definition.key, definition.version)
    entry = _machines.get(key)
    if entry is not None and entry[0] is definition:
        return entry[1]
    with _machines_lock:
        entry = _machines.get(key)
        if entry is None or entry[0] is not definition:
            entry = (definition, _build_machine(definition))
            _machines[key] = entry
        return entry[1]


def clear_machine_cache() -> None:
    """Forget every cached Machine (tests only)."""
    with _machines_lock:
        _machines.clear()


# -- helpers -------------------------------------------------------------------------------------------------

_MISSING = object()


def definition_of(case: CaseLike) -> WorkflowDefinition:
    """The definition version a case runs on (``case.workflow_key`` / ``case.workflow_version``)."""
    return get_definition(case.workflow_key, case.workflow_version)


def _roles(role: str | Iterable[str]) -> frozenset[str]:
    return frozenset((role,)) if isinstance(role, str) else frozenset(role)


def _lookup(name: str, case: object, context: Mapping[str, Any]) -> object:
    if name in context:
        return bool(context[name])
    value = getattr(case, name, _MISSING)
    if value is _MISSING:
        return _MISSING
    return bool(value() if callable(value) else value)


def evaluate_guard(name: str, case: object, context: Mapping[str, Any] | None = None) -> bool | None:
    """Evaluate a guard name against the context and the case; None if nothing supplies it.

    Resolution: ``context[name]``, then ``case.name`` (called if callable), then the negation of the
    ``has_``/``no_`` twin (``no_open_pause`` is ``not has_open_pause``).
    """
    context = context or {}
    value = _lookup(name, case, context)
    if value is _MISSING:
        twin = None
        if name.startswith("no_"):
            twin = "has_" + name[3:]
        elif name.startswith("has_"):
            twin = "no_" + name[4:]
        if twin is not None:
            value = _lookup(twin, case, context)
            if value is not _MISSING:
                value = not value
    return None if value is _MISSING else bool(value)


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return bool(value)
    return True


def _find(definition: WorkflowDefinition, state: str, trigger: str) -> TransitionSpec:
    if state not in definition.states:
        raise InvalidTransition(
            definition.key,
            definition.version,
            state,
            trigger,
            (),
            f"{definition.key} v{definition.version}: case is in unknown state {state!r}",
        )
    if trigger not in definition.triggers:
        raise UnknownTrigger(
            definition.key,
            definition.version,
            state,
            trigger,
            definition.triggers_from(state),
            f"{definition.key} v{definition.version} has no trigger {trigger!r}; allowed in state {state!r}: "
            f"{', '.join(definition.triggers_from(state)) or 'nothing (final state)'}",
        )
    spec = definition.find(state, trigger)
    if spec is None:
        raise InvalidTransition(
            definition.key, definition.version, state, trigger, definition.triggers_from(state)
        )
    return spec


def _check(
    spec: TransitionSpec, case: CaseLike, state: str, roles: frozenset[str], context: Mapping[str, Any]
) -> None:
    if not roles & spec.roles:
        raise TriggerNotPermitted(state, spec.trigger, roles, spec.roles)
    missing = [k for k in spec.requires if not _filled(context.get(k))]
    if missing:
        raise MissingContext(spec.trigger, missing)
    for guard in spec.guards:
        result = evaluate_guard(guard, case, context)
        if not result:
            raise GuardFailed(state, spec.trigger, guard, undetermined=result is None)


# -- public API ----------------------------------------------------------------------------------------------


def fire(
    case: CaseLike,
    trigger: str,
    role: str | Iterable[str],
    context: Mapping[str, Any] | None = None,
) -> Fired:
    """Fire ``trigger`` on ``case`` as ``role`` (one role name, or the user's roles); return what fired.

    ``context`` carries the guard values and the required keys (``reason``, ``missing_materials`` ...) the
    service layer collected. On success ``case.state`` is the new state (unchanged for an internal
    transition). Raises a :class:`WorkflowError` subclass and leaves ``case.state`` unchanged on failure.
    """
    context = context or {}
    definition = definition_of(case)
    source = case.state
    spec = _find(definition, source, trigger)
    _check(spec, case, source, _roles(role), context)
    machine = machine_for(definition)
    if not machine.events[trigger].trigger(case):  # pragma: no cover - no machine conditions are defined
        raise InvalidTransition(
            definition.key, definition.version, source, trigger, definition.triggers_from(source)
        )
    return Fired(definition=definition, spec=spec, source=source, dest=case.state)


def can_fire(
    case: CaseLike,
    trigger: str,
    role: str | Iterable[str],
    context: Mapping[str, Any] | None = None,
) -> bool:
    """True if :func:`fire` would succeed with the same arguments (required keys included)."""
    try:
        definition = definition_of(case)
        spec = _find(definition, case.state, trigger)
        _check(spec, case, case.state, _roles(role), context or {})
    except WorkflowError:
        return False
    return True


def available_triggers(
    case: CaseLike,
    role: str | Iterable[str],
    context: Mapping[str, Any] | None = None,
) -> list[str]:
    """Triggers ``role`` may fire on ``case`` now, in definition order (for the action buttons).

    Role and guards are checked (an undetermined guard hides the trigger); ``requires`` keys are not, since
    they are usually what the form collects.
    """
    context = context or {}
    definition = definition_of(case)
    roles = _roles(role)
    result = []
    for spec in definition.transitions_from(case.state):
        if roles & spec.roles and all(evaluate_guard(g, case, context) for g in spec.guards):
            result.append(spec.trigger)
    return result
