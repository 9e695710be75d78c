"""``flask cases``: jobs on the case book that a scheduler (or cron) runs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .extensions import db
from .services.cases import apply_deemed_acceptance, terminate_lapsed_gaps

cases_cli = AppGroup("cases", help="Jobs on the cases (run daily by the scheduler or cron).")


@cases_cli.command("sweep")
def sweep_command() -> None:
    """Deem accepted (视为受理) every application whose 5-working-day notice period has ended, and terminate the
    cases whose 容缺 materials never arrived by their due date. Idempotent."""
    deemed = apply_deemed_acceptance()
    db.session.commit()
    click.echo(f"{deemed} applications deemed accepted")
    terminated = terminate_lapsed_gaps()
    db.session.commit()
    click.echo(f"{terminated} cases terminated: materials accepted with gaps never arrived")
