"""Webhook subscriptions (集成事件订阅): an integration client's URL and signing secret.

Case status changes are written to the outbox once per active subscription (channel ``webhook``) and POSTed
to ``url`` signed with HMAC-SHA256 under ``secret`` (:mod:`service_center.services.webhooks`). The secret is
kept as given: the sender needs it to sign, so it cannot be stored as a hash. ``client``: the integration client
(:class:`~service_center.models.api.IntegrationClient`) it belongs to, if any; removing the client removes it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .api import IntegrationClient
from .base import UTCDateTime, utcnow


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (sa.CheckConstraint("length(secret) >= 16", name="secret_long_enough"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    url: Mapped[str] = mapped_column(sa.String(200))
    secret: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("integration_clients.id", ondelete="CASCADE"),
                                                  index=True)

    client: Mapped[IntegrationClient | None] = relationship()
