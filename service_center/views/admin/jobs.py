"""Scheduled jobs for administrators: each job's schedule and last run, the runs with their failures, and the
notifications given up on (dead letters), which can be sent again."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...jobs import load_jobs
from ...jobs_cli import last_runs
from ...models import JobOutcome, JobRun
from ...services.delivery import dead_letters, retry_dead
from ..pagination import MAX_ID, paginate
from . import bp


@bp.route("/jobs")
def jobs():  # type: ignore[no-untyped-def]
    registry = load_jobs()
    job = request.args.get("job", "")
    outcome = request.args.get("outcome", "")
    query = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job in registry:
        query = query.where(JobRun.job == job)
    if outcome == "running":
        query = query.where(JobRun.finished_at.is_(None))
    elif outcome in set(JobOutcome):
        query = query.where(JobRun.outcome == outcome)
    return render_template("admin/jobs.html", registry=registry, last=last_runs(), page=paginate(query),
                           job=job if job in registry else "", outcome=outcome, outcomes=list(JobOutcome),
                           dead=dead_letters())


@bp.route("/jobs/runs/<int:run_id>")
def job_run(run_id: int):  # type: ignore[no-untyped-def]
    run = db.session.get(JobRun, run_id) or abort(404)
    return render_template("admin/job_run.html", run=run)


@bp.route("/jobs/dead-letters/retry", methods=["POST"])
def retry_dead_letters():  # type: ignore[no-untyped-def]
    ids = [int(v) for v in request.form.getlist("message_id") if v.isdigit() and 1 <= int(v) <= MAX_ID]
    if not ids:
        flash(_("Choose the messages to send again."), "error")
    else:
        count = retry_dead(ids)
        db.session.commit()
        flash(_("%(count)s messages will be sent again.", count=count), "success")
    return redirect(url_for("admin.jobs"))
