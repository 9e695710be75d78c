"""Which form each workflow trigger uses on the case page; what it does is the command path
(:mod:`service_center.commands`). Every form carries the ``lock_version`` the page was rendered with."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from workflows.engine import definition_of

from ...case_labels import PROCEDURE_LABELS
from ...commands import command_for
from ...extensions import db
from ...forms.cases import (
    AcceptForm,
    ActionForm,
    AnswerTypeForm,
    ExtensionForm,
    GapsForm,
    NoteForm,
    OpinionForm,
    OptionalReasonForm,
    ProcedureForm,
    ProcedureRequestForm,
    ReasonForm,
    ResultForm,
    SupplementForm,
)
from ...forms.complaints import AcceptComplaintForm
from ...labels import ROLE_LABELS
from ...models import Case, Department
from ...services.clock_stops import pause_approvers, procedure_types_for
from ...services.materials import materials_short


@dataclass(frozen=True)
class ActionSpec:
    """How a trigger is offered on the case page: its form, and whether it is irreversible (the browser asks
    first) or the usual next step. What it does is :mod:`service_center.commands`."""

    form: type[FlaskForm]
    confirm: bool = False  # irreversible: the browser asks first
    primary: bool = False


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(AcceptForm, primary=True),
    "request_supplement": ActionSpec(SupplementForm),
    "record_supplement": ActionSpec(AcceptForm, primary=True),
    "accept_with_gaps": ActionSpec(GapsForm),
    "refuse": ActionSpec(ReasonForm, confirm=True),
    "record_gap_materials": ActionSpec(ActionForm),
    "start_special_procedure": ActionSpec(ProcedureForm),
    "end_special_procedure": ActionSpec(ResultForm),
    "request_special_procedure": ActionSpec(ProcedureRequestForm),
    "approve_special_procedure": ActionSpec(ActionForm, primary=True),
    "refuse_special_procedure": ActionSpec(ReasonForm),
    "notify_special_procedure": ActionSpec(ActionForm),
    "record_opinion": ActionSpec(OpinionForm, primary=True),
    "request_extension": ActionSpec(ExtensionForm),
    "approve_extension": ActionSpec(ActionForm),
    "reject_extension": ActionSpec(ActionForm),
    "forward": ActionSpec(NoteForm, primary=True),
    "return_to_lower": ActionSpec(ReasonForm),
    "grant": ActionSpec(ActionForm, confirm=True, primary=True),
    "deny": ActionSpec(ReasonForm, confirm=True),
    "deliver": ActionSpec(ActionForm, primary=True),
    "close": ActionSpec(ActionForm, primary=True),
    "complete": ActionSpec(ActionForm, primary=True),
    "withdraw": ActionSpec(OptionalReasonForm, confirm=True),
    "terminate": ActionSpec(ReasonForm, confirm=True),
    "start_consultation": ActionSpec(ProcedureForm),
    "end_consultation": ActionSpec(ActionForm),
    "answer": ActionSpec(AnswerTypeForm, primary=True),
    "abandon": ActionSpec(ActionForm, confirm=True),
}

# Where a kind of case gives a trigger name a different meaning, its own entry wins.
KIND_ACTIONS: dict[tuple[str, str], ActionSpec] = {
    ("complaint", "accept"): ActionSpec(AcceptComplaintForm, primary=True),
    ("complaint", "reject"): ActionSpec(ReasonForm, confirm=True),
    ("complaint", "answer"): ActionSpec(NoteForm, primary=True),
    ("rectification", "call_back"): ActionSpec(NoteForm),
    ("rectification", "record_rectification"): ActionSpec(NoteForm),
    ("rectification", "report_back"): ActionSpec(ActionForm, primary=True),
    ("rectification", "send_back"): ActionSpec(NoteForm),
    ("rectification", "close"): ActionSpec(ActionForm),
}


def spec_for(case: Case, trigger: str) -> ActionSpec | None:
    """The page's spec for ``trigger``; None if people cannot fire it on this case's workflow."""
    command = command_for(case, trigger)
    if command is None:
        return None
    spec = KIND_ACTIONS.get((definition_of(case).kind, trigger)) or ACTIONS.get(trigger)
    if spec is None:
        spec = ActionSpec(ReasonForm) if "reason" in command.inputs else ActionSpec(ActionForm)
    return spec


def form_inputs(form: FlaskForm) -> dict[str, object]:
    """The form's data as the command's inputs (names as the fields)."""
    return {name: field.data for name, field in form._fields.items() if name not in ("csrf_token", "lock_version")}


def build_form(case: Case, trigger: str, spec: ActionSpec, *, bound: bool,
               formdata: MultiDict | None = None) -> FlaskForm:
    """The action form, prefixed by the trigger; ``bound`` takes the posted data (or ``formdata``, the API's
    JSON body: no CSRF token, the API reads no cookie), else a fresh form."""
    kwargs: dict[str, object] = {} if bound else {"formdata": None}
    if formdata is not None:
        kwargs = {"formdata": formdata, "meta": {"csrf": False}}
    form = spec.form(prefix=trigger, **kwargs)
    if "missing_materials" in form:
        materials = list(case.item.materials) if case.item is not None else []
        chosen = [m for m in materials if not m.is_key] if isinstance(form, GapsForm) else materials
        # Pre-filled from the checklist taken at receipt: what was not received or defective (and why).
        short = {entry["name"]: entry.get("defect") or "" for entry in materials_short(case)}
        form["missing_materials"].choices = [
            SelectChoice(m.name, f"{m.name}（{short[m.name]}）" if short.get(m.name) else m.name) for m in chosen]
        if not bound:
            form["missing_materials"].data = [m.name for m in chosen if m.name in short]
    if "procedure_type" in form:
        form["procedure_type"].choices = [SelectChoice(p.value, PROCEDURE_LABELS[p])
                                          for p in procedure_types_for(case)]
    if "approver_id" in form:
        approvers = pause_approvers(case)
        if approvers:
            form["approver_id"].choices = [SelectChoice(u.id, f"{u.display_name} · {ROLE_LABELS[u.role]}")
                                           for u in approvers]
            if not bound:
                form["approver_id"].data = approvers[0].id
        else:  # nobody to choose: the service records whoever acts
            del form["approver_id"]
    if "departments" in form:
        if definition_of(case).step_states:
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
