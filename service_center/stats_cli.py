"""``flask stats``: rebuild the statistics rollup of a range of days."""

from __future__ import annotations

import time
from datetime import datetime

import click
from flask.cli import AppGroup

from .extensions import db
from .services.statistics import refresh_days

stats_cli = AppGroup("stats", help="Statistics: rebuild the daily rollup.")


@stats_cli.command("rebuild")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
def rebuild_command(first: datetime, last: datetime) -> None:
    """Rewrite the rollup rows of the days from --from to --to (inclusive) in one transaction: the same rows the
    scheduled refresh writes. Idempotent."""
    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    started = time.perf_counter()
    rows = refresh_days(first.date(), last.date())
    db.session.commit()
    click.echo(f"stats rebuilt {first.date()} .. {last.date()}: {rows} rows in {time.perf_counter() - started:.1f} s")
