"""Ratings (好差评) of closed cases: one per case per channel, five levels, bad ones with a reason.

A bad rating (不满意, 非常不满意) opens a rectification task (差评整改) for the responsible window, recorded on the
rating. Closed cases left unrated get 基本满意 from the ``ratings.default`` job, flagged ``is_default`` and on the
channel ``default`` so they are counted apart from active ratings.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow
from .case import Case
from .organisation import Window
from .user import User


class RatingChannel(enum.StrEnum):
    TRACKING = "tracking"  # the public tracking page
    LINK = "link"  # the link or QR code on the receipt slip or a notice
    EVALUATOR = "evaluator"  # the window's evaluator (评价器)
    PHONE = "phone"  # staff entry of a rating given by phone
    PAPER = "paper"  # staff entry of a rating given on paper
    DEFAULT = "default"  # given by the default job to a case left unrated


STAFF_CHANNELS = frozenset({RatingChannel.PHONE, RatingChannel.PAPER})


class RatingLevel(enum.StrEnum):
    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


BAD_LEVELS = frozenset({RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED})


class Rating(db.Model):
    """A rating of a closed case on one channel; who entered it when staff did, the window answering for it,
    and the rectification task a bad rating opened."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "channel", name="uq_ratings_case_channel"),
        sa.CheckConstraint("level NOT IN ('dissatisfied', 'very_dissatisfied') OR reason <> ''",
                           name="bad_rating_has_reason"),
        sa.CheckConstraint("is_default = (channel = 'default')", name="default_exactly_on_default_channel"),
        sa.Index("ix_ratings_window_rated", "window_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    channel: Mapped[RatingChannel] = mapped_column(enum_type(RatingChannel, "rating_channel"))
    level: Mapped[RatingLevel] = mapped_column(enum_type(RatingLevel, "rating_level"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    is_default: Mapped[bool] = mapped_column(default=False)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("windows.id"))
    rectification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), unique=True)

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    entered_by: Mapped[User | None] = relationship()
    window: Mapped[Window | None] = relationship()
    rectification: Mapped[Case | None] = relationship(foreign_keys=[rectification_id])


class RatingAppealStatus(enum.StrEnum):
    PENDING = "pending"  # 申诉中
    UPHELD = "upheld"  # 维持: the rating stands
    REVOKED = "revoked"  # 撤销: kept on record, left out of the rates


class RatingAppeal(db.Model):
    """The responsible window's appeal (申诉) of a rating it considers malicious, and the supervision office's
    decision on it, with a reason."""

    __tablename__ = "rating_appeals"
    __table_args__ = (
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_exactly_when_not_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(sa.ForeignKey("ratings.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    appealed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    appealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[RatingAppealStatus] = mapped_column(enum_type(RatingAppealStatus, "rating_appeal_status"),
                                                       default=RatingAppealStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")

    rating: Mapped[Rating] = relationship()
    appealed_by: Mapped[User] = relationship(foreign_keys=[appealed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
