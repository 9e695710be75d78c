"""``flask`` commands: user management and the demo centre."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .models import Department, Role, Window
from .services import ServiceError
from .services.accounts import create_user

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--display-name", default=None, help="Defaults to the username.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_code", default=None, help="Department code (reviewers, heads).")
@click.option("--window", "window_numbers", multiple=True, help="Window number a clerk serves (repeatable).")
@click.password_option(help="Prompted for when omitted.")
def create_user_command(
    username: str,
    display_name: str | None,
    role: str,
    department_code: str | None,
    window_numbers: tuple[str, ...],
    password: str,
) -> None:
    """Create a staff account."""
    department = None
    if department_code:
        department = db.session.scalar(sa.select(Department).where(Department.code == department_code))
        if department is None:
            raise click.BadParameter(f"no department with code {department_code}", param_hint="--department")
    windows = list(db.session.scalars(sa.select(Window).where(Window.number.in_(window_numbers))))
    missing = set(window_numbers) - {w.number for w in windows}
    if missing:
        raise click.BadParameter(f"unknown windows: {', '.join(sorted(missing))}", param_hint="--window")
    try:
        user = create_user(
            username=username,
            display_name=display_name or username,
            password=password,
            role=Role(role),
            department=department,
            windows=windows,
        )
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")


def register_cli(app: Flask) -> None:
    from .calendar_cli import calendar_cli
    from .cases_cli import cases_cli
    from .demo.cli import demo_command
    from .jobs_cli import jobs_cli
    from .stats_cli import stats_cli
    from .webhooks_cli import webhooks_cli

    app.cli.add_command(calendar_cli)
    app.cli.add_command(cases_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
