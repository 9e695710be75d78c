"""Action POSTs on a case: the form is read against the locked case, then the command path runs the verb and
commits once (:mod:`service_center.commands`).

A refused action rolls back and re-renders the case page with the message (400 / 403 / 409) and the
submitted form; success redirects to the case page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ...auth import STAFF_ROLES, roles_required
from ...commands import Command, InputRejected, run_action, run_step_action
from ...extensions import db
from ...models import Case
from ...queries.scope import can_see
from ...services import NotFound, ServiceError
from ...services.refusals import Forbidden
from . import bp
from .action_specs import build_form, form_inputs, spec_for
from .detail import render_case, step_form


def _refused(case_id: int, key: str, form: FlaskForm | None, error: ServiceError):  # type: ignore[no-untyped-def]
    """Show the message (and on its field), re-render the unchanged case with the submitted form."""
    if isinstance(error, NotFound):
        abort(404)
    if isinstance(error, Forbidden) and form is None:
        abort(403)
    if form is not None and error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    case = db.get_or_404(Case, case_id)
    if not can_see(case, current_user):
        abort(403)
    flash(error.message, "danger")
    return render_case(case, failed=(key, form) if form else None, status=error.status_code)


@bp.route("/cases/<int:case_id>/actions/<trigger>", methods=["POST"])
@roles_required(*STAFF_ROLES)
def act(case_id: int, trigger: str):  # type: ignore[no-untyped-def]
    submitted: list[FlaskForm] = []

    def read_form(case: Case, _command: Command) -> tuple[dict[str, object], int | None]:
        spec = spec_for(case, trigger)
        form = build_form(case, trigger, spec, bound=True)  # type: ignore[arg-type]
        submitted.append(form)
        if not form.validate():
            raise InputRejected(form.errors)
        return form_inputs(form), form["lock_version"].data

    try:
        done = run_action(case_id, trigger, current_user, read_form)
    except ServiceError as error:
        return _refused(case_id, trigger, submitted[0] if submitted else None, error)
    flash(_("Done: %(action)s.", action=done.label), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/steps/<int:step_id>/decision", methods=["POST"])
@roles_required(*STAFF_ROLES)
def decide_step(case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    form = step_form(step_id, bound=True)
    key = f"step{step_id}"
    if not form.validate():
        return _refused(case_id, key, form, InputRejected(form.errors))
    try:
        run_step_action(case_id, step_id, current_user, "decide",
                        {"decision": form.decision.data, "opinion": form.opinion.data or ""}, form.lock_version.data)
    except ServiceError as error:
        return _refused(case_id, key, form, error)
    flash(_("The department's decision was recorded."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


@bp.route("/cases/<int:case_id>/steps/<int:step_id>/supplement", methods=["POST"])
@roles_required(*STAFF_ROLES)
def step_supplement(case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    """The supplement a department asked for arrived: its share is pending again."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        run_step_action(case_id, step_id, current_user, "supplement", {}, None)
    except ServiceError as error:
        return _refused(case_id, "", None, error)
    flash(_("The supplement was recorded; the department reviews again."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))
