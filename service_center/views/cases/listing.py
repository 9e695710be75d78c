"""The case list (/cases): scoped by role, searched, filtered by state and deadline, by promised due date."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ...auth import STAFF_ROLES, roles_required
from ...case_labels import state_choices
from ...queries.cases import case_list_query
from ...queries.deadlines import Deadlines
from ..pagination import paginate, search_term
from . import bp

DUE_FILTERS = ("overdue", "soon")


@bp.route("/cases")
@roles_required(*STAFF_ROLES)
def index():  # type: ignore[no-untyped-def]
    q = search_term()
    states = state_choices()
    state = request.args.get("state", "", type=str)
    if state not in dict(states):
        state = ""
    due = request.args.get("due", "", type=str)
    if due not in DUE_FILTERS:
        due = ""
    deadlines = Deadlines.now()
    page = paginate(case_list_query(current_user, q=q, state=state, due=due, deadlines=deadlines))
    return render_template(
        "cases/list.html", page=page, q=q, state=state, due=due, states=states, deadlines=deadlines,
        badges=deadlines.badges(page.items),
    )
