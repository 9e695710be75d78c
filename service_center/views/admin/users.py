"""Users admin: list with search and role filter, create, edit (role, scope, active), reset password."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...forms.users import PasswordResetForm, UserCreateForm, UserEditForm
from ...models import Department, Role, User, Window
from ...services.accounts import change_password, create_user, update_user
from ..pagination import like, paginate, search_term
from ..saving import save_or_show
from . import bp


@bp.route("/users")
def users():  # type: ignore[no-untyped-def]
    q = search_term()
    role = request.args.get("role", "")
    query = sa.select(User).options(selectinload(User.windows), selectinload(User.department)).order_by(User.username)
    if q:
        query = query.where(
            sa.or_(User.username.ilike(like(q), escape="\\"), User.display_name.ilike(like(q), escape="\\"))
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    return render_template("admin/users.html", page=paginate(query), q=q, role=role, roles=list(Role))


def _choices(form: UserCreateForm | UserEditForm, user: User | None) -> None:
    departments = db.session.scalars(
        sa.select(Department)
        .where(sa.or_(Department.active.is_(True), Department.id == (user.department_id if user else None)))
        .order_by(Department.code)
    )
    windows = db.session.scalars(sa.select(Window).order_by(Window.number))
    form.set_choices(list(departments), list(windows))


# Service field names -> form field names.
_FORM_FIELDS = {"windows": "window_ids", "department": "department_id"}


def _assignment(form: UserCreateForm | UserEditForm) -> dict:
    windows = list(db.session.scalars(sa.select(Window).where(Window.id.in_(form.window_ids.data or []))))
    department = db.session.get(Department, form.department_id.data) if form.department_id.data else None
    return {"role": Role(form.role.data), "department": department, "windows": windows}


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():  # type: ignore[no-untyped-def]
    form = UserCreateForm()
    _choices(form, None)
    if form.validate_on_submit():
        done = save_or_show(form, lambda: create_user(username=form.username.data,
                                                      display_name=form.display_name.data,
                                                      password=form.password.data, **_assignment(form)),
                            saved=_("User created."), then=url_for("admin.users"), fields=_FORM_FIELDS,
                            default_field="display_name")
        if done:
            return done
    status = 400 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    _choices(form, user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.department_id.data = user.department_id or 0
        form.window_ids.data = [w.id for w in user.windows]
    if form.validate_on_submit():
        done = save_or_show(form, lambda: update_user(user, acting_user=current_user,
                                                      display_name=form.display_name.data,
                                                      active=form.active.data, **_assignment(form)),
                            saved=_("User saved."), then=url_for("admin.users"), fields=_FORM_FIELDS,
                            default_field="display_name")
        if done:
            return done
    status = 400 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def user_password(user_id: int):  # type: ignore[no-untyped-def]
    """Set a new password; the user's sessions and remember-me cookies end."""
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        done = save_or_show(form, lambda: change_password(user, form.password.data),
                            saved=_("The password of %(name)s was reset; their sessions have ended.",
                                    name=user.username),
                            then=url_for("admin.users"), default_field="password")
        if done:
            return done
    status = 400 if form.errors else 200
    return render_template("admin/user_password.html", form=form, user=user), status
