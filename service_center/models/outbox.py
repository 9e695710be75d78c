"""The notifications outbox (通知发件箱): every message to send, written in the transaction that caused it.

See :mod:`service_center.services.outbox` for writing rows (``notify``, ``notify_many``) and sending them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow
from .case import Case
from .user import User


class Channel(enum.StrEnum):
    """How a message reaches its recipient: in the app (staff), by SMS or by e-mail."""

    IN_APP = "in_app"
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"  # a signed POST to an integration client's subscription (address: its URL)


class OutboxStatus(enum.StrEnum):
    """``pending`` until delivered (``sent``); ``dead`` after the last failed attempt (a dead letter)."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(db.Model):
    """One message to one recipient. ``key`` is unique: writing the same message again adds nothing.

    The recipient is a staff user (``user_id``: in-app messages) or an address (``address``: a phone number
    for SMS, an e-mail address). ``template`` names a message template, filled with ``params`` when sent or
    shown. In-app messages are delivered by being here (``sent`` at once); ``read_at`` is set when read.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint("(user_id IS NOT NULL) OR (address <> '')", name="has_a_recipient"),
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # accepted, supplement, warning_card ...
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "outbox_channel"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    template: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()
    case: Mapped[Case | None] = relationship()

    @property
    def recipient(self) -> str:
        """Who it goes to, for lists: the address, or the user's name."""
        return self.address or (self.user.display_name if self.user is not None else "")

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.key} {self.channel} {self.status}>"
