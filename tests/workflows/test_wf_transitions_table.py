"""Table-driven allowed and forbidden transitions and roles for every built-in definition.

Each row: (workflow, state, trigger, role, expected) where expected is the state after the trigger (the same
state for an internal transition) or the exception fire() must raise. Rows pass the context the transition
needs (guards true, required keys filled) unless the row is about that context.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from workflows.definitions.base import ROLES
from workflows.engine import (
    GuardFailed,
    InvalidTransition,
    MissingContext,
    TriggerNotPermitted,
    UnknownTrigger,
    fire,
)
from workflows.registry import all_definitions, get_definition

# A context satisfying every guard and required key used by the built-in definitions, except the guards'
# negative twins (each row gets the twin it needs from CTX_FOR).
FULL = {
    "missing_materials": ["营业执照副本"],
    "reason": "材料不符合法定形式",
    "procedure_type": "hearing",
    "days": 5,
    "answer_type": "公开",
    "answer": "已核实并整改",
    "call_note": "已电话回访",
    "measures": "窗口增加引导员",
    "rating": "满意",
    "parallel_steps_complete": True,
    "no_gaps_outstanding": True,
    "opinion": "建议准予许可",
    "result": "听证结束",
    "extension_allowed": True,
}
PAUSE_OPEN = {**FULL, "has_open_pause": True, "has_pending_extension": True, "has_gaps_outstanding": True,
              "has_requested_pause": False, "has_unnotified_pause": True}
PAUSE_CLOSED = {
    **FULL,
    "has_open_pause": False,
    "has_pending_extension": False,
    "has_gaps_outstanding": False,
    "has_requested_pause": False,
    "has_unnotified_pause": False,
}
PAUSE_REQUESTED = {**PAUSE_CLOSED, "has_requested_pause": True}


def ctx_for(trigger: str) -> dict[str, Any]:
    if trigger in {
        "end_special_procedure",
        "end_consultation",
        "approve_extension",
        "reject_extension",
        "record_gap_materials",
        "notify_special_procedure",
    }:
        return PAUSE_OPEN
    if trigger in {"approve_special_procedure", "refuse_special_procedure"}:
        return PAUSE_REQUESTED
    return PAUSE_CLOSED


def case(key: str, state: str, version: int = 1) -> SimpleNamespace:
    return SimpleNamespace(state=state, workflow_key=key, workflow_version=version)


ROWS: list[tuple[str, str, str, str, object]] = [
    # --- instant 即办件 ---
    ("instant", "received", "accept", "clerk", "accepted"),
    ("instant", "accepted", "complete", "clerk", "closed"),
    ("instant", "received", "refuse", "clerk", "refused"),
    ("instant", "received", "withdraw", "applicant", "withdrawn"),
    ("instant", "accepted", "withdraw", "clerk", "withdrawn"),
    ("instant", "received", "accept", "applicant", TriggerNotPermitted),
    ("instant", "received", "complete", "clerk", InvalidTransition),
    ("instant", "accepted", "refuse", "clerk", InvalidTransition),
    ("instant", "closed", "withdraw", "applicant", InvalidTransition),
    ("instant", "received", "grant", "dept_head", UnknownTrigger),
    # --- committed 承诺件 ---
    ("committed", "received", "accept", "clerk", "accepted"),
    ("committed", "received", "accept", "system", "accepted"),  # deemed acceptance
    ("committed", "received", "accept", "reviewer", TriggerNotPermitted),
    ("committed", "received", "request_supplement", "clerk", "supplement_requested"),
    ("committed", "supplement_requested", "request_supplement", "clerk", InvalidTransition),  # one-time only
    ("committed", "supplement_requested", "record_supplement", "clerk", "accepted"),
    ("committed", "supplement_requested", "refuse", "clerk", "refused"),
    ("committed", "received", "refuse", "clerk", "refused"),
    ("committed", "received", "refuse", "applicant", TriggerNotPermitted),
    ("committed", "received", "accept_with_gaps", "clerk", "accepted_with_gaps"),
    ("committed", "supplement_requested", "accept_with_gaps", "clerk", "accepted_with_gaps"),
    ("committed", "accepted_with_gaps", "record_gap_materials", "clerk", "accepted"),
    ("committed", "accepted_with_gaps", "start_review", "system", "under_review"),
    ("committed", "accepted_with_gaps", "terminate", "system", "terminated"),
    ("committed", "accepted", "start_review", "clerk", "under_review"),
    ("committed", "received", "start_review", "clerk", InvalidTransition),
    ("committed", "under_review", "record_gap_materials", "reviewer", "under_review"),
    ("committed", "under_review", "start_special_procedure", "reviewer", "under_review"),
    ("committed", "under_review", "start_special_procedure", "clerk", TriggerNotPermitted),
    ("committed", "under_review", "end_special_procedure", "dept_head", "under_review"),
    ("committed", "under_review", "request_extension", "reviewer", "under_review"),
    ("committed", "under_review", "approve_extension", "dept_head", "under_review"),
    ("committed", "under_review", "approve_extension", "reviewer", TriggerNotPermitted),
    ("committed", "under_review", "approve_extension", "manager", TriggerNotPermitted),
    ("committed", "under_review", "reject_extension", "dept_head", "under_review"),
    ("committed", "accepted", "start_special_procedure", "reviewer", InvalidTransition),
    ("committed", "under_review", "grant", "dept_head", "granted"),
    ("committed", "under_review", "grant", "reviewer", TriggerNotPermitted),
    ("committed", "under_review", "deny", "dept_head", "denied"),
    ("committed", "accepted", "grant", "dept_head", InvalidTransition),
    ("committed", "granted", "deliver", "clerk", "delivered"),
    ("committed", "granted", "close", "clerk", InvalidTransition),  # must be delivered first
    ("committed", "delivered", "close", "clerk", "closed"),
    ("committed", "denied", "close", "system", "closed"),
    ("committed", "under_review", "withdraw", "applicant", "withdrawn"),
    ("committed", "supplement_requested", "withdraw", "clerk", "withdrawn"),
    ("committed", "under_review", "withdraw", "reviewer", TriggerNotPermitted),
    ("committed", "granted", "withdraw", "applicant", InvalidTransition),
    ("committed", "under_review", "terminate", "dept_head", "terminated"),
    ("committed", "under_review", "terminate", "applicant", TriggerNotPermitted),
    ("committed", "closed", "terminate", "manager", InvalidTransition),
    ("committed", "refused", "accept", "clerk", InvalidTransition),
    ("committed", "under_review", "forward", "reviewer", UnknownTrigger),
    # --- joint 联办件 ---
    ("joint", "accepted", "start_parallel_review", "clerk", "parallel_review"),
    ("joint", "accepted_with_gaps", "start_parallel_review", "system", "parallel_review"),
    ("joint", "accepted", "start_review", "clerk", UnknownTrigger),
    ("joint", "parallel_review", "complete_parallel_review", "system", "consolidation"),
    ("joint", "parallel_review", "complete_parallel_review", "clerk", TriggerNotPermitted),
    ("joint", "parallel_review", "grant", "dept_head", InvalidTransition),  # the lead decides after the join
    ("joint", "consolidation", "grant", "dept_head", "granted"),
    ("joint", "consolidation", "deny", "dept_head", "denied"),
    ("joint", "parallel_review", "start_special_procedure", "reviewer", "parallel_review"),
    ("joint", "consolidation", "end_special_procedure", "dept_head", "consolidation"),
    ("joint", "parallel_review", "approve_extension", "manager", "parallel_review"),
    ("joint", "parallel_review", "approve_extension", "dept_head", TriggerNotPermitted),
    ("joint", "parallel_review", "withdraw", "applicant", "withdrawn"),
    ("joint", "consolidation", "terminate", "manager", "terminated"),
    ("joint", "granted", "deliver", "clerk", "delivered"),
    # --- forwarded 上报件 ---
    ("forwarded", "accepted", "start_review", "clerk", "under_review"),
    ("forwarded", "under_review", "forward", "reviewer", "forwarded_review"),
    ("forwarded", "under_review", "forward", "clerk", TriggerNotPermitted),
    ("forwarded", "under_review", "grant", "dept_head", InvalidTransition),  # the upper level decides
    ("forwarded", "forwarded_review", "grant", "dept_head", "granted"),
    ("forwarded", "forwarded_review", "deny", "dept_head", "denied"),
    ("forwarded", "forwarded_review", "return_to_lower", "reviewer", "under_review"),
    ("forwarded", "forwarded_review", "start_special_procedure", "reviewer", "forwarded_review"),
    ("forwarded", "forwarded_review", "approve_extension", "dept_head", "forwarded_review"),
    ("forwarded", "forwarded_review", "withdraw", "applicant", "withdrawn"),
    ("forwarded", "delivered", "close", "clerk", "closed"),
    # --- disclosure 依申请公开 ---
    ("disclosure", "received", "start_processing", "clerk", "processing"),
    ("disclosure", "received", "start_processing", "applicant", TriggerNotPermitted),
    ("disclosure", "received", "request_supplement", "clerk", "supplement_requested"),
    ("disclosure", "processing", "request_supplement", "reviewer", "supplement_requested"),
    ("disclosure", "supplement_requested", "record_supplement", "clerk", "processing"),
    ("disclosure", "supplement_requested", "abandon", "system", "withdrawn"),
    ("disclosure", "processing", "abandon", "system", InvalidTransition),
    ("disclosure", "processing", "start_consultation", "reviewer", "processing"),
    ("disclosure", "processing", "end_consultation", "reviewer", "processing"),
    ("disclosure", "processing", "request_extension", "reviewer", "processing"),
    ("disclosure", "processing", "approve_extension", "dept_head", "processing"),
    ("disclosure", "processing", "approve_extension", "reviewer", TriggerNotPermitted),
    ("disclosure", "received", "answer", "reviewer", "answered"),
    ("disclosure", "processing", "answer", "dept_head", "answered"),
    ("disclosure", "processing", "answer", "clerk", TriggerNotPermitted),
    ("disclosure", "supplement_requested", "answer", "reviewer", InvalidTransition),
    ("disclosure", "answered", "close", "system", "closed"),
    ("disclosure", "processing", "withdraw", "applicant", "withdrawn"),
    ("disclosure", "answered", "withdraw", "applicant", InvalidTransition),
    ("disclosure", "processing", "start_special_procedure", "reviewer", UnknownTrigger),
    # --- complaint 投诉 ---
    ("complaint", "received", "accept", "supervisor", "accepted"),
    ("complaint", "received", "accept", "manager", "accepted"),
    ("complaint", "received", "accept", "clerk", TriggerNotPermitted),
    ("complaint", "received", "reject", "supervisor", "rejected"),
    ("complaint", "received", "answer", "supervisor", InvalidTransition),
    ("complaint", "accepted", "answer", "supervisor", "answered"),
    ("complaint", "answered", "close", "system", "closed"),
    ("complaint", "accepted", "withdraw", "applicant", "withdrawn"),
    ("complaint", "rejected", "accept", "supervisor", InvalidTransition),
    # --- rectification 差评整改 ---
    ("rectification", "opened", "call_back", "clerk", "called_back"),
    ("rectification", "opened", "call_back", "applicant", TriggerNotPermitted),
    ("rectification", "opened", "record_rectification", "clerk", InvalidTransition),
    ("rectification", "called_back", "record_rectification", "dept_head", "rectified"),
    ("rectification", "rectified", "report_back", "clerk", "reported"),
    ("rectification", "reported", "rate", "applicant", "closed"),
    ("rectification", "reported", "rate", "clerk", TriggerNotPermitted),
    ("rectification", "reported", "send_back", "supervisor", "called_back"),
    ("rectification", "reported", "send_back", "clerk", TriggerNotPermitted),
    ("rectification", "reported", "close", "system", "closed"),
    ("rectification", "closed", "rate", "applicant", InvalidTransition),
]


@pytest.mark.parametrize(
    ("key", "state", "trigger", "role", "expected"),
    ROWS,
    ids=[f"{k}:{s}.{t}[{r}]" for k, s, t, r, _ in ROWS],
)
def test_transition_table(key: str, state: str, trigger: str, role: str, expected: object) -> None:
    c = case(key, state)
    if isinstance(expected, str):
        fired = fire(c, trigger, role, ctx_for(trigger))
        assert c.state == expected
        assert fired.source == state
        assert fired.dest == expected
        assert fired.internal is (expected == state)
    else:
        assert isinstance(expected, type)
        with pytest.raises(expected):
            fire(c, trigger, role, ctx_for(trigger))
        assert c.state == state  # unchanged


# Context rows: required keys and guards.
CONTEXT_ROWS: list[tuple[str, str, str, str, dict[str, Any], type[Exception]]] = [
    ("committed", "under_review", "deny", "dept_head", {"no_open_pause": True}, MissingContext),
    (
        "committed",
        "under_review",
        "deny",
        "dept_head",
        {"no_open_pause": True, "reason": "  "},
        MissingContext,
    ),
    ("committed", "received", "refuse", "clerk", {}, MissingContext),
    ("committed", "received", "request_supplement", "clerk", {"missing_materials": []}, MissingContext),
    (
        "committed",
        "under_review",
        "request_extension",
        "reviewer",
        {"reason": "x", "no_pending_extension": True},
        MissingContext,
    ),
    (
        "committed",
        "under_review",
        "grant",
        "dept_head",
        {"has_open_pause": True, "no_gaps_outstanding": True},
        GuardFailed,
    ),
    (
        "committed",
        "under_review",
        "grant",
        "dept_head",
        {"has_open_pause": False, "has_gaps_outstanding": True},
        GuardFailed,
    ),
    ("committed", "under_review", "grant", "dept_head", {}, GuardFailed),
    (
        "committed",
        "under_review",
        "start_special_procedure",
        "reviewer",
        {"procedure_type": "hearing", "has_open_pause": True},
        GuardFailed,
    ),
    (
        "committed",
        "under_review",
        "end_special_procedure",
        "reviewer",
        {"has_open_pause": False},
        GuardFailed,
    ),
    (
        "committed",
        "under_review",
        "approve_extension",
        "dept_head",
        {"has_pending_extension": False},
        GuardFailed,
    ),
    (
        "committed",
        "under_review",
        "record_gap_materials",
        "clerk",
        {"has_gaps_outstanding": False},
        GuardFailed,
    ),
    (
        "joint",
        "parallel_review",
        "complete_parallel_review",
        "system",
        {"parallel_steps_complete": False},
        GuardFailed,
    ),
    ("joint", "parallel_review", "complete_parallel_review", "system", {}, GuardFailed),
    ("forwarded", "under_review", "forward", "reviewer", {"has_open_pause": True}, GuardFailed),
    ("forwarded", "forwarded_review", "return_to_lower", "reviewer", {}, MissingContext),
    ("disclosure", "processing", "answer", "reviewer", {"has_open_pause": False}, MissingContext),
    (
        "disclosure",
        "processing",
        "answer",
        "reviewer",
        {"answer_type": "公开", "has_open_pause": True},
        GuardFailed,
    ),
    ("complaint", "received", "reject", "supervisor", {}, MissingContext),
    ("complaint", "accepted", "answer", "supervisor", {}, MissingContext),
    ("rectification", "reported", "rate", "applicant", {}, MissingContext),
    ("rectification", "opened", "call_back", "clerk", {}, MissingContext),
]


@pytest.mark.parametrize(
    ("key", "state", "trigger", "role", "context", "error"),
    CONTEXT_ROWS,
    ids=[f"{r[0]}:{r[1]}.{r[2]}-{i}" for i, r in enumerate(CONTEXT_ROWS)],
)
def test_context_table(
    key: str, state: str, trigger: str, role: str, context: dict[str, Any], error: type[Exception]
) -> None:
    c = case(key, state)
    with pytest.raises(error):
        fire(c, trigger, role, context)
    assert c.state == state


# Exhaustive: every definition x state x trigger x role behaves as the definition says.
def _exhaustive_rows() -> list[tuple[str, int, str, str, str]]:
    rows = []
    for d in all_definitions():
        for state in d.states:
            for trigger in d.triggers:
                for role in sorted(ROLES):
                    rows.append((d.key, d.version, state, trigger, role))
    return rows


def test_every_state_trigger_role_combination() -> None:
    rows = _exhaustive_rows()
    assert len(rows) > 1000
    for key, version, state, trigger, role in rows:
        d = get_definition(key, version)
        spec = d.find(state, trigger)
        context = {**ctx_for(trigger), **{g: True for g in (spec.guards if spec else ())}}
        c = case(key, state, version)
        if spec is None:
            with pytest.raises(InvalidTransition) as info:
                fire(c, trigger, role, context)
            assert info.value.state == state
            assert info.value.allowed == d.triggers_from(state)
        elif role not in spec.roles:
            with pytest.raises(TriggerNotPermitted):
                fire(c, trigger, role, context)
        else:
            fired = fire(c, trigger, role, context)
            assert c.state == (spec.dest or state)
            assert fired.spec is spec


CASE_KINDS = ("instant", "committed", "joint", "forwarded", "disclosure")


@pytest.mark.parametrize("key", CASE_KINDS)
def test_current_versions_can_withdraw_and_terminate_from_every_open_state(key: str) -> None:
    d = get_definition(key)
    assert d.version >= 2
    for state in d.open_states:
        withdraw, terminate = d.find(state, "withdraw"), d.find(state, "terminate")
        assert withdraw is not None, state
        assert terminate is not None, state
        assert {"applicant", "clerk"} <= withdraw.roles
        assert {"dept_head", "manager", "system"} <= terminate.roles
        assert "applicant" not in terminate.roles
        assert terminate.requires == ("reason",)


@pytest.mark.parametrize(("key", "state"), [("committed", "granted"), ("joint", "delivered"),
                                            ("forwarded", "denied"), ("disclosure", "answered")])
def test_version_1_keeps_the_exits_before_the_decision_only(key: str, state: str) -> None:
    old, new = case(key, state, 1), case(key, state, 2)
    with pytest.raises(InvalidTransition):
        fire(old, "withdraw", "applicant", {})
    assert fire(new, "withdraw", "applicant", {}).dest == "withdrawn"
    assert old.state == state


@pytest.mark.parametrize("key", ["committed", "joint", "forwarded"])
def test_renewals_by_law_from_version_3_only(key: str) -> None:
    """Version 3 adds the system's grant of a renewal undecided when the licence expires (Art. 50), from every
    review state; older versions keep theirs."""
    current, older = get_definition(key), get_definition(key, 2)
    assert current.version >= 3
    assert older.renewal_trigger is None
    assert older.find(older.open_states[0], "grant_renewal_by_law") is None
    spec = next(t for t in current.transitions if t.trigger == current.renewal_trigger)
    assert (spec.dest, spec.roles, spec.outcome, spec.decides, spec.owes_delivery) == (
        "granted", frozenset({"system"}), "granted", True, True)
    assert set(spec.sources) == set(current.step_states) | {
        s for t in current.transitions if t.trigger in ("grant", "deny") for s in t.sources
    } | {s for t in current.transitions if t.automatic for s in [t.dest]}
