"""``flask demo``: seed a realistic demo hall (safe to run twice)."""

import time

import click
from flask.cli import with_appcontext


@click.command("demo")
@click.option("--days", default=182, show_default=True, help="How many days of historical cases to generate.")
@click.option("--cases/--no-cases", default=True, show_default=True, help="Generate the historical cases.")
@click.option("--force", is_flag=True, help="Seed even under the production configuration.")
@with_appcontext
def demo_command(days: int, cases: bool, force: bool) -> None:
    """Seed the demo centre: departments, windows, catalogue, users, and six months of cases."""
    from flask import current_app

    from ..extensions import db

    if not current_app.config["DEMO_ALLOWED"] and not force:
        raise click.ClickException("refusing to create demo accounts (password demo1234) in production; "
                                   "pass --force if this really is a demo installation")
    from .cases import seed_demo_cases
    from .seed import seed_demo

    seed_demo()
    if not cases:
        return
    started = time.perf_counter()
    created = seed_demo_cases(days=days, echo=click.echo)  # up to now: nothing dated later
    db.session.commit()
    if created:
        click.echo(f"Historical cases: {created} over the past {days} days ({time.perf_counter() - started:.0f} s).")
        _run_the_derived_jobs(days)
    else:
        click.echo("Historical cases already present, nothing added.")


def _run_the_derived_jobs(days: int) -> None:
    """What the scheduler process would have derived from the history by now (`make run` starts none): the warning
    cards as of now and the statistics rollup of the demo's days, so the supervision and statistics pages show it."""
    from datetime import timedelta

    from ..extensions import db
    from ..services.clock import local_now
    from ..services.statistics import refresh_days
    from ..services.warnings import raise_warning_cards

    now = local_now()
    cards = raise_warning_cards(now=now)
    rows = refresh_days(now.date() - timedelta(days=days), now.date())
    db.session.commit()
    click.echo(f"Warning cards raised: {cards.total}; statistics rollup: {rows} rows.")
