"""The head's queue (/approvals): extension and special-procedure requests, consolidations and reviewers'
opinions awaiting a department head or a manager (:mod:`service_center.queries.approvals`)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..auth import roles_required
from ..models import Role
from ..queries.approvals import approval_counts, approval_queues
from ..queries.deadlines import Deadlines

bp = Blueprint("approvals", __name__)


@bp.route("/approvals")
@roles_required(Role.DEPT_HEAD, Role.MANAGER)
def index():  # type: ignore[no-untyped-def]
    queues = approval_queues(current_user)
    listed = [case for cases in queues.values() for case in cases]
    return render_template("approvals/index.html", queues=queues, counts=approval_counts(current_user),
                           badges=Deadlines.now().badges(listed))
