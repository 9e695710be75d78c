"""Catalogue admin: list, detail with version history, create and edit (drafts in place, published items as
a new version), publish, and import/export as CSV or Excel."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...forms.catalogue import ImportForm, ItemForm
from ...models import CaseType, Department, Item, ItemCategory, ItemStatus, Window
from ...services import ServiceError
from ...services.catalogue import item_history, latest_versions, publish_item, retire_item, save_item
from ...services.catalogue_io import ImportRejected, export_csv, export_xlsx, import_catalogue
from ..pagination import int_arg, like, paginate, search_term
from . import bp

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _enum_arg(name: str, enum_cls: type) -> object:
    value = request.args.get(name, "")
    return enum_cls(value) if value in {m.value for m in enum_cls} else None


@bp.route("/items")
def items():  # type: ignore[no-untyped-def]
    """Current items (the latest version of each code); ?all=1 shows superseded versions too."""
    q = search_term()
    show_all = request.args.get("all") == "1"
    filters = {
        "department_id": int_arg("department_id", 0),
        "category": _enum_arg("category", ItemCategory),
        "case_type": _enum_arg("case_type", CaseType),
        "status": _enum_arg("status", ItemStatus),
    }
    if filters["status"] == ItemStatus.SUPERSEDED:
        show_all = True
    query = (sa.select(Item) if show_all else latest_versions()).options(selectinload(Item.department))
    if q:
        query = query.where(sa.or_(Item.code.ilike(like(q), escape="\\"), Item.name.ilike(like(q), escape="\\")))
    if filters["department_id"]:
        query = query.where(Item.department_id == filters["department_id"])
    for name in ("category", "case_type", "status"):
        if filters[name] is not None:
            query = query.where(getattr(Item, name) == filters[name])
    query = query.order_by(Item.code, Item.version.desc())
    departments = db.session.scalars(sa.select(Department).order_by(Department.code))
    return render_template(
        "admin/items.html",
        page=paginate(query),
        q=q,
        show_all=show_all,
        filters=filters,
        departments=list(departments),
        categories=list(ItemCategory),
        case_types=list(CaseType),
        statuses=list(ItemStatus),
    )


@bp.route("/items/<int:item_id>")
def item_detail(item_id: int):  # type: ignore[no-untyped-def]
    item = db.get_or_404(Item, item_id)
    return render_template("admin/item_detail.html", item=item, history=item_history(item.code))


def _form_choices(form: ItemForm, item: Item | None) -> None:
    used_departments = set()
    used_windows = set()
    if item is not None:
        used_departments = {item.department_id, item.lead_department_id} | {
            d.id for d in item.participating_departments
        }
        used_windows = {w.id for w in item.windows}
    departments = db.session.scalars(
        sa.select(Department)
        .where(sa.or_(Department.active.is_(True), Department.id.in_(used_departments - {None})))
        .order_by(Department.code)
    )
    windows = db.session.scalars(
        sa.select(Window).where(sa.or_(Window.is_open.is_(True), Window.id.in_(used_windows))).order_by(Window.number)
    )
    form.set_choices(list(departments), list(windows))


@bp.route("/items/new", methods=["GET", "POST"])
@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
def item_form(item_id: int | None = None):  # type: ignore[no-untyped-def]
    """New items start as drafts; a draft is changed in place, a published item gets a new version."""
    item = db.get_or_404(Item, item_id) if item_id else None
    if item is not None and item.status == ItemStatus.SUPERSEDED:
        flash(_("This version is superseded; edit the current version instead."), "warning")
        return redirect(url_for("admin.item_detail", item_id=item.id))
    if item is not None and item.status == ItemStatus.RETIRED:
        flash(_("This item is retired; it can no longer be changed."), "warning")
        return redirect(url_for("admin.item_detail", item_id=item.id))
    form = ItemForm()
    _form_choices(form, item)
    if item is not None:
        del form.code
        if request.method == "GET":
            form.fill_from(item)
    if form.validate_on_submit():
        try:
            saved = save_item(item, form.to_data(), code=form.code.data if item is None else "")
        except ServiceError as error:
            db.session.rollback()
            target = form._fields.get(error.field or "")
            if target is None:
                raise
            target.errors.append(error.message)
        else:
            db.session.commit()
            if item is not None and saved is item and item.status == ItemStatus.PUBLISHED:
                flash(_("Nothing was changed; no new version was made."), "info")
            elif item is not None and saved.id != item.id:
                flash(_("Saved as version %(version)d; the previous version is superseded.", version=saved.version),
                      "success")
            else:
                flash(_("Item saved."), "success")
            return redirect(url_for("admin.item_detail", item_id=saved.id))
    status = 400 if form.errors else 200
    return render_template("admin/item_form.html", form=form, item=item), status


@bp.route("/items/<int:item_id>/publish", methods=["POST"])
def item_publish(item_id: int):  # type: ignore[no-untyped-def]
    item = db.get_or_404(Item, item_id)
    publish_item(item)  # a ServiceError (409 on a double publish) is rendered by the error handler
    db.session.commit()
    flash(_("Item %(code)s published.", code=item.code), "success")
    return redirect(url_for("admin.item_detail", item_id=item.id))


@bp.route("/items/<int:item_id>/retire", methods=["POST"])
def item_retire(item_id: int):  # type: ignore[no-untyped-def]
    """Retire (停用) the item: the counter stops offering it, running cases go on, the guide shows it withdrawn."""
    item = db.get_or_404(Item, item_id)
    retire_item(item)  # a ServiceError (409 when not the current published version) goes to the error handler
    db.session.commit()
    flash(_("Item %(code)s retired: no new applications are received for it.", code=item.code), "success")
    return redirect(url_for("admin.item_detail", item_id=item.id))


def _download(content: bytes, fmt: str, stem: str) -> Response:
    mimetype = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_MIMETYPE
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@bp.route("/items/export.<fmt>")
def items_export(fmt: str):  # type: ignore[no-untyped-def]
    """The current published catalogue, one row per item."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    content = export_csv() if fmt == "csv" else export_xlsx()
    return _download(content, fmt, "catalogue")


@bp.route("/items/template.<fmt>")
def items_template(fmt: str):  # type: ignore[no-untyped-def]
    """An empty file with the import columns."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    content = export_csv(empty=True) if fmt == "csv" else export_xlsx(empty=True)
    return _download(content, fmt, "catalogue-template")


@bp.route("/items/import", methods=["GET", "POST"])
def items_import():  # type: ignore[no-untyped-def]
    """Upload a catalogue file; every row is checked and nothing is written unless all rows are valid."""
    form = ImportForm()
    errors = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = import_catalogue(upload.filename or "", upload.read())
        except ImportRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
        except ServiceError as error:
            db.session.rollback()
            form.file.errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _(
                    "Catalogue imported: %(created)d created, %(revised)d revised, %(unchanged)d unchanged.",
                    created=len(result.created),
                    revised=len(result.revised),
                    unchanged=len(result.unchanged),
                ),
                "success",
            )
            return redirect(url_for("admin.items"))
    status = 400 if (errors or form.errors) else 200
    return render_template("admin/items_import.html", form=form, errors=errors), status
