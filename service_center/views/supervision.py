"""The supervision office's pages (电子监察): warning cards with filters, a card with its appeal, thresholds."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import OVERSIGHT_ROLES, roles_required
from ..extensions import db
from ..forms.supervision import AppealDecisionForm, AppealForm, CardFilterForm, ThresholdsForm
from ..models import Department, Role, WarningCard, Window
from ..models.supervision import DEFAULT_SCOPE
from ..queries.warnings import card_list_query, card_scope
from ..services import ServiceError
from ..services.supervision import (
    DECISION_ROLES,
    THRESHOLD_ROLES,
    appeal_card,
    decide_appeal,
    may_appeal,
    save_thresholds,
)
from ..services.warnings import reminder_thresholds
from .pagination import paginate

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

CARD_ROLES = (*OVERSIGHT_ROLES, Role.DEPT_HEAD, Role.REVIEWER, Role.CLERK)

LABELS = {
    "level": {"reminder": _l("Reminder (提示)"), "yellow": _l("Yellow card (黄牌)"), "red": _l("Red card (红牌)")},
    "rule": {
        "promised_soon": _l("Promised date near"),
        "promised_passed": _l("Promised date passed"),
        "step_overran": _l("Review step overran"),
        "delivery_late": _l("Delivery late"),
        "statutory_passed": _l("Statutory limit passed"),
    },
    "state": {"open": _l("Case open"), "closed": _l("Case closed")},
    "appeal": {"none": _l("Not appealed"), "pending": _l("Appeal pending"), "upheld": _l("Upheld"),
               "revoked": _l("Revoked")},
}


def card_labels() -> dict[str, dict[str, str]]:
    return {group: {key: str(text) for key, text in texts.items()} for group, texts in LABELS.items()}


@bp.route("/cards")
@roles_required(*CARD_ROLES)
def cards():  # type: ignore[no-untyped-def]
    """The cards the user may see, filtered and paginated; a bad filter is a field error, the rest apply."""
    departments = [(str(i), n) for i, n in db.session.execute(
        sa.select(Department.id, Department.name).order_by(Department.code))]
    windows = [(str(i), f"{num} {n}") for i, num, n in db.session.execute(
        sa.select(Window.id, Window.number, Window.name).order_by(Window.number))]
    labels = card_labels()
    form = CardFilterForm.for_list(request.args, departments=departments, windows=windows, labels=labels)
    page = paginate(card_list_query(current_user, form.filters()))
    return render_template("supervision/cards.html", form=form, page=page, labels=labels), (
        400 if form.errors else 200)


def _card_or_404(card_id: int) -> WarningCard:
    card = db.session.scalar(sa.select(WarningCard).where(WarningCard.id == card_id, card_scope(current_user)))
    if card is None:
        abort(404)
    return card


@bp.route("/cards/<int:card_id>", methods=["GET", "POST"])
@roles_required(*CARD_ROLES)
def card(card_id: int):  # type: ignore[no-untyped-def]
    """A card; its department's head appeals it here, the supervision office decides the appeal here."""
    card = _card_or_404(card_id)
    appealing = "reason" in request.form  # the two forms of the page have fields of their own
    appeal_form = AppealForm() if appealing or request.method == "GET" else AppealForm(formdata=None)
    decision_form = AppealDecisionForm() if not appealing else AppealDecisionForm(formdata=None)
    status = 200
    if request.method == "POST":
        try:
            if appealing:
                if not may_appeal(card, current_user):
                    abort(403)
                if appeal_form.validate_on_submit():
                    appeal_card(card, current_user, appeal_form.reason.data)
                    db.session.commit()
                    flash(_("Appeal submitted."), "success")
                    return redirect(url_for("supervision.card", card_id=card.id))
            else:
                if current_user.role not in DECISION_ROLES or card.appeal is None:
                    abort(403)
                if decision_form.validate_on_submit():
                    decide_appeal(card.appeal, current_user, revoke=decision_form.decision.data == "revoke",
                                  reason=decision_form.decision_reason.data)
                    db.session.commit()
                    flash(_("Decision recorded."), "success")
                    return redirect(url_for("supervision.card", card_id=card.id))
        except ServiceError as error:
            db.session.rollback()
            target = appeal_form.reason if appealing else decision_form.decision_reason
            target.errors = [*target.errors, error.message]
            card = _card_or_404(card_id)
        status = 400
    return render_template("supervision/card.html", card=card, labels=card_labels(), appeal_form=appeal_form,
                           decision_form=decision_form, may_appeal=may_appeal(card, current_user),
                           may_decide=current_user.role in DECISION_ROLES), status


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*THRESHOLD_ROLES)
def settings():  # type: ignore[no-untyped-def]
    """The reminder period, for every item and per item category; applies from the next sweep on."""
    stored = reminder_thresholds()
    form = ThresholdsForm(data={name: stored.get(name) for name in (DEFAULT_SCOPE, *ThresholdsForm.CATEGORIES)})
    if form.validate_on_submit():
        values = {DEFAULT_SCOPE: form.default.data, **{c: form[c].data for c in ThresholdsForm.CATEGORIES}}
        try:
            save_thresholds(values, current_user)
        except ServiceError as error:
            db.session.rollback()
            form[error.field if error.field in form else DEFAULT_SCOPE].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Warning thresholds saved; they apply from the next sweep on."), "success")
            return redirect(url_for("supervision.settings"))
    return render_template("supervision/settings.html", form=form), 400 if form.errors else 200
