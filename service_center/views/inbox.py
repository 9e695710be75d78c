"""Staff notifications in the app (站内通知): the list, marking read, and the unread count in the header."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..services.outbox import inbox, mark_read, render, unread_count
from .pagination import MAX_ID

bp = Blueprint("inbox", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread() -> dict:
    """``unread_notifications()`` for the header: counted only where a page calls it, for a signed-in user."""

    def unread_notifications() -> int:
        return unread_count(current_user.id) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}


@bp.route("")
@login_required
def index():  # type: ignore[no-untyped-def]
    messages = [(m, *render(m.template, m.params or {})) for m in inbox(current_user.id)]
    return render_template("inbox/index.html", messages=messages)


@bp.route("/read", methods=["POST"])
@login_required
def read():  # type: ignore[no-untyped-def]
    """Mark the chosen messages read, or all of them (``all``)."""
    if request.form.get("all"):
        mark_read(current_user.id)
    else:
        ids = [int(v) for v in request.form.getlist("message_id") if v.isdigit() and 1 <= int(v) <= MAX_ID]
        if not ids:
            flash(_("Choose the notifications to mark read."), "error")
            return redirect(url_for("inbox.index"))
        mark_read(current_user.id, ids)
    db.session.commit()
    return redirect(url_for("inbox.index"))
