"""Machine access pages: a staff member's own personal access tokens (/account/tokens) and the administrators'
integration clients with their API keys (/admin/integrations). A new token's secret is shown once, on the page
that created it; only its hash is kept."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth import STAFF_ROLES, roles_required
from ..extensions import db
from ..forms.api_tokens import IntegrationKeyForm, TokenForm
from ..forms.users import IntegrationClientForm
from ..models import Department, Role, Window, utcnow
from ..models.api import IntegrationClient, TokenKind
from ..services import ServiceError
from ..services.api_tokens import (
    create_integration_client,
    integration_clients,
    integration_keys,
    issue_integration_key,
    issue_personal_token,
    personal_tokens,
    revoke_token,
)

bp = Blueprint("tokens", __name__)


def _show_refusal(form: FlaskForm, error: ServiceError, fields: dict[str, str] | None = None) -> None:
    db.session.rollback()
    name = (fields or {}).get(error.field or "", error.field or "")
    form[name if name in form else "name"].errors.append(error.message)


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def personal():  # type: ignore[no-untyped-def]
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            issued = issue_personal_token(current_user, name=form.name.data or "", scope=form.scope.data or "",
                                          days=form.days.data)
        except ServiceError as error:
            _show_refusal(form, error)
        else:
            secret = issued.secret
            db.session.commit()
            form = TokenForm(formdata=None)
    return render_template("tokens/personal.html", form=form, secret=secret, tokens=personal_tokens(current_user),
                           now=utcnow(), revoke=FlaskForm()), 400 if form.errors else 200


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(*STAFF_ROLES)
def revoke_personal(token_id: int):  # type: ignore[no-untyped-def]
    if FlaskForm().validate_on_submit():
        revoke_token(token_id, by=current_user, kind=TokenKind.PERSONAL)
        db.session.commit()
        flash(_("The token was revoked."), "success")
    return redirect(url_for("tokens.personal"))


def _client_form() -> IntegrationClientForm:
    form = IntegrationClientForm()
    form.set_choices(list(db.session.scalars(sa.select(Department).where(Department.active)
                                             .order_by(Department.code))),
                     list(db.session.scalars(sa.select(Window).order_by(Window.number))))
    return form


@bp.route("/admin/integrations", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def integrations():  # type: ignore[no-untyped-def]
    form = _client_form()
    if form.validate_on_submit():
        try:
            client = create_integration_client(
                name=form.display_name.data or "", role=Role(form.role.data),
                department=db.session.get(Department, form.department_id.data) if form.department_id.data else None,
                windows=list(db.session.scalars(sa.select(Window).where(Window.id.in_(form.window_ids.data or [])))),
                created_by=current_user)
        except ServiceError as error:
            _show_refusal(form, error, {"name": "display_name", "windows": "window_ids",
                                        "department": "department_id", "display_name": "display_name"})
        else:
            db.session.commit()
            return redirect(url_for("tokens.integration", client_id=client.id))
    return render_template("tokens/integrations.html", form=form, clients=integration_clients()), (
        400 if form.errors else 200)


@bp.route("/admin/integrations/<int:client_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def integration(client_id: int):  # type: ignore[no-untyped-def]
    client = db.get_or_404(IntegrationClient, client_id)
    form = IntegrationKeyForm()
    secret = None
    if form.validate_on_submit():
        expires = utcnow() + timedelta(days=form.days.data) if form.days.data else None
        try:
            issued = issue_integration_key(client, name=form.name.data or "", scope=form.scope.data or "",
                                           expires_at=expires, created_by=current_user)
        except ServiceError as error:
            _show_refusal(form, error)
        else:
            secret = issued.secret
            db.session.commit()
            form = IntegrationKeyForm(formdata=None)
    return render_template("tokens/integration.html", client=client, form=form, secret=secret,
                           keys=integration_keys(client), now=utcnow(), revoke=FlaskForm()), (
        400 if form.errors else 200)


@bp.route("/admin/integrations/<int:client_id>/keys/<int:token_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke_key(client_id: int, token_id: int):  # type: ignore[no-untyped-def]
    if FlaskForm().validate_on_submit():
        revoke_token(token_id, by=current_user, kind=TokenKind.INTEGRATION)
        db.session.commit()
        flash(_("The key was revoked."), "success")
    return redirect(url_for("tokens.integration", client_id=client_id))
