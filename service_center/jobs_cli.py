"""``flask jobs``: the registered jobs, their last runs, and running one period by hand."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from .extensions import db
from .jobs import JobError, load_jobs, run_job
from .models import JobRun

jobs_cli = AppGroup("jobs", help="Scheduled jobs: list them, run one period.")

FAILURES_SHOWN = 50


def echo_failures(run: JobRun) -> None:
    """The run's error and the cases it could not handle, on stderr."""
    if run.error:
        click.echo(f"{run.job} {run.period} failed:\n{run.error}", err=True)
    if run.failures:
        click.echo(f"{len(run.failures)} cases not handled (the others went on):", err=True)
        for failure in run.failures[:FAILURES_SHOWN]:
            click.echo(f"  {failure.subject}: {failure.reason}", err=True)
        if len(run.failures) > FAILURES_SHOWN:
            click.echo(f"  ... and {len(run.failures) - FAILURES_SHOWN} more (see the admin page)", err=True)


def last_runs() -> dict[str, JobRun]:
    """Each job's latest run (by start)."""
    latest = (sa.select(JobRun.job, sa.func.max(JobRun.started_at).label("at")).group_by(JobRun.job).subquery())
    runs = db.session.scalars(sa.select(JobRun).join(latest, sa.and_(JobRun.job == latest.c.job,
                                                                      JobRun.started_at == latest.c.at)))
    return {run.job: run for run in runs}


@jobs_cli.command("list")
def list_command() -> None:
    """Every registered job: schedule, last run (period, start, outcome, counts)."""
    runs = last_runs()
    for name, job in load_jobs().items():
        run = runs.get(name)
        last = "never run" if run is None else (
            f"last {run.period} {run.outcome or 'running'} {run.counts or ''}".rstrip())
        click.echo(f"{name:28} {job.schedule:22} {last}")
        click.echo(f"{'':28} {job.description}")


@jobs_cli.command("run")
@click.argument("name")
@click.option("--period", default=None, help="A period key (YYYY-MM-DDTHH:MM, as `flask jobs list` shows); "
              "default: the current period.")
def run_command(name: str, period: str | None) -> None:
    """Run the job NAME for one period, unless that period is done or running elsewhere. Exit status 1 when
    the run failed."""
    try:
        result = run_job(name, period)
    except JobError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME" if period is None else "--period") from exc
    run = result.run
    if not result.ran:
        recorded = f": {run.outcome} {run.counts}" if run is not None else ""
        click.echo(f"{result.job} {result.period}: {result.status}{recorded}")
        return
    assert run is not None  # noqa: S101 - a run that ran has its row
    click.echo(f"{result.job} {result.period}: {run.outcome} {run.counts}")
    echo_failures(run)
    if run.outcome == "failed":
        raise SystemExit(1)
