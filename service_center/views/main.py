"""The public front door, the staff landing pages and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

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


# The applicant's other doors (path, heading, link text), linked from the front door once the application
# serves them.
PUBLIC_DOORS = (
    ("/rate", _l("Rate a service"), _l("Rate the service you received")),
    ("/complain", _l("Complain"), _l("Make a complaint")),
    ("/results", _l("Published results"), _l("See the decisions made")),
)


def served(path: str) -> bool:
    """True when the application answers GET ``path`` (a page another part of the app provides)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    """Signed-in staff land on their role's page; everyone else gets the public front door: find a service,
    track a case, and the other applicant pages the application serves, with a staff sign-in link."""
    if not current_user.is_authenticated:
        return render_template("main/public.html", doors=[door for door in PUBLIC_DOORS if served(door[0])])
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
