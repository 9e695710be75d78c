"""``flask webhooks``: integration clients' webhook subscriptions (see docs/ONLINE.md)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from .extensions import db
from .models import WebhookSubscription
from .models.api import IntegrationClient
from .services import ServiceError
from .services.webhooks import add_subscription

webhooks_cli = AppGroup("webhooks", help="Webhook subscriptions: add, list, deactivate.")


@webhooks_cli.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--secret", default=None, help="The signing secret (16+ characters); default: a random one.")
@click.option("--client", "client_name", default=None, help="The integration client it belongs to.")
def add_command(name: str, url: str, secret: str | None, client_name: str | None) -> None:
    """Subscribe URL to case status changes; prints the signing secret once."""
    client = None
    if client_name is not None:
        client = db.session.scalar(sa.select(IntegrationClient).where(IntegrationClient.name == client_name))
        if client is None:
            raise click.UsageError(f"no integration client named {client_name}")
    try:
        subscription, secret = add_subscription(name, url, secret, client=client)
    except ServiceError as error:
        db.session.rollback()
        raise click.UsageError(error.message) from None
    db.session.commit()
    click.echo(f"subscription {subscription.name} -> {subscription.url}")
    click.echo(f"secret (shown once, give it to the receiver): {secret}")


@webhooks_cli.command("list")
def list_command() -> None:
    """Every subscription (never its secret)."""
    for s in db.session.scalars(sa.select(WebhookSubscription).order_by(WebhookSubscription.name)):
        client = s.client.name if s.client is not None else "-"
        click.echo(f"{s.name}\t{'active' if s.active else 'inactive'}\t{s.url}\t{client}")


@webhooks_cli.command("deactivate")
@click.argument("name")
def deactivate_command(name: str) -> None:
    """Stop sending to NAME (its pending messages fail and end as dead letters)."""
    subscription = db.session.scalar(sa.select(WebhookSubscription).where(WebhookSubscription.name == name))
    if subscription is None:
        raise click.UsageError(f"no subscription named {name}")
    subscription.active = False
    db.session.commit()
    click.echo(f"{name} deactivated")
