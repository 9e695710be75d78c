"""Action POSTs on a case: one trigger or one step decision, one service call, one commit.

A refused action rolls back and re-renders the case page with the message (400 / 403 / 409) and the
submitted form; success commits once and redirects to the case page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ...auth import STAFF_ROLES, roles_required
from ...extensions import db
from ...models import Case, CaseStep
from ...services import ServiceError
from ...services.cases import Actor, flush, lock_case, workflow_label
from ...services.steps import record_step_decision, record_step_supplement
from . import bp
from .action_specs import build_form, spec_for
from .detail import render_case, step_form
from .queries import in_scope


def _locked_case_in_scope(case_id: int) -> Case:
    case = lock_case(case_id)  # NotFound (404) when unknown; row-locked on PostgreSQL
    if not in_scope(case, current_user):
        abort(403)
    return case


def _refused(case_id: int, key: str, form: FlaskForm, error: ServiceError):  # type: ignore[no-untyped-def]
    """Roll back, show the message (and on its field), re-render the unchanged case with the submitted form."""
    db.session.rollback()
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    flash(error.message, "danger")
    return render_case(db.get_or_404(Case, case_id), failed=(key, form), status=error.status_code)


def _run(call) -> None:  # type: ignore[no-untyped-def]
    """Call the service and flush; a concurrent update caught at flush time is a Conflict too."""
    call()
    flush()


@bp.route("/cases/<int:case_id>/actions/<trigger>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def act(case_id: int, trigger: str):  # type: ignore[no-untyped-def]
    case = _locked_case_in_scope(case_id)
    spec = spec_for(case, trigger)
    if spec is None:
        abort(404)
    form = build_form(case, trigger, spec, bound=True)
    if not form.validate():
        flash(_("Please correct the errors below."), "danger")
        return render_case(case, failed=(trigger, form), status=400)
    try:
        _run(lambda: spec.run(case, Actor.staff(current_user), form, form["lock_version"].data))
    except ServiceError as error:
        return _refused(case_id, trigger, form, error)
    db.session.commit()
    flash(_("Done: %(action)s.", action=workflow_label(case, trigger)), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/steps/<int:step_id>/decision", methods=["POST"])
@roles_required(*STAFF_ROLES)
def decide_step(case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    case = _locked_case_in_scope(case_id)
    step = db.session.get(CaseStep, step_id)
    if step is None or step.case_id != case.id:
        abort(404)
    key = f"step{step.id}"
    form = step_form(step, bound=True)
    if not form.validate():
        flash(_("Please correct the errors below."), "danger")
        return render_case(case, failed=(key, form), status=400)
    try:
        _run(lambda: record_step_decision(step.id, Actor.staff(current_user), form.decision.data,
                                          form.opinion.data or "", expected_version=form.lock_version.data))
    except ServiceError as error:
        return _refused(case_id, key, form, error)
    db.session.commit()
    flash(_("The department's decision was recorded."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/steps/<int:step_id>/supplement", methods=["POST"])
@roles_required(*STAFF_ROLES)
def step_supplement(case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    """The supplement a department asked for arrived: its share is pending again."""
    case = _locked_case_in_scope(case_id)
    step = db.session.get(CaseStep, step_id)
    if step is None or step.case_id != case.id:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        _run(lambda: record_step_supplement(step.id, Actor.staff(current_user)))
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return render_case(db.get_or_404(Case, case_id), status=error.status_code)
    db.session.commit()
    flash(_("The supplement was recorded; the department reviews again."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))
