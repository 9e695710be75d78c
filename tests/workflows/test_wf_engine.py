"""The engine: errors, guards, roles, versioning, the shared Machine cache, import isolation."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import workflows.engine as engine
from workflows.definitions import BUILTIN_DEFINITIONS, committed
from workflows.definitions.base import DefinitionError, WorkflowDefinition, transition
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
    can_fire,
    evaluate_guard,
    fire,
    machine_for,
)
from workflows.registry import all_definitions, get_definition, latest_version, register, unregister, versions

ROOT = Path(__file__).resolve().parents[2]


def case(
    key: str = "committed", state: str = "received", version: int = 1, **attrs: object
) -> SimpleNamespace:
    return SimpleNamespace(state=state, workflow_key=key, workflow_version=version, **attrs)


def test_import_without_flask_or_sqlalchemy() -> None:
    code = (
        "import workflows, workflows.clock, workflows.engine, workflows.diagrams, workflows.registry, sys; "
        "assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules, sorted(sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_registry_has_every_builtin_definition() -> None:
    keys = {d.key for d in all_definitions()}
    assert keys >= {"instant", "committed", "joint", "forwarded", "disclosure", "complaint", "rectification"}
    for d in BUILTIN_DEFINITIONS:
        assert get_definition(d.key, d.version) is d
        assert d.version in versions(d.key)


def test_unknown_workflow() -> None:
    with pytest.raises(UnknownWorkflow, match="unknown workflow 'nope'"):
        get_definition("nope")
    with pytest.raises(UnknownWorkflow, match="no version 99"):
        get_definition("committed", 99)
    with pytest.raises(WorkflowError):
        fire(case(key="nope"), "accept", "clerk")
    assert issubclass(UnknownWorkflow, LookupError)
    assert versions("nope") == []


def test_invalid_transition_names_state_and_allowed_triggers() -> None:
    c = case(state="received")
    with pytest.raises(InvalidTransition) as info:
        fire(c, "grant", "dept_head")
    err = info.value
    assert (err.workflow_key, err.workflow_version, err.state, err.trigger) == (
        "committed",
        1,
        "received",
        "grant",
    )
    assert err.allowed == (
        "request_supplement",
        "accept",
        "accept_with_gaps",
        "refuse",
        "withdraw",
        "terminate",
    )
    assert "'received'" in str(err)
    assert "accept_with_gaps" in str(err)
    assert c.state == "received"


def test_invalid_transition_from_a_final_state_and_an_unknown_state() -> None:
    with pytest.raises(InvalidTransition, match="nothing \\(final state\\)"):
        fire(case(state="closed"), "close", "clerk")
    with pytest.raises(InvalidTransition, match="unknown state 'limbo'"):
        fire(case(state="limbo"), "accept", "clerk")


def test_unknown_trigger_is_an_invalid_transition() -> None:
    with pytest.raises(UnknownTrigger) as info:
        fire(case(), "frobnicate", "clerk")
    assert isinstance(info.value, InvalidTransition)
    assert "accept" in info.value.allowed


def test_trigger_not_permitted_names_roles() -> None:
    with pytest.raises(TriggerNotPermitted) as info:
        fire(case(), "accept", "applicant")
    assert info.value.roles == ("applicant",)
    assert info.value.permitted == ("clerk", "system")
    assert "applicant" in str(info.value)


def test_several_roles_any_one_suffices() -> None:
    c = case(state="under_review")
    fired = fire(c, "deny", {"reviewer", "dept_head"}, {"reason": "不符合条件", "has_open_pause": False})
    assert c.state == "denied"
    assert fired.clock == "stop"
    with pytest.raises(TriggerNotPermitted):
        fire(case(state="under_review"), "deny", [], {"reason": "x", "has_open_pause": False})


def test_fired_reports_the_clock_effect() -> None:
    c = case(state="received")
    fired = fire(c, "accept", "clerk")
    assert isinstance(fired, Fired)
    assert (fired.trigger, fired.source, fired.dest, fired.clock, fired.internal) == (
        "accept",
        "received",
        "accepted",
        "start",
        False,
    )
    assert fired.definition is get_definition("committed", 1)
    c.state = "under_review"
    paused = fire(
        c, "start_special_procedure", "reviewer", {"procedure_type": "expert_review", "has_open_pause": 0}
    )
    assert (paused.clock, paused.internal, paused.source, paused.dest) == (
        "pause",
        True,
        "under_review",
        "under_review",
    )


def test_guard_resolution() -> None:
    # Context wins over the case.
    c = case(state="under_review", has_open_pause=True)
    assert evaluate_guard("has_open_pause", c, {"has_open_pause": False}) is False
    assert evaluate_guard("has_open_pause", c) is True
    # no_X is the negation of has_X (from the case attribute here).
    assert evaluate_guard("no_open_pause", c) is False
    assert evaluate_guard("no_open_pause", case(has_open_pause=False)) is True
    # has_X is the negation of no_X.
    assert evaluate_guard("has_gaps_outstanding", case(no_gaps_outstanding=True)) is False
    # Callable attributes are called.
    assert evaluate_guard("parallel_steps_complete", case(parallel_steps_complete=lambda: True)) is True
    # Nothing supplies it: undetermined.
    assert evaluate_guard("parallel_steps_complete", case()) is None
    assert evaluate_guard("no_open_pause", case()) is None


def test_undetermined_guard_fails_closed() -> None:
    c = case(key="joint", state="parallel_review")
    with pytest.raises(GuardFailed) as info:
        fire(c, "complete_parallel_review", "system")
    assert info.value.undetermined is True
    assert info.value.guard == "parallel_steps_complete"
    assert "pass context['parallel_steps_complete']" in str(info.value)
    with pytest.raises(GuardFailed) as info2:
        fire(c, "complete_parallel_review", "system", {"parallel_steps_complete": False})
    assert info2.value.undetermined is False
    assert c.state == "parallel_review"


def test_guards_read_from_case_attributes() -> None:
    c = case(state="under_review", has_open_pause=False, has_gaps_outstanding=False)
    assert fire(c, "grant", "dept_head").dest == "granted"
    c = case(state="under_review", has_open_pause=False, has_gaps_outstanding=True)
    with pytest.raises(GuardFailed, match="no_gaps_outstanding"):
        fire(c, "grant", "dept_head")


def test_missing_context_lists_the_keys() -> None:
    with pytest.raises(MissingContext) as info:
        fire(case(state="under_review"), "request_extension", "reviewer", {"no_pending_extension": True})
    assert info.value.missing == ("days", "reason")


def test_available_triggers_by_role_and_guards() -> None:
    c = case(
        state="under_review", has_open_pause=False, has_pending_extension=False, has_gaps_outstanding=False
    )
    assert available_triggers(c, "reviewer") == ["start_special_procedure", "request_extension"]
    assert available_triggers(c, "dept_head") == [
        "start_special_procedure",
        "request_extension",
        "grant",
        "deny",
        "terminate",
    ]
    assert available_triggers(c, "applicant") == ["withdraw"]
    # With a pause open, the decision is hidden and the pause can be ended.
    assert available_triggers(c, "dept_head", {"has_open_pause": True}) == [
        "end_special_procedure",
        "request_extension",
        "terminate",
    ]
    # Undetermined guards hide the trigger.
    assert available_triggers(case(state="under_review"), "dept_head") == ["terminate"]
    assert available_triggers(case(state="closed"), "admin") == []
    assert can_fire(c, "grant", "dept_head") is True
    assert can_fire(c, "deny", "dept_head") is False  # reason missing
    assert can_fire(c, "deny", "dept_head", {"reason": "x"}) is True
    assert can_fire(case(key="nope"), "deny", "dept_head") is False


def test_joint_walkthrough() -> None:
    c = case(key="joint")
    steps = [
        ("accept_with_gaps", "clerk", {"missing_materials": ["环评批复"]}, "accepted_with_gaps", "start"),
        ("start_parallel_review", "system", {}, "parallel_review", None),
        (
            "start_special_procedure",
            "reviewer",
            {"procedure_type": "inspection", "has_open_pause": False},
            "parallel_review",
            "pause",
        ),
        ("end_special_procedure", "reviewer", {"has_open_pause": True}, "parallel_review", "resume"),
        ("record_gap_materials", "clerk", {"has_gaps_outstanding": True}, "parallel_review", None),
        (
            "request_extension",
            "dept_head",
            {"days": 15, "reason": "专家评审", "has_pending_extension": False},
            "parallel_review",
            None,
        ),
        ("approve_extension", "manager", {"has_pending_extension": True}, "parallel_review", "extend"),
        ("complete_parallel_review", "system", {"parallel_steps_complete": True}, "consolidation", None),
        ("grant", "dept_head", {"has_open_pause": False, "has_gaps_outstanding": False}, "granted", "stop"),
        ("deliver", "clerk", {}, "delivered", None),
        ("close", "system", {}, "closed", None),
    ]
    for trigger, role, ctx, state, clock in steps:
        fired = fire(c, trigger, role, ctx)
        assert (c.state, fired.clock) == (state, clock), trigger


# -- versioning ----------------------------------------------------------------------------------------------


NEXT = committed.DEFINITION.version + 1


@pytest.fixture
def committed_v2() -> Iterator[WorkflowDefinition]:
    """A next committed version (the current one + 1) without 容缺受理 (accept_with_gaps), registered for the
    test only."""
    v1 = committed.DEFINITION
    v2 = dataclasses.replace(
        v1,
        version=NEXT,
        states=tuple(s for s in v1.states if s != "accepted_with_gaps"),
        transitions=tuple(
            dataclasses.replace(t, sources=tuple(s for s in t.sources if s != "accepted_with_gaps"))
            for t in v1.transitions
            if t.trigger != "accept_with_gaps" and t.sources != ("accepted_with_gaps",)
        ),
        labels=dict(v1.labels),
    )
    register(v2)
    yield v2
    unregister("committed", NEXT)


def test_running_case_keeps_its_version(committed_v2: WorkflowDefinition) -> None:
    assert get_definition("committed") is committed_v2
    assert latest_version("committed") == NEXT
    assert versions("committed") == list(range(1, NEXT + 1))
    old = case(version=NEXT - 1)
    new = case(version=committed_v2.version)
    assert fire(old, "accept_with_gaps", "clerk", {"missing_materials": ["x"]}).dest == "accepted_with_gaps"
    with pytest.raises(UnknownTrigger):
        fire(new, "accept_with_gaps", "clerk", {"missing_materials": ["x"]})
    assert machine_for(get_definition("committed", NEXT - 1)) is not machine_for(committed_v2)
    assert "accept_with_gaps" not in machine_for(committed_v2).events


def test_unregistering_falls_back_to_the_previous_latest(committed_v2: WorkflowDefinition) -> None:
    unregister("committed", NEXT)
    assert get_definition("committed") is committed.DEFINITION


def test_a_released_version_cannot_be_replaced() -> None:
    register(committed.DEFINITION)  # the same object: no-op
    with pytest.raises(ValueError, match="bump the version"):
        register(dataclasses.replace(committed.DEFINITION, title="changed"))


# -- definition validation -----------------------------------------------------------------------------------


def _tiny(**changes: object) -> WorkflowDefinition:
    base = {
        "key": "tiny",
        "version": 1,
        "title": "小",
        "states": ("a", "b"),
        "initial": "a",
        "final_states": frozenset({"b"}),
        "transitions": (transition("go", "a", "b", "clerk"),),
        "labels": {"a": "甲", "b": "乙", "go": "走"},
    }
    base.update(changes)
    return WorkflowDefinition(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 0}, "version"),
        ({"initial": "z"}, "initial state"),
        ({"final_states": frozenset({"z"})}, "unknown final states"),
        ({"labels": {"a": "甲", "b": "乙"}}, "'go' has no label"),
        ({"transitions": (transition("go", "a", "z", "clerk"),)}, "unknown state 'z'"),
        ({"transitions": (transition("go", "a", "b", "janitor"),)}, "unknown or no roles"),
        ({"transitions": (transition("go", "b", "a", "clerk"),)}, "leaves final state"),
        (
            {"transitions": (transition("go", "a", "b", "clerk"), transition("go", "a", None, "clerk"))},
            "defined twice",
        ),
        ({"states": ("a", "b", "c"), "labels": {"a": "甲", "b": "乙", "c": "丙", "go": "走"}}, "unreachable"),
        (
            {
                "transitions": (transition("to_b", "a", "b", "clerk"),),
                "labels": {"a": "", "b": "", "to_b": ""},
            },
            "not allowed",
        ),
        (
            {
                "transitions": (transition("trigger", "a", "b", "clerk"),),
                "labels": {"a": "", "b": "", "trigger": ""},
            },
            "not allowed",
        ),
        ({"transitions": (transition("go", "a", "b", "clerk", clock="tick"),)}, "clock effect"),  # type: ignore[arg-type]
        (
            {"transitions": (transition("b", "a", "b", "clerk"),), "labels": {"a": "", "b": ""}},
            "both state and",
        ),
    ],
)
def test_inconsistent_definitions_are_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        _tiny(**changes)


def test_open_state_without_a_way_out_is_rejected() -> None:
    with pytest.raises(DefinitionError, match="no way from 'c'"):
        _tiny(
            states=("a", "b", "c"),
            transitions=(transition("go", "a", "b", "clerk"), transition("stall", "a", "c", "clerk")),
            labels={"a": "", "b": "", "c": "", "go": "", "stall": ""},
        )


# -- the shared Machine --------------------------------------------------------------------------------------


def test_one_machine_per_definition_version() -> None:
    for d in BUILTIN_DEFINITIONS:
        m = machine_for(d)
        assert machine_for(d) is m
        assert m.models == []  # no case is ever bound to it
        assert m.model_attribute == "state"
        assert set(m.states) == set(d.states)
        assert set(m.events) == set(d.triggers)  # auto_transitions=False: no to_* events
    assert len({id(machine_for(d)) for d in BUILTIN_DEFINITIONS}) == len(BUILTIN_DEFINITIONS)


def test_firing_1000_cases_builds_no_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    d = get_definition("instant")
    machine_for(d)  # built (or already cached)
    built: list[object] = []
    real = engine._build_machine
    monkeypatch.setattr(
        engine, "_build_machine", lambda definition: built.append(definition) or real(definition)
    )
    cases = [case(key="instant") for _ in range(1000)]
    for c in cases:
        fire(c, "accept", "clerk")
        fire(c, "complete", "clerk")
    assert built == []
    assert all(c.state == "closed" for c in cases)
    # Nothing was bound on the cases (transitions binds trigger/to_*/is_*/may_* only on added models).
    assert set(vars(cases[0])) == {"state", "workflow_key", "workflow_version"}


def test_cache_is_rebuilt_only_after_clearing(monkeypatch: pytest.MonkeyPatch) -> None:
    d = get_definition("complaint")
    before = machine_for(d)
    engine.clear_machine_cache()
    after = machine_for(d)
    assert after is not before
    assert machine_for(d) is after
