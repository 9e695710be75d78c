"""Which form each workflow trigger uses and which service verb it calls.

A trigger with a dedicated verb in ``services.cases`` (or ``services.complaints``) calls it; the others go
through ``services.cases.perform`` with the context the definition ``requires``. Every call passes the
``lock_version`` the page was rendered with as ``expected_version``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from workflows.engine import definition_of

from ...case_labels import PROCEDURE_LABELS
from ...extensions import db
from ...forms.cases import (
    AcceptForm,
    ActionForm,
    AnswerTypeForm,
    ExtensionForm,
    GapsForm,
    NoteForm,
    OptionalReasonForm,
    ProcedureForm,
    ReasonForm,
    SupplementForm,
)
from ...labels import ROLE_LABELS
from ...models import Case, Department, User, procedure_types_for
from ...services import cases as case_services
from ...services import complaints
from ...services.cases import Actor

Runner = Callable[[Case, Actor, FlaskForm, int], object]


@dataclass(frozen=True)
class ActionSpec:
    """How a trigger is offered on the case page and carried out."""

    form: type[FlaskForm]
    run: Runner
    confirm: bool = False  # irreversible: the browser asks first
    primary: bool = False


def _text(form: FlaskForm, name: str) -> str:
    return (form[name].data or "").strip() if name in form else ""


def _generic(context_key: str | None = None, field: str = "comment") -> Runner:
    """Fire the trigger through ``perform``, recording the form's text as the comment (and as ``context_key``)."""

    def run(case: Case, actor: Actor, form: FlaskForm, version: int) -> object:
        text = _text(form, field)
        context = {context_key: text} if context_key else {}
        return case_services.perform(case, form.trigger, actor, comment=text, context=context,  # type: ignore[attr-defined]
                                     expected_version=version)

    return run


def _answer_disclosure(case: Case, actor: Actor, form: FlaskForm, version: int) -> object:
    return case_services.answer_disclosure(case, actor, form["answer_type"].data or "", comment=_text(form, "comment"),
                                           expected_version=version)


def _start_pause(case: Case, actor: Actor, form: FlaskForm, version: int) -> object:
    """A special procedure (or a disclosure consultation), with its approver and whether the applicant was told."""
    return case_services.start_special_procedure(
        case, actor, form["procedure_type"].data, reason=_text(form, "reason"),
        expected_days=form["expected_days"].data or 0,
        approver=db.session.get(User, form["approver_id"].data) if "approver_id" in form else None,
        applicant_notified=bool(form["applicant_notified"].data), expected_version=version)


def _departments(form: FlaskForm) -> list[int] | None:
    """The participating departments chosen for a joint case (None: the item's own list)."""
    return (form["departments"].data or None) if "departments" in form else None


def _supplement_materials(form: FlaskForm) -> list[str]:
    other = [line.strip() for line in (_text(form, "other_materials")).splitlines() if line.strip()]
    return list(form["missing_materials"].data or []) + other


def _rectification(case: Case, actor: Actor, form: FlaskForm, version: int) -> object:
    return complaints.advance_rectification(case, actor, form.trigger, _text(form, "note"),  # type: ignore[attr-defined]
                                            expected_version=version)


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(AcceptForm, lambda c, a, f, v: case_services.accept(
        c, a, comment=_text(f, "comment"), departments=_departments(f), expected_version=v),
        primary=True),
    "request_supplement": ActionSpec(SupplementForm, lambda c, a, f, v: case_services.request_supplement(
        c, a, _supplement_materials(f), comment=_text(f, "comment"), expected_version=v)),
    "record_supplement": ActionSpec(AcceptForm, lambda c, a, f, v: case_services.record_supplement(
        c, a, comment=_text(f, "comment"), departments=_departments(f), expected_version=v), primary=True),
    "accept_with_gaps": ActionSpec(GapsForm, lambda c, a, f, v: case_services.accept_with_gaps(
        c, a, f["missing_materials"].data or [], gaps_due=f["gaps_due"].data,
        commitment_signed=bool(f["commitment_signed"].data), comment=_text(f, "comment"),
        departments=_departments(f), expected_version=v)),
    "refuse": ActionSpec(ReasonForm, lambda c, a, f, v: case_services.refuse(
        c, a, _text(f, "reason"), expected_version=v), confirm=True),
    "record_gap_materials": ActionSpec(ActionForm, lambda c, a, f, v: case_services.record_gap_materials(
        c, a, comment=_text(f, "comment"), expected_version=v)),
    "start_special_procedure": ActionSpec(ProcedureForm, _start_pause),
    "end_special_procedure": ActionSpec(ActionForm, lambda c, a, f, v: case_services.end_special_procedure(
        c, a, comment=_text(f, "comment"), expected_version=v)),
    "request_extension": ActionSpec(ExtensionForm, lambda c, a, f, v: case_services.request_extension(
        c, a, f["days"].data, _text(f, "reason"), expected_version=v)),
    "approve_extension": ActionSpec(ActionForm, lambda c, a, f, v: case_services.decide_extension(
        c, a, True, comment=_text(f, "comment"), expected_version=v)),
    "reject_extension": ActionSpec(ActionForm, lambda c, a, f, v: case_services.decide_extension(
        c, a, False, comment=_text(f, "comment"), expected_version=v)),
    "forward": ActionSpec(NoteForm, lambda c, a, f, v: case_services.forward(
        c, a, _text(f, "note"), expected_version=v), primary=True),
    "return_to_lower": ActionSpec(ReasonForm, _generic("reason", "reason")),
    "grant": ActionSpec(ActionForm, lambda c, a, f, v: case_services.decide(
        c, a, True, _text(f, "comment"), expected_version=v), confirm=True, primary=True),
    "deny": ActionSpec(ReasonForm, lambda c, a, f, v: case_services.decide(
        c, a, False, _text(f, "reason"), expected_version=v), confirm=True),
    "deliver": ActionSpec(ActionForm, lambda c, a, f, v: case_services.deliver(
        c, a, comment=_text(f, "comment"), expected_version=v), primary=True),
    "close": ActionSpec(ActionForm, lambda c, a, f, v: case_services.close_case(
        c, a, comment=_text(f, "comment"), expected_version=v), primary=True),
    "complete": ActionSpec(ActionForm, lambda c, a, f, v: case_services.close_case(
        c, a, comment=_text(f, "comment"), expected_version=v), primary=True),
    "withdraw": ActionSpec(OptionalReasonForm, lambda c, a, f, v: case_services.withdraw(
        c, a, _text(f, "reason"), expected_version=v), confirm=True),
    "terminate": ActionSpec(ReasonForm, lambda c, a, f, v: case_services.terminate(
        c, a, _text(f, "reason"), expected_version=v), confirm=True),
    # Disclosure requests: third-party consultation is a pause like a special procedure.
    "start_consultation": ActionSpec(ProcedureForm, _start_pause),
    "end_consultation": ActionSpec(ActionForm, lambda c, a, f, v: case_services.end_special_procedure(
        c, a, comment=_text(f, "comment"), expected_version=v)),
    "answer": ActionSpec(AnswerTypeForm, _answer_disclosure, primary=True),
    "abandon": ActionSpec(ActionForm, lambda c, a, f, v: case_services.abandon_disclosure(
        c, a, comment=_text(f, "comment"), expected_version=v), confirm=True),
}

# Where a workflow gives a trigger name a different meaning, its own entry wins.
WORKFLOW_ACTIONS: dict[tuple[str, str], ActionSpec] = {
    ("complaint", "accept"): ActionSpec(ActionForm, lambda c, a, f, v: complaints.accept_complaint(
        c, a, comment=_text(f, "comment"), expected_version=v), primary=True),
    ("complaint", "reject"): ActionSpec(ReasonForm, lambda c, a, f, v: complaints.reject_complaint(
        c, a, _text(f, "reason"), expected_version=v), confirm=True),
    ("complaint", "answer"): ActionSpec(NoteForm, lambda c, a, f, v: complaints.answer_complaint(
        c, a, _text(f, "note"), expected_version=v), primary=True),
    ("rectification", "call_back"): ActionSpec(NoteForm, _rectification),
    ("rectification", "record_rectification"): ActionSpec(NoteForm, _rectification),
    ("rectification", "report_back"): ActionSpec(ActionForm, _rectification, primary=True),
    ("rectification", "send_back"): ActionSpec(NoteForm, _rectification),
    ("rectification", "close"): ActionSpec(ActionForm, _rectification),
}

# Moved on by the system right after acceptance (with the parallel steps fanned out), never by hand.
SYSTEM_DRIVEN = frozenset({"start_review", "start_parallel_review"})


def spec_for(case: Case, trigger: str) -> ActionSpec | None:
    """The spec for ``trigger`` on this case's workflow; None if the workflow has no such trigger."""
    if trigger in SYSTEM_DRIVEN or trigger not in definition_of(case).triggers:
        return None
    spec = WORKFLOW_ACTIONS.get((case.workflow_key, trigger)) or ACTIONS.get(trigger)
    if spec is None:
        requires = {r for t in definition_of(case).transitions if t.trigger == trigger for r in t.requires}
        spec = ActionSpec(ReasonForm, _generic("reason", "reason")) if "reason" in requires else (
            ActionSpec(ActionForm, _generic()))
    return spec


def build_form(case: Case, trigger: str, spec: ActionSpec, *, bound: bool) -> FlaskForm:
    """The action form, prefixed by the trigger; ``bound`` takes the posted data, else a fresh form."""
    kwargs = {} if bound else {"formdata": None}
    form = spec.form(prefix=trigger, **kwargs)
    form.trigger = trigger  # read by the generic runners
    materials = list(case.item.materials) if case.item is not None else []
    if "missing_materials" in form:
        chosen = [m for m in materials if not m.is_key] if isinstance(form, GapsForm) else materials
        form["missing_materials"].choices = [SelectChoice(m.name, m.name) for m in chosen]
    if "procedure_type" in form:
        form["procedure_type"].choices = [SelectChoice(p.value, PROCEDURE_LABELS[p])
                                          for p in procedure_types_for(case.workflow_key)]
    if "approver_id" in form:
        approvers = case_services.pause_approvers(case)
        if approvers:
            form["approver_id"].choices = [SelectChoice(u.id, f"{u.display_name} · {ROLE_LABELS[u.role]}")
                                           for u in approvers]
            if not bound:
                form["approver_id"].data = approvers[0].id
        else:  # nobody to choose: the service records whoever acts
            del form["approver_id"]
    if "departments" in form:
        if case.workflow_key == "joint":
            departments = db.session.scalars(
                sa.select(Department).where(Department.active).order_by(Department.code)
            ).all()
            form["departments"].choices = [SelectChoice(d.id, f"{d.code} {d.name}") for d in departments]
            if not bound and case.item is not None:
                form["departments"].data = [d.id for d in case.item.participating_departments]
        else:
            del form["departments"]
    if not bound:
        form["lock_version"].data = case.lock_version
    return form
