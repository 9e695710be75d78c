"""The command path: which service verb each workflow trigger calls and which inputs it takes, and the one
helper that runs an action: lock the case once, check who may see it once, call the verb, commit or roll back.

Inputs are a plain mapping of names to values (what a form or a JSON body carries); nothing here knows about
WTForms. A trigger with a dedicated verb calls it; the others fire through :func:`services.core.perform` with
the context their transition ``requires``. Every run passes the ``lock_version`` the actor last saw as
``expected_version``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from workflows.engine import definition_of

from .extensions import db
from .labels import workflow_label
from .models import Case, User
from .queries.scope import can_see
from .services import NotFound, ServiceError, clock_stops, complaints, decisions, reception
from .services.core import Actor, Forbidden, flush, lock_case, perform
from .services.steps import record_step_decision, record_step_supplement

Inputs = Mapping[str, Any]
Verb = Callable[[Case, Actor, Inputs, "int | None"], object]


@dataclass(frozen=True)
class Command:
    """How a trigger is carried out: ``run(case, actor, inputs, expected_version)`` and the inputs it reads."""

    run: Verb
    inputs: tuple[str, ...] = ()


def text(inputs: Inputs, name: str) -> str:
    return str(inputs.get(name) or "").strip()


def _generic(trigger: str, field: str | None) -> Command:
    """Fire ``trigger`` through ``perform``, the ``field`` input as the comment and as its required key."""

    def run(case: Case, actor: Actor, inputs: Inputs, version: int | None) -> object:
        note = text(inputs, field) if field else text(inputs, "comment")
        return perform(case, trigger, actor, comment=note, context={field: note} if field else {},
                       expected_version=version)

    return Command(run, (field,) if field else ("comment",))


def _materials(inputs: Inputs) -> list[str]:
    other = [line.strip() for line in text(inputs, "other_materials").splitlines() if line.strip()]
    return list(inputs.get("missing_materials") or []) + other


def _pause(case: Case, actor: Actor, inputs: Inputs, version: int | None) -> object:
    approver_id = inputs.get("approver_id")
    return clock_stops.start_special_procedure(
        case, actor, inputs.get("procedure_type") or "", reason=text(inputs, "reason"),
        expected_days=inputs.get("expected_days") or 0,
        approver=db.session.get(User, approver_id) if approver_id else None,
        applicant_notified=bool(inputs.get("applicant_notified")), expected_version=version)


def _rectify(field: str | None) -> Command:
    def run(case: Case, actor: Actor, inputs: Inputs, version: int | None) -> object:
        trigger = inputs["trigger"]
        return complaints.advance_rectification(case, actor, trigger, text(inputs, field) if field else "",
                                                expected_version=version)
    return Command(run, (field,) if field else ())


_PAUSE = Command(_pause, ("procedure_type", "reason", "expected_days", "approver_id", "applicant_notified"))
_END_PAUSE = Command(lambda c, a, i, v: clock_stops.end_special_procedure(
    c, a, result=text(i, "result"), comment=text(i, "comment"), expected_version=v), ("result", "comment"))

COMMANDS: dict[str, Command] = {
    "accept": Command(lambda c, a, i, v: reception.accept(
        c, a, comment=text(i, "comment"), departments=i.get("departments") or None, expected_version=v),
        ("comment", "departments")),
    "request_supplement": Command(lambda c, a, i, v: reception.request_supplement(
        c, a, _materials(i), comment=text(i, "comment"), expected_version=v),
        ("missing_materials", "other_materials", "comment")),
    "record_supplement": Command(lambda c, a, i, v: reception.record_supplement(
        c, a, comment=text(i, "comment"), departments=i.get("departments") or None, expected_version=v),
        ("comment", "departments")),
    "accept_with_gaps": Command(lambda c, a, i, v: reception.accept_with_gaps(
        c, a, i.get("missing_materials") or [], gaps_due=i.get("gaps_due"),
        commitment_signed=bool(i.get("commitment_signed")), comment=text(i, "comment"),
        departments=i.get("departments") or None, expected_version=v),
        ("missing_materials", "gaps_due", "commitment_signed", "comment", "departments")),
    "refuse": Command(lambda c, a, i, v: reception.refuse(c, a, text(i, "reason"), expected_version=v), ("reason",)),
    "record_gap_materials": Command(lambda c, a, i, v: reception.record_gap_materials(
        c, a, comment=text(i, "comment"), expected_version=v), ("comment",)),
    "start_special_procedure": _PAUSE,
    "request_special_procedure": Command(lambda c, a, i, v: clock_stops.request_special_procedure(
        c, a, text(i, "procedure_type"), reason=text(i, "reason"), expected_days=i.get("expected_days") or 0,
        expected_version=v), ("procedure_type", "reason", "expected_days")),
    "approve_special_procedure": Command(lambda c, a, i, v: clock_stops.decide_special_procedure(
        c, a, True, note=text(i, "comment"), expected_version=v), ("comment",)),
    "refuse_special_procedure": Command(lambda c, a, i, v: clock_stops.decide_special_procedure(
        c, a, False, note=text(i, "reason"), expected_version=v), ("reason",)),
    "notify_special_procedure": Command(lambda c, a, i, v: clock_stops.record_procedure_notice(
        c, a, via=text(i, "via") or "sent", expected_version=v), ("comment",)),
    "record_opinion": Command(lambda c, a, i, v: decisions.record_opinion(
        c, a, text(i, "opinion"), expected_version=v), ("opinion",)),
    "end_special_procedure": _END_PAUSE,
    "start_consultation": _PAUSE,
    "end_consultation": _END_PAUSE,
    "request_extension": Command(lambda c, a, i, v: clock_stops.request_extension(
        c, a, i.get("days") or 0, text(i, "reason"), expected_version=v), ("days", "reason")),
    "approve_extension": Command(lambda c, a, i, v: clock_stops.decide_extension(
        c, a, True, comment=text(i, "comment"), expected_version=v), ("comment",)),
    "reject_extension": Command(lambda c, a, i, v: clock_stops.decide_extension(
        c, a, False, comment=text(i, "comment"), expected_version=v), ("comment",)),
    "forward": Command(lambda c, a, i, v: decisions.forward(c, a, text(i, "note"), expected_version=v), ("note",)),
    "grant": Command(lambda c, a, i, v: decisions.decide(
        c, a, True, text(i, "comment"), expected_version=v), ("comment",)),
    "deny": Command(lambda c, a, i, v: decisions.decide(c, a, False, text(i, "reason"), expected_version=v),
                    ("reason",)),
    "deliver": Command(lambda c, a, i, v: decisions.deliver(c, a, comment=text(i, "comment"), expected_version=v),
                       ("comment",)),
    "close": Command(lambda c, a, i, v: decisions.close_case(c, a, comment=text(i, "comment"), expected_version=v),
                     ("comment",)),
    "complete": Command(lambda c, a, i, v: decisions.close_case(
        c, a, comment=text(i, "comment"), expected_version=v), ("comment",)),
    "withdraw": Command(lambda c, a, i, v: decisions.withdraw(c, a, text(i, "reason"), expected_version=v),
                        ("reason",)),
    "terminate": Command(lambda c, a, i, v: decisions.terminate(c, a, text(i, "reason"), expected_version=v),
                         ("reason",)),
    "answer": Command(lambda c, a, i, v: decisions.answer_disclosure(
        c, a, text(i, "answer_type"), comment=text(i, "comment"), expected_version=v), ("answer_type", "comment")),
    "abandon": Command(lambda c, a, i, v: decisions.abandon_disclosure(
        c, a, comment=text(i, "comment"), expected_version=v), ("comment",)),
}

# Where a kind of case gives a trigger name a different meaning (definitions' ``kind``), its own entry wins.
KIND_COMMANDS: dict[tuple[str, str], Command] = {
    ("complaint", "accept"): Command(lambda c, a, i, v: complaints.accept_complaint(
        c, a, comment=text(i, "comment"), answer_days=text(i, "answer_days"), expected_version=v),
        ("comment", "answer_days")),
    ("complaint", "reject"): Command(lambda c, a, i, v: complaints.reject_complaint(
        c, a, text(i, "reason"), expected_version=v), ("reason",)),
    ("complaint", "answer"): Command(lambda c, a, i, v: complaints.answer_complaint(
        c, a, text(i, "note"), expected_version=v), ("note",)),
    ("rectification", "call_back"): _rectify("note"),
    ("rectification", "record_rectification"): _rectify("note"),
    ("rectification", "report_back"): _rectify(None),
    ("rectification", "send_back"): _rectify("note"),
    ("rectification", "close"): _rectify(None),
}


def command_for(case: Case, trigger: str) -> Command | None:
    """The command for ``trigger`` on this case's workflow; None if people cannot fire it (unknown, or moved
    on by the system alone)."""
    definition = definition_of(case)
    if trigger not in definition.manual_triggers:
        return None
    command = KIND_COMMANDS.get((definition.kind, trigger)) or COMMANDS.get(trigger)
    if command is None:
        requires = {r for t in definition.transitions if t.trigger == trigger for r in t.requires}
        command = _generic(trigger, "reason" if "reason" in requires else None)
    return command


class InputRejected(ServiceError):
    """The inputs did not validate (the form re-renders with its own field errors)."""

    def __init__(self, detail: object = None) -> None:
        super().__init__(_("Please correct the errors below."))
        self.detail = detail


@dataclass(frozen=True)
class Done:
    """A committed action: the case and the label of what was done (read before the commit)."""

    case_id: int
    label: str


def run_action(case_id: int, trigger: str, user: User,
               read_inputs: Callable[[Case, Command], tuple[Inputs, int | None]],
               on_done: Callable[[Case], None] | None = None) -> Done:
    """Lock the case once, check once that ``user`` sees it, read the inputs (``read_inputs`` validates them
    against the locked case and returns them with the ``lock_version`` the user saw), run the verb, commit.
    Any refusal rolls back and is raised: nothing is kept. ``on_done`` runs after the verb, in its transaction
    (the API stores its response there for an idempotent retry)."""
    try:
        case = lock_case(case_id)
        if not can_see(case, user):
            raise Forbidden(_("This case is not within your scope."))
        command = command_for(case, trigger)
        if command is None:
            raise NotFound(_("No such action."))
        inputs, version = read_inputs(case, command)
        command.run(case, Actor.staff(user), {**inputs, "trigger": trigger}, version)
        flush()
        label = workflow_label(case, trigger)
        if on_done is not None:
            on_done(case)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return Done(case_id, label)


def run_step_action(case_id: int, step_id: int, user: User, action: str, inputs: Inputs,
                    expected_version: int | None, on_done: Callable[[Case], None] | None = None) -> Done:
    """A department's decision on its step (``decide``) or the supplement it asked for (``supplement``): the
    service locks the case once through the step; commit or roll back (``on_done`` as for :func:`run_action`)."""
    actor = Actor.staff(user)
    try:
        if action == "decide":
            step = record_step_decision(step_id, actor, text(inputs, "decision"), text(inputs, "opinion"),
                                        case_id=case_id, expected_version=expected_version)
        else:
            step = record_step_supplement(step_id, actor, case_id=case_id, expected_version=expected_version)
        if on_done is not None:
            flush()
            on_done(step.case)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return Done(case_id, "")
