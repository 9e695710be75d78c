"""Complaints (投诉): the public complaint form (/complain, no account, contact optional) and staff entry of
complaints taken by phone or passed on from the 12345 hotline (/complaints/new, the oversight roles). Either way
the complaint becomes a case of the complaint workflow; its number and query code are shown once it is filed, so
the complainant tracks it at /track like any case. Only the oversight roles see complaint cases."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import OVERSIGHT_ROLES, roles_required
from ..extensions import db
from ..forms.complaints import ComplaintForm, StaffComplaintForm
from ..masking import mask_name, mask_phone
from ..services import ServiceError
from ..services.complaints import receive_complaint
from ..services.core import APPLICANT, Actor
from ..services.intake import Applicant

bp = Blueprint("complaints", __name__)


def _file(form: ComplaintForm, actor: Actor, source: str, work_order_number: str = ""):  # type: ignore[no-untyped-def]
    """Register the complaint from the form; None (with the message on its field) when refused."""
    try:
        case = receive_complaint(
            complainant=Applicant(form.name.data or "", phone=form.phone.data or ""), content=form.content.data or "",
            actor=actor, source=source, work_order_number=work_order_number,
            about_case_number=form.about_case_number.data or "", about_window=form.about_window.data or "",
            about_staff=form.about_staff.data or "")
    except ServiceError as exc:
        db.session.rollback()
        target = form._fields.get(exc.field or "") or form.content
        target.errors = [*target.errors, exc.message]  # type: ignore[attr-defined]
        return None
    db.session.commit()
    return case


@bp.route("/complain", methods=["GET", "POST"])
def complain():  # type: ignore[no-untyped-def]
    form = ComplaintForm()
    if form.validate_on_submit():
        case = _file(form, APPLICANT, "online")
        if case is not None:
            return render_template("complaints/filed.html", case=case, name=mask_name(case.applicant_name),
                                   phone=mask_phone(case.applicant_phone))
    return render_template("complaints/form.html", form=form, staff=False), 400 if form.errors else 200


@bp.route("/complaints/new", methods=["GET", "POST"])
@roles_required(*OVERSIGHT_ROLES)
def enter():  # type: ignore[no-untyped-def]
    form = StaffComplaintForm()
    if form.validate_on_submit():
        case = _file(form, Actor.staff(current_user), form.source.data or "", form.work_order_number.data or "")
        if case is not None:
            flash(_("Complaint %(number)s registered; query code %(code)s.", number=case.number,
                    code=case.query_code), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("complaints/form.html", form=form, staff=True), 400 if form.errors else 200
