"""The counter (窗口收件): a clerk receives an application at one of their windows, ticking the item's
materials checklist (收件材料清单) with a note of any defect, then prints the receipt slip (收件凭证)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from ...auth import roles_required
from ...extensions import db
from ...forms.cases import ReceiveForm
from ...models import ApplicantKind, Item, ItemStatus, Role, Window, item_windows
from ...services import ServiceError
from ...services.intake import Applicant
from ...services.materials import MaterialCheck
from ...services.reception import receive_application
from ..pagination import int_arg
from . import bp


def _items_by_window(window_ids: list[int]) -> dict[int, list[Item]]:
    """Published items accepted at each of these windows (one query)."""
    rows = db.session.execute(
        sa.select(item_windows.c.window_id, Item)
        .join(Item, Item.id == item_windows.c.item_id)
        .where(item_windows.c.window_id.in_(window_ids), Item.status == ItemStatus.PUBLISHED)
        .options(selectinload(Item.materials))
        .order_by(Item.code)
    ).all()
    grouped: dict[int, list[Item]] = {w: [] for w in window_ids}
    for window_id, item in rows:
        grouped[window_id].append(item)
    return grouped


def posted_checklist(item: Item) -> list[MaterialCheck]:
    """The checklist as posted for ``item``: ``material-<id>-received`` ticked, ``material-<id>-defect``."""
    return [MaterialCheck(m.name, f"material-{m.id}-received" in request.form,
                          request.form.get(f"material-{m.id}-defect", ""))
            for m in item.materials]


@bp.route("/cases/receive", methods=["GET", "POST"])
@roles_required(Role.CLERK)
def receive():  # type: ignore[no-untyped-def]
    windows: list[Window] = list(current_user.windows)
    items = _items_by_window([w.id for w in windows])
    form = ReceiveForm()
    form.window.choices = [
        SelectChoice(w.id, f"{w.number} {w.name}" + ("" if w.is_open else " " + _("(closed)"))) for w in windows
    ]
    # Items grouped by window (an optgroup per window when the clerk serves several).
    several = len(windows) > 1
    form.item.choices = [
        SelectChoice(i.id, f"{i.code} {i.name}", optgroup=f"{w.number} {w.name}" if several else None)
        for w in windows for i in items[w.id]
    ]
    if request.method == "GET":
        chosen = int_arg("window")
        if chosen in items:
            form.window.data = chosen
        elif windows:
            form.window.data = next((w.id for w in windows if w.is_open), windows[0].id)
    material_errors: list[str] = []
    if form.validate_on_submit():
        window = next(w for w in windows if w.id == form.window.data)
        item = db.session.get(Item, form.item.data)
        try:
            case = receive_application(
                item=item,
                window=window,
                clerk=current_user,
                applicant=Applicant(
                    name=form.applicant_name.data or "",
                    id_number=form.applicant_id_number.data or "",
                    phone=form.applicant_phone.data or "",
                    kind=ApplicantKind(form.applicant_kind.data),
                ),
                title=form.title.data or "",
                licence_expires_on=form.licence_expires_on.data,
                materials=posted_checklist(item),
            )
        except ServiceError as error:
            db.session.rollback()
            if error.field == "materials":
                material_errors.append(error.message)
            else:
                target = form[error.field] if error.field and error.field in form else form.item
                target.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Application received: case %(number)s. Print the receipt slip for the applicant.",
                    number=case.number), "success")
            return redirect(url_for("cases.detail", case_id=case.id, received=1))
    status = 400 if form.errors or material_errors else 200
    checklists = {i.id: i for w in windows for i in items[w.id]}
    return render_template("cases/receive.html", form=form, windows=windows, has_items=any(items.values()),
                           checklists=checklists, material_errors=material_errors), status
