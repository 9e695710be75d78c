"""``flask cases``: jobs on the case book that a scheduler (or cron) runs."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from .scheduler import SweepResult, schedule_jobs, sweep

cases_cli = AppGroup("cases", help="Jobs on the cases (run daily by the scheduler or cron).")

FAILURES_SHOWN = 50


def _sweep_and_report() -> SweepResult:
    result = sweep()
    click.echo(f"{result.deemed_accepted} applications deemed accepted")
    click.echo(f"{result.terminated} cases terminated: materials accepted with gaps never arrived")
    click.echo(f"{result.renewals_granted} renewals granted by law: the licence expired with no decision")
    if result.failed:
        click.echo(f"{len(result.failed)} cases not handled (the others went on):", err=True)
        for failure in result.failed[:FAILURES_SHOWN]:
            click.echo(f"  {failure.number}: {failure.reason}", err=True)
        if len(result.failed) > FAILURES_SHOWN:
            click.echo(f"  ... and {len(result.failed) - FAILURES_SHOWN} more (see the log)", err=True)
    return result


@cases_cli.command("sweep")
def sweep_command() -> None:
    """Deem accepted (视为受理) every application whose 5-working-day notice period has ended, and terminate the
    cases whose 容缺 materials never arrived by their due date. Idempotent.

    A case that cannot be handled (an unknown workflow version, a transition its state does not allow ...) is
    listed on stderr and the others go on. Exit status: 0 when anything was handled or nothing failed, 1 when
    every case it tried failed (so cron or a monitor sees a sweep that did nothing but fail).
    """
    if _sweep_and_report().everything_failed:
        raise SystemExit(1)


@cases_cli.command("scheduler")
@click.option("--now", is_flag=True, help="Also sweep once at start.")
def scheduler_command(now: bool) -> None:
    """Run the scheduler process: the sweep daily at SWEEP_CRON (centre time). Runs until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BlockingScheduler(timezone=app.config["BABEL_DEFAULT_TIMEZONE"])
    schedule_jobs(app, scheduler)
    if now:
        _sweep_and_report()
    click.echo(f"scheduler running: case sweep at '{app.config['SWEEP_CRON']}' "
               f"({app.config['BABEL_DEFAULT_TIMEZONE']}); stop with Ctrl-C")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")
