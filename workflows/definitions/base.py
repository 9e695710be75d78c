"""Declarative building blocks of a workflow definition (流程定义).

A definition is data: states, an initial state, final states, and transitions with the roles allowed to fire
them, optional guards, required context keys and the effect on the deadline clock. The engine
(:mod:`workflows.engine`) turns a definition into one shared ``transitions.Machine``; the diagrams module
turns it into a flow chart. A running case stores ``workflow_key`` + ``workflow_version`` and keeps the
version it started on: changing a definition means registering a new version, never editing a released one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from workflows.clock import NO_EXTENSION, ExtensionPolicy

__all__ = [
    "CASE_KINDS",
    "CLOCK_EFFECTS",
    "NOTICE_KINDS",
    "SPECIAL_PROCEDURES",
    "CaseKind",
    "RESERVED_NAMES",
    "ROLES",
    "ClockEffect",
    "DefinitionError",
    "TransitionSpec",
    "WorkflowDefinition",
    "transition",
]

ROLES: frozenset[str] = frozenset(
    {"clerk", "reviewer", "dept_head", "manager", "supervisor", "admin", "applicant", "system"}
)
"""Role names. ``system``: the scheduler or the service layer acting on its own (deemed acceptance, joins)."""

ClockEffect = Literal["start", "pause", "resume", "extend", "stop"]
CLOCK_EFFECTS: frozenset[str] = frozenset({"start", "pause", "resume", "extend", "stop"})

CaseKind = Literal["application", "complaint", "rectification"]
CASE_KINDS: frozenset[str] = frozenset({"application", "complaint", "rectification"})

NOTICE_KINDS: tuple[str, ...] = (
    "receipt", "supplement", "refusal", "acceptance", "gaps", "special_procedure", "extension", "decision",
)
"""Written notices in the order they are issued: receipt slip (收件凭证), one-time supplement (一次性告知书),
refusal (不予受理通知书), acceptance (受理通知书), acceptance with gaps (容缺受理告知书), special procedure
(特别程序告知书), extension (延长期限告知书), decision (准予 / 不予行政许可决定书). The receipt slip is printed at
receipt, not by a transition: declaring it on a released version changes none of its behaviour."""

SPECIAL_PROCEDURES: tuple[str, ...] = (
    "hearing", "tendering", "auction", "inspection", "testing", "quarantine", "appraisal", "expert_review",
)
"""The special procedures of Art. 45 that stop a licensing case's clock:
听证 招标 拍卖 检验 检测 检疫 鉴定 专家评审."""

# transitions binds these on models; a state or trigger must not collide with a case attribute it may bind.
RESERVED_NAMES: frozenset[str] = frozenset(
    {"state", "trigger", "may_trigger", "workflow_key", "workflow_version"}
)
_RESERVED_PREFIXES = ("to_", "is_", "may_")


class DefinitionError(ValueError):
    """A workflow definition is inconsistent (unknown state, unreachable state, missing label ...)."""


@dataclass(frozen=True, slots=True)
class TransitionSpec:
    """One transition of a definition.

    Attributes:
        trigger: event name (snake_case English), e.g. ``accept``.
        sources: states the trigger may fire from.
        dest: the state after; ``None`` for an *internal* transition (no state change, e.g. a pause).
        roles: roles allowed to fire it.
        guards: names of conditions that must all hold (see :mod:`workflows.engine` for how they resolve).
        clock: effect on the deadline clock the service layer applies: ``start`` (clock starts today),
            ``pause`` / ``resume`` (open / close a Pause row), ``extend`` (add the approved Extension),
            ``stop`` (the count ends: decision, answer, withdrawal ...), or ``None``.
        requires: context keys that must be present and non-empty (e.g. ``reason`` for a refusal).
        description: what the transition means, for docs and audit screens.
        accepts: the case is accepted (受理) with this transition: its acceptance date is the clock's start.
        outcome: the outcome it records on the case (``granted``, ``withdrawn`` ...), or ``None``.
        decides: the decision or answer is made: the decision clock stops (``decided_on``), with ``outcome``.
        reopens: the decision is taken back (a rectification sent back): the clock runs on.
        delivers: the result is handed over with this transition (an instant case completed on the spot).
        owes_delivery: after it the result must be delivered within the delivery limit (a grant, Art. 44).
        automatic: the system fires it as soon as the case reaches a source state (never offered by hand).
        limit_days: the limit (promised and statutory) that a ``start`` of the clock counts from now on.
    """

    trigger: str
    sources: tuple[str, ...]
    dest: str | None
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    clock: ClockEffect | None = None
    requires: tuple[str, ...] = ()
    description: str = ""
    accepts: bool = False
    outcome: str | None = None
    decides: bool = False
    reopens: bool = False
    delivers: bool = False
    owes_delivery: bool = False
    automatic: bool = False
    limit_days: int | None = None

    @property
    def internal(self) -> bool:
        """True for an internal transition (``dest is None``): the state does not change."""
        return self.dest is None

    @property
    def guard(self) -> str | None:
        """The guards as one string (``"a and b"``), or ``None``; for display."""
        return " and ".join(self.guards) or None


def transition(
    trigger: str,
    sources: str | Iterable[str],
    dest: str | None,
    roles: str | Iterable[str],
    *,
    guard: str | Iterable[str] | None = None,
    clock: ClockEffect | None = None,
    requires: str | Iterable[str] = (),
    description: str = "",
    **effects: object,
) -> TransitionSpec:
    """Convenience constructor for :class:`TransitionSpec` accepting single strings or iterables; ``effects``
    are its remaining fields (``outcome``, ``decides`` ...)."""

    def _tuple(v: str | Iterable[str] | None) -> tuple[str, ...]:
        if v is None:
            return ()
        return (v,) if isinstance(v, str) else tuple(v)

    return TransitionSpec(
        trigger=trigger,
        sources=_tuple(sources),
        dest=dest,
        roles=frozenset(_tuple(roles)),
        guards=_tuple(guard),
        clock=clock,
        requires=_tuple(requires),
        description=description,
        **effects,  # type: ignore[arg-type]
    )


@dataclass(frozen=True, eq=False)
class WorkflowDefinition:
    """A versioned workflow definition (compared by identity).

    Attributes:
        key: workflow kind, e.g. ``committed``; stored on the case as ``workflow_key``.
        version: positive integer; stored on the case as ``workflow_version``.
        title: Chinese title (e.g. 承诺件).
        states: all state names, in display order.
        initial: the state a new case starts in.
        final_states: states with no way out (closed, withdrawn ...).
        transitions: the transitions, in display order.
        labels: Chinese label for every state and trigger name (the app translates further).
        extension_policy: how far a case of this kind may be extended (see
            :func:`workflows.clock.validate_extension`).
        kind: what the case is: an ``application`` (办件), a ``complaint`` or a ``rectification`` task; counts
            and rates of applications never include the other two.
        oversight_only: only the supervision office and managers see such cases (complaints about staff).
        clock_starts: ``acceptance`` (the count starts when the case is accepted) or ``receipt`` (it runs from
            the day the case is received: disclosure requests, complaints, rectifications).
        notice_days: working days after receipt within which a notice to supplement may go out (补正告知), or
            ``None`` when the kind has no such notice.
        deems_acceptance: when the notice period ends with no notice, the case counts as accepted as of its
            receipt (视为受理, Art. 32).
        receipt_limit_days: the limit counted from receipt when the definition fixes it (complaints,
            rectifications); ``None``: the item's limits.
        procedures: the special procedures (clock stops) a case of this kind may take.
        notices: the written notices the applicant is owed (see ``NOTICE_KINDS``).
        step_states: states in which departments decide their parallel shares (并联审批); entering one fans
            the case out to one step per department.
        closing_trigger: the trigger that closes a finished case (办结).
        renewal_trigger: for kinds that renew licences (延续, Art. 50): the system's trigger that grants a renewal
            still undecided when the licence expires; ``None`` for kinds without renewals.
        supplement_days: the working days the applicant has to supplement after the notice to supplement
            (补正期限, counted from the day after the notice); ``None``: no deadline the system enforces.
        abandon_trigger: the system's trigger that ends a request whose supplement did not arrive within
            ``supplement_days`` (视为放弃申请); fired by the ``disclosure.abandoned`` job.
        online_review_states: the states in which an application made online (网上申报) waits for the window's
            pre-review (网上预审): the window accepts it, sends the one-time notice or refuses it there, by the
            same transitions as at the counter. Empty: the kind is not applied for online. It governs new
            cases only (they take the latest version); a case keeps the version it was opened on.
    """

    key: str
    version: int
    title: str
    states: tuple[str, ...]
    initial: str
    final_states: frozenset[str]
    transitions: tuple[TransitionSpec, ...]
    labels: Mapping[str, str] = field(default_factory=dict)
    extension_policy: ExtensionPolicy = NO_EXTENSION
    description: str = ""
    kind: CaseKind = "application"
    oversight_only: bool = False
    clock_starts: Literal["acceptance", "receipt"] = "acceptance"
    notice_days: int | None = None
    deems_acceptance: bool = False
    receipt_limit_days: int | None = None
    procedures: tuple[str, ...] = ()
    notices: frozenset[str] = frozenset()
    step_states: frozenset[str] = frozenset()
    closing_trigger: str = "close"
    renewal_trigger: str | None = None
    supplement_days: int | None = None
    abandon_trigger: str | None = None
    online_review_states: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(self.states))
        object.__setattr__(self, "final_states", frozenset(self.final_states))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        object.__setattr__(self, "notices", frozenset(self.notices))
        object.__setattr__(self, "step_states", frozenset(self.step_states))
        object.__setattr__(self, "procedures", tuple(self.procedures))
        object.__setattr__(self, "online_review_states", frozenset(self.online_review_states))
        used = set(self.states) | {t.trigger for t in self.transitions}
        object.__setattr__(
            self, "labels", MappingProxyType({k: v for k, v in self.labels.items() if k in used})
        )
        index: dict[tuple[str, str], TransitionSpec] = {}
        for spec in self.transitions:
            for source in spec.sources:
                index[(source, spec.trigger)] = spec
        object.__setattr__(self, "_index", index)
        self.validate()

    def __repr__(self) -> str:
        return f"<WorkflowDefinition {self.key} v{self.version} {self.title}>"

    # -- lookups ---------------------------------------------------------------------------------------------

    @property
    def triggers(self) -> tuple[str, ...]:
        """All trigger names, in definition order, without duplicates."""
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    @property
    def open_states(self) -> tuple[str, ...]:
        """States that are not final, in display order."""
        return tuple(s for s in self.states if s not in self.final_states)

    def find(self, state: str, trigger: str) -> TransitionSpec | None:
        """The transition for ``trigger`` from ``state``, or ``None``."""
        return self._index.get((state, trigger))  # type: ignore[attr-defined]

    def transitions_from(self, state: str) -> tuple[TransitionSpec, ...]:
        """Transitions that may fire from ``state``, in definition order."""
        return tuple(t for t in self.transitions if state in t.sources)

    def triggers_from(self, state: str) -> tuple[str, ...]:
        """Trigger names defined from ``state`` (for any role), in definition order."""
        return tuple(t.trigger for t in self.transitions_from(state))

    def clock_trigger(self, state: str, effect: ClockEffect) -> str | None:
        """The internal trigger from ``state`` with this clock effect (a special procedure's start or end)."""
        return next((t.trigger for t in self.transitions_from(state) if t.internal and t.clock == effect), None)

    def automatic_from(self, state: str) -> TransitionSpec | None:
        """The transition the system fires as soon as a case reaches ``state`` (e.g. into review), if any."""
        return next((t for t in self.transitions_from(state) if t.automatic), None)

    @property
    def accepts_online(self) -> bool:
        """Applications of this kind may be made online (网上申报), then pre-reviewed at the window."""
        return bool(self.online_review_states)

    @property
    def manual_triggers(self) -> tuple[str, ...]:
        """Triggers people fire by hand: every trigger but the automatic ones."""
        automatic = {t.trigger for t in self.transitions if t.automatic}
        return tuple(t for t in self.triggers if t not in automatic)

    def label(self, name: str) -> str:
        """Chinese label of a state or trigger (the name itself if none)."""
        return self.labels.get(name, name)

    # -- validation ------------------------------------------------------------------------------------------

    def validate(self) -> None:
        """Raise :class:`DefinitionError` if the definition is inconsistent."""
        where = f"{self.key} v{self.version}"
        if self.version < 1:
            raise DefinitionError(f"{where}: version must be >= 1")
        states = set(self.states)
        if len(states) != len(self.states):
            raise DefinitionError(f"{where}: duplicate state names")
        if self.initial not in states:
            raise DefinitionError(f"{where}: initial state {self.initial!r} is not a state")
        if not self.final_states <= states:
            raise DefinitionError(f"{where}: unknown final states {sorted(self.final_states - states)}")
        triggers = set(self.triggers)
        for name in states | triggers:
            if name in RESERVED_NAMES or name.startswith(_RESERVED_PREFIXES) or not name.isidentifier():
                raise DefinitionError(f"{where}: {name!r} is not allowed as a state or trigger name")
            if name not in self.labels:
                raise DefinitionError(f"{where}: {name!r} has no label")
        if states & triggers:
            raise DefinitionError(
                f"{where}: names used as both state and trigger: {sorted(states & triggers)}"
            )
        seen: set[tuple[str, str]] = set()
        for spec in self.transitions:
            if not spec.sources:
                raise DefinitionError(f"{where}: {spec.trigger} has no source state")
            if spec.dest is not None and spec.dest not in states:
                raise DefinitionError(f"{where}: {spec.trigger} goes to unknown state {spec.dest!r}")
            if not spec.roles or not spec.roles <= ROLES:
                raise DefinitionError(f"{where}: {spec.trigger} has unknown or no roles {sorted(spec.roles)}")
            if spec.clock is not None and spec.clock not in CLOCK_EFFECTS:
                raise DefinitionError(f"{where}: {spec.trigger} has unknown clock effect {spec.clock!r}")
            for source in spec.sources:
                if source not in states:
                    raise DefinitionError(f"{where}: {spec.trigger} from unknown state {source!r}")
                if source in self.final_states:
                    raise DefinitionError(f"{where}: {spec.trigger} leaves final state {source!r}")
                if (source, spec.trigger) in seen:
                    raise DefinitionError(f"{where}: {spec.trigger} defined twice from {source!r}")
                seen.add((source, spec.trigger))
        # Every state reachable from the initial one; every open state can reach a final one.
        edges: dict[str, set[str]] = {s: set() for s in states}
        for spec in self.transitions:
            if spec.dest is not None:
                for source in spec.sources:
                    edges[source].add(spec.dest)
        reachable = _closure([self.initial], edges)
        if reachable != states:
            raise DefinitionError(f"{where}: unreachable states {sorted(states - reachable)}")
        for s in self.open_states:
            if not _closure([s], edges) & self.final_states:
                raise DefinitionError(f"{where}: no way from {s!r} to a final state")
        if not self.final_states:
            raise DefinitionError(f"{where}: no final state")
        if self.kind not in CASE_KINDS:
            raise DefinitionError(f"{where}: unknown kind {self.kind!r}")
        if not self.step_states <= states:
            raise DefinitionError(f"{where}: unknown step states {sorted(self.step_states - states)}")
        if not self.online_review_states <= set(self.open_states) or (
                self.online_review_states and self.initial not in self.online_review_states):
            raise DefinitionError(f"{where}: online review states must be open states, the initial one among them")
        if not self.notices <= set(NOTICE_KINDS):
            raise DefinitionError(f"{where}: unknown notices {sorted(self.notices - set(NOTICE_KINDS))}")
        if self.closing_trigger not in triggers:
            raise DefinitionError(f"{where}: closing trigger {self.closing_trigger!r} is not a trigger")
        if self.renewal_trigger is not None and self.renewal_trigger not in triggers:
            raise DefinitionError(f"{where}: renewal trigger {self.renewal_trigger!r} is not a trigger")
        if (self.supplement_days is None) != (self.abandon_trigger is None):
            raise DefinitionError(f"{where}: supplement_days and abandon_trigger go together")
        if self.abandon_trigger is not None and not any(
            t.trigger == self.abandon_trigger and "system" in t.roles and not t.internal for t in self.transitions
        ):
            raise DefinitionError(f"{where}: abandon trigger {self.abandon_trigger!r} is not a system transition")
        if self.deems_acceptance and (self.notice_days is None or self.clock_starts != "acceptance"):
            raise DefinitionError(f"{where}: deemed acceptance needs a notice period and a clock started at "
                                  "acceptance")


def _closure(start: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
