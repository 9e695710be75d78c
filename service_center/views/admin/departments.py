"""Departments admin: list with search and pagination, create, edit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...forms.organisation import DepartmentForm
from ...models import Department
from ...services.organisation import save_department
from ..pagination import like, paginate, search_term
from ..saving import save_or_show
from . import bp

DEPARTMENT_FIELDS = ("code", "name", "contact_phone", "head_name", "active")


@bp.route("/departments")
def departments():  # type: ignore[no-untyped-def]
    q = search_term()
    query = sa.select(Department).order_by(Department.code)
    if q:
        query = query.where(
            sa.or_(Department.code.ilike(like(q), escape="\\"), Department.name.ilike(like(q), escape="\\"))
        )
    return render_template("admin/departments.html", page=paginate(query), q=q)


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
def department_form(department_id: int | None = None):  # type: ignore[no-untyped-def]
    department = db.get_or_404(Department, department_id) if department_id else None
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        done = save_or_show(form, lambda: save_department(department, **{f: form[f].data for f in DEPARTMENT_FIELDS}),
                            saved=_("Department saved."), then=url_for("admin.departments"))
        if done:
            return done
    status = 400 if form.errors else 200
    return render_template("admin/department_form.html", form=form, department=department), status
