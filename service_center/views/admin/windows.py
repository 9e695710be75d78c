"""Windows admin: list with search and pagination, create, edit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager
from wtforms.fields.choices import SelectChoice

from ...extensions import db
from ...forms.organisation import WindowForm
from ...models import Department, Window
from ...services.organisation import save_window
from ..pagination import like, paginate, search_term
from ..saving import save_or_show
from . import bp

WINDOW_FIELDS = ("number", "name", "department_id", "hall_zone", "opening_hours", "is_open")


@bp.route("/windows")
def windows():  # type: ignore[no-untyped-def]
    q = search_term()
    query = (
        sa.select(Window).join(Window.department).options(contains_eager(Window.department)).order_by(Window.number)
    )
    if q:
        pattern = like(q)
        query = query.where(
            sa.or_(
                Window.number.ilike(pattern, escape="\\"),
                Window.name.ilike(pattern, escape="\\"),
                Department.code.ilike(pattern, escape="\\"),
                Department.name.ilike(pattern, escape="\\"),
            )
        )
    return render_template("admin/windows.html", page=paginate(query), q=q)


@bp.route("/windows/new", methods=["GET", "POST"])
@bp.route("/windows/<int:window_id>/edit", methods=["GET", "POST"])
def window_form(window_id: int | None = None):  # type: ignore[no-untyped-def]
    window = db.get_or_404(Window, window_id) if window_id else None
    form = WindowForm(obj=window)
    departments = db.session.scalars(
        sa.select(Department)
        .where(sa.or_(Department.active.is_(True), Department.id == (window.department_id if window else None)))
        .order_by(Department.code)
    )
    form.department_id.choices = [SelectChoice(d.id, f"{d.code} {d.name}") for d in departments]
    if form.validate_on_submit():
        done = save_or_show(form, lambda: save_window(window, **{f: form[f].data for f in WINDOW_FIELDS}),
                            saved=_("Window saved."), then=url_for("admin.windows"))
        if done:
            return done
    status = 400 if form.errors else 200
    return render_template("admin/window_form.html", form=form, window=window), status
