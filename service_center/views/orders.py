"""Supervision orders (督办) and the daily inspection (日巡查) pages: the office lists, issues, closes or sends
back orders and reads the inspections; a department's head answers its own department's orders."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth import roles_required
from ..extensions import db
from ..forms.orders import CloseOrderForm, IssueOrderForm, OrderFilterForm, RespondForm, SendBackForm
from ..models import Case, Department, InspectionSummary, Role, SupervisionOrder
from ..queries.orders import order_list_query, order_scope
from ..services import ServiceError
from ..services.clock import local_today
from ..services.orders import OFFICE_ROLES, close_order, issue_order, may_respond, may_review, respond, send_back
from .pagination import paginate

bp = Blueprint("orders", __name__, url_prefix="/supervision")

ORDER_ROLES = (*OFFICE_ROLES, Role.DEPT_HEAD)
STATUS_LABELS = {"issued": _l("Awaiting response"), "returned": _l("Sent back"), "answered": _l("Answered"),
                 "closed": _l("Closed")}
SUBJECT_LABELS = {"case": _l("Case"), "step": _l("Review step"), "department": _l("Department")}


def _labels() -> dict[str, dict[str, str]]:
    return {"status": {k: str(v) for k, v in STATUS_LABELS.items()},
            "subject": {k: str(v) for k, v in SUBJECT_LABELS.items()}}


def _departments() -> list[tuple[str, str]]:
    return [(str(i), n) for i, n in db.session.execute(
        sa.select(Department.id, Department.name).where(Department.active).order_by(Department.code))]


def _choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """A filter's choices: any (blank), then ``pairs``."""
    return [SelectChoice("", "—"), *(SelectChoice(value, label) for value, label in pairs)]


@bp.route("/orders")
@roles_required(*ORDER_ROLES)
def orders():  # type: ignore[no-untyped-def]
    form = OrderFilterForm(request.args)
    form.status.choices = _choices(_labels()["status"].items())
    form.department.choices = _choices(_departments())
    form.validate()
    query = order_list_query(
        current_user, status=form.status.data if form.status.data and not form.status.errors else "",
        department_id=int(form.department.data) if form.department.data and not form.department.errors else None,
        overdue_on=local_today() if form.overdue.data == "yes" and not form.overdue.errors else None)
    page = paginate(query)
    return render_template("supervision/orders.html", form=form, page=page, labels=_labels(),
                           today=local_today()), 400 if form.errors else 200


@bp.route("/orders/new", methods=["GET", "POST"])
@roles_required(*OFFICE_ROLES)
def new_order():  # type: ignore[no-untyped-def]
    """On ``?case=ID``: the whole case or one of its steps; otherwise a department."""
    case = None
    case_id = request.args.get("case", "")
    if case_id:
        case = db.session.get(Case, int(case_id)) if case_id.isdigit() else None
        if case is None:
            abort(404)
    form = IssueOrderForm()
    if case is not None:
        form.target.choices = [SelectChoice("case", _("The whole case (%(name)s)", name=case.department.name)),
                               *(SelectChoice(f"step:{s.id}", _("Review step of %(name)s", name=s.department.name))
                                 for s in case.steps)]
    else:
        form.target.choices = [SelectChoice(f"department:{i}", n) for i, n in _departments()]
    if form.validate_on_submit():
        kind, _sep, ident = form.target.data.partition(":")
        target: dict[str, object] = {"case": case}
        if kind == "step" and case is not None:
            target["step"] = next(s for s in case.steps if str(s.id) == ident)
        elif kind == "department":
            target = {"department": db.session.get(Department, int(ident))}
        try:
            order = issue_order(current_user, expectation=form.expectation.data,
                                response_days=form.response_days.data, **target)  # type: ignore[arg-type]
        except ServiceError as error:
            db.session.rollback()
            form[error.field if error.field in form else "expectation"].errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Supervision order issued; a response is due by %(day)s.", day=order.due_on.isoformat()),
                  "success")
            return redirect(url_for("orders.order", order_id=order.id))
    return render_template("supervision/order_new.html", form=form, case=case), 400 if form.errors else 200


def _order_or_404(order_id: int) -> SupervisionOrder:
    order = db.session.scalar(sa.select(SupervisionOrder).where(SupervisionOrder.id == order_id,
                                                                order_scope(current_user)))
    if order is None:
        abort(404)
    return order


def _page(order: SupervisionOrder, status: int = 200, **forms: object):  # type: ignore[no-untyped-def]
    context = {"respond_form": RespondForm(formdata=None), "close_form": CloseOrderForm(formdata=None),
               "send_back_form": SendBackForm(formdata=None), **forms}
    return render_template("supervision/order.html", order=order, labels=_labels(), today=local_today(),
                           may_respond=may_respond(order, current_user), may_review=may_review(order, current_user),
                           **context), status


@bp.route("/orders/<int:order_id>")
@roles_required(*ORDER_ROLES)
def order(order_id: int):  # type: ignore[no-untyped-def]
    return _page(_order_or_404(order_id))


def _act(order_id: int, form_class: type, allowed, action, message: str, form_name: str):  # type: ignore[no-untyped-def]
    order = _order_or_404(order_id)
    if not allowed(order, current_user):
        abort(403)
    form = form_class()
    if form.validate_on_submit():
        try:
            action(order, form)
        except ServiceError as error:
            db.session.rollback()
            order = _order_or_404(order_id)
            target = error.field if error.field in form else next(f.name for f in form if f.name != "csrf_token")
            form[target].errors.append(error.message)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("orders.order", order_id=order.id))
    return _page(order, 400, **{form_name: form})


@bp.route("/orders/<int:order_id>/respond", methods=["POST"])
@roles_required(Role.DEPT_HEAD)
def respond_to(order_id: int):  # type: ignore[no-untyped-def]
    return _act(order_id, RespondForm, may_respond, lambda o, f: respond(o, current_user, f.response.data),
                _("Response sent to the supervision office."), "respond_form")


@bp.route("/orders/<int:order_id>/close", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def close(order_id: int):  # type: ignore[no-untyped-def]
    return _act(order_id, CloseOrderForm, may_review, lambda o, f: close_order(o, current_user),
                _("Supervision order closed."), "close_form")


@bp.route("/orders/<int:order_id>/send-back", methods=["POST"])
@roles_required(*OFFICE_ROLES)
def send_back_order(order_id: int):  # type: ignore[no-untyped-def]
    return _act(order_id, SendBackForm, may_review, lambda o, f: send_back(o, current_user, f.note.data),
                _("Supervision order sent back to the department."), "send_back_form")


@bp.route("/inspection")
@roles_required(*OFFICE_ROLES)
def inspection():  # type: ignore[no-untyped-def]
    page = paginate(sa.select(InspectionSummary).order_by(InspectionSummary.day.desc()))
    return render_template("supervision/inspection.html", page=page)

