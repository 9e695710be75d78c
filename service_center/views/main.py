"""Landing pages and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..models import Role

bp = Blueprint("main", __name__)

LANDING_TEMPLATES = {
    Role.CLERK: "main/clerk.html",
    Role.REVIEWER: "main/reviewer.html",
    Role.DEPT_HEAD: "main/reviewer.html",
    Role.MANAGER: "main/oversight.html",
    Role.SUPERVISOR: "main/oversight.html",
    Role.ADMIN: "main/admin.html",
}


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    """Each role lands on its own page."""
    from ..queries.cases import landing_context

    return render_template(LANDING_TEMPLATES[current_user.role], **landing_context(current_user))


@bp.route("/lang/<code>")
def set_language(code: str):  # type: ignore[no-untyped-def]
    if code in ("zh_CN", "en"):
        session["lang"] = code
    target = request.referrer or url_for("main.index")
    if not target.startswith(request.host_url):
        target = url_for("main.index")
    return redirect(target)
