"""``flask cases``: the case book's daily sweep, and the scheduler process that runs every job."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from .jobs import run_job
from .jobs_cli import echo_failures
from .scheduler import schedule_jobs

cases_cli = AppGroup("cases", help="Jobs on the cases (run daily by the scheduler or cron).")

SWEEP_JOBS = (
    ("cases.deemed_acceptance", "deemed_accepted", "{} applications deemed accepted"),
    ("cases.lapsed_gaps", "terminated", "{} cases terminated: materials accepted with gaps never arrived"),
    ("cases.renewals", "renewals_granted", "{} renewals granted by law: the licence expired with no decision"),
)


def _sweep_and_report() -> bool:
    """Run the sweep's jobs for the current period (once: a period already done shows what it did); True when
    something failed and nothing was handled."""
    done = failed = 0
    for name, count, message in SWEEP_JOBS:
        result = run_job(name)
        run = result.run
        counts = dict(run.counts) if run is not None else {}
        suffix = "" if result.ran else f" (period {result.period} already {result.status})"
        click.echo(message.format(counts.get(count, 0)) + suffix)
        done += counts.get(count, 0)
        if run is not None and result.ran:
            failed += len(run.failures) + bool(run.error)
            echo_failures(run)
    return bool(failed) and done == 0


@cases_cli.command("sweep")
def sweep_command() -> None:
    """Deem accepted (视为受理) every application whose 5-working-day notice period has ended, terminate the
    cases whose 容缺 materials never arrived by their due date, grant the renewals due by law. Each is a job of
    the registry (``flask jobs``) run for its current period, once.

    A case that cannot be handled (an unknown workflow version, a transition its state does not allow ...) is
    listed on stderr and the others go on. Exit status: 0 when anything was handled or nothing failed, 1 when
    every case it tried failed (so cron or a monitor sees a sweep that did nothing but fail).
    """
    if _sweep_and_report():
        raise SystemExit(1)


@cases_cli.command("scheduler")
@click.option("--now", is_flag=True, help="Also run what is due at once, before the first tick.")
def scheduler_command(now: bool) -> None:
    """Run the scheduler process: every registered job (``flask jobs list``) ticked every JOB_TICK_SECONDS,
    each period done once across all scheduler processes. Runs until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from .jobs import tick

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])
    schedule_jobs(app, scheduler)
    if now:
        for result in tick():
            counts = result.run.counts if result.run is not None else {}
            click.echo(f"{result.job} {result.period}: {result.status} {counts}")
    click.echo(f"scheduler running: {len(scheduler.get_jobs())} jobs ticked every "
               f"{app.config.get('JOB_TICK_SECONDS', 60)} s ({app.config['BABEL_DEFAULT_TIMEZONE']}); "
               "stop with Ctrl-C")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")
