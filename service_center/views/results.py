"""Published results (办件结果公示): the public list of decisions, searchable by item, department and date.

No sign-in. What is listed and what is shown of the applicant is decided in queries/results.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from ..database import read_without_transaction
from ..extensions import db
from ..forms.results import ResultFilterForm
from ..models import Department
from ..queries.results import published_result, published_results
from ..services.clock import local_today
from .pagination import paginate

bp = Blueprint("results", __name__)


@bp.route("/results")
def index():  # type: ignore[no-untyped-def]
    """The decisions in their publication window, newest first; a bad filter is a field error (400) and is left
    out while the others apply."""
    read_without_transaction(db.session)
    departments = db.session.execute(
        sa.select(Department.id, Department.name).where(Department.active).order_by(Department.code)).all()
    form = ResultFilterForm.over(request.args, [(str(d.id), d.name) for d in departments])
    page = paginate(published_results(local_today(), form.filters()))
    results = [published_result(case) for case in page.items]
    return render_template("results/index.html", form=form, page=page, results=results), 400 if form.errors else 200
