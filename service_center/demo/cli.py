"""``flask demo``: seed a realistic demo hall (safe to run twice)."""

import click
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed the demo centre: departments, windows, catalogue and users."""
    from .seed import seed_demo

    seed_demo()
