"""``flask calendar``: seed the working-day calendar from chinese-calendar, mark days, publish years."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from .extensions import db
from .services.clock import publish_year, seed_calendar_from_package, set_calendar_day

calendar_cli = AppGroup("calendar", help="The working-day calendar (holidays, make-up days, local closures).")


@calendar_cli.command("seed")
@click.option("--since", "first_year", type=int, default=None, help="First year to store (default: two years ago).")
def seed_command(first_year: int | None) -> None:
    """Store the State Council schedules shipped with chinese-calendar (idempotent)."""
    added = seed_calendar_from_package(first_year)
    db.session.commit()
    click.echo(f"stored {added} calendar days")


@calendar_cli.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--off/--work", "off", default=True, help="A day off (default) or a working day.")
@click.option("--note", default="")
def set_command(day, off: bool, note: str) -> None:  # type: ignore[no-untyped-def]
    """Mark DAY (YYYY-MM-DD) as a day off or a working day and recompute open deadlines."""
    recomputed = set_calendar_day(day.date(), not off, note)
    db.session.commit()
    click.echo(f"{day.date().isoformat()}: {'off' if off else 'working day'}; {recomputed} open cases recomputed")


@calendar_cli.command("publish")
@click.argument("year", type=int)
def publish_command(year: int) -> None:
    """Declare YEAR's schedule complete: its deadlines stop being provisional."""
    if year < 2000 or year > date.max.year:
        raise click.BadParameter("year out of range")
    recomputed = publish_year(year)
    db.session.commit()
    click.echo(f"{year} published; {recomputed} open cases recomputed")
