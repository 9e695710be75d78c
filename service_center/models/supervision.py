"""Supervision (电子监察): warning cards raised by the sweep, their appeals, and the office's thresholds.

A card is a record: raised once per (case or step, level, rule), never updated or deleted. What happens to it
afterwards (an appeal, the office upholding or revoking it) lives in :class:`CardAppeal`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow
from .case import Case, CaseStep
from .organisation import Department, Window
from .user import User


class WarningLevel(enum.StrEnum):
    REMINDER = "reminder"  # 提示
    YELLOW = "yellow"  # 黄牌
    RED = "red"  # 红牌


class WarningRule(enum.StrEnum):
    """Why a card was raised (each rule has one level, see :data:`RULE_LEVELS`)."""

    PROMISED_SOON = "promised_soon"  # the promised limit has the reminder period or less left
    PROMISED_PASSED = "promised_passed"  # past the promised limit, within the statutory one
    STEP_OVERRAN = "step_overran"  # a department's step overran its own limit
    DELIVERY_LATE = "delivery_late"  # the certificate was not delivered by its due date
    STATUTORY_PASSED = "statutory_passed"  # past the statutory limit


RULE_LEVELS = {
    WarningRule.PROMISED_SOON: WarningLevel.REMINDER,
    WarningRule.PROMISED_PASSED: WarningLevel.YELLOW,
    WarningRule.STEP_OVERRAN: WarningLevel.YELLOW,
    WarningRule.DELIVERY_LATE: WarningLevel.YELLOW,
    WarningRule.STATUTORY_PASSED: WarningLevel.RED,
}


class WarningCard(db.Model):
    """A warning card (预警/黄牌/红牌): the rule, the due date and the working days over at the moment it was
    judged, and who answers for it. Append-only."""

    __tablename__ = "warning_cards"
    __table_args__ = (
        # Raised once: the key never holds the due date, so a calendar change that moves it adds nothing.
        sa.Index("uq_warning_cards_case", "case_id", "level", "rule", unique=True,
                 postgresql_where=sa.text("step_id IS NULL"), sqlite_where=sa.text("step_id IS NULL")),
        sa.Index("uq_warning_cards_step", "step_id", "level", "rule", unique=True,
                 postgresql_where=sa.text("step_id IS NOT NULL"), sqlite_where=sa.text("step_id IS NOT NULL")),
        sa.Index("ix_warning_cards_raised", "raised_at"),
        sa.Index("ix_warning_cards_department_raised", "department_id", "raised_at"),
        sa.Index("ix_warning_cards_handler", "handler_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_steps.id"))
    level: Mapped[WarningLevel] = mapped_column(enum_type(WarningLevel, "warning_level"))
    rule: Mapped[WarningRule] = mapped_column(enum_type(WarningRule, "warning_rule"))
    due_on: Mapped[date]  # the due date when the card was raised
    judged_on: Mapped[date]  # the day the rule was judged as of: the sweep's day, or when the case's clock stopped
    working_days_over: Mapped[int]  # past the due date on judged_on; 0 or less for a reminder (minus the days left)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("windows.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
    step: Mapped[CaseStep | None] = relationship()
    window: Mapped[Window | None] = relationship()
    department: Mapped[Department] = relationship()
    handler: Mapped[User | None] = relationship()
    appeal: Mapped[CardAppeal | None] = relationship(back_populates="card", uselist=False)


@sa.event.listens_for(WarningCard, "before_update")
def _cards_are_never_changed(mapper, _connection, target: WarningCard) -> None:  # type: ignore[no-untyped-def]
    """Any change of a card's own columns is refused (an appeal, added through the relationship, is not one)."""
    state = sa.inspect(target)
    if any(state.attrs[column.key].history.has_changes() for column in mapper.column_attrs):
        raise PermissionError(f"warning cards are append-only (card {target.id})")


@sa.event.listens_for(WarningCard, "before_delete")
def _cards_are_never_deleted(_mapper, _connection, target: WarningCard) -> None:  # type: ignore[no-untyped-def]
    raise PermissionError(f"warning cards are append-only (card {target.id})")


class AppealStatus(enum.StrEnum):
    PENDING = "pending"  # 申诉中
    UPHELD = "upheld"  # 维持: the card stands
    REVOKED = "revoked"  # 撤销: kept on record, left out of statistics


class CardAppeal(db.Model):
    """The responsible department's appeal (申诉) of a card, and the supervision office's decision on it."""

    __tablename__ = "card_appeals"
    __table_args__ = (
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_exactly_when_not_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("warning_cards.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    appealed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    appealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[AppealStatus] = mapped_column(enum_type(AppealStatus, "appeal_status"),
                                                 default=AppealStatus.PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")

    card: Mapped[WarningCard] = relationship(back_populates="appeal")
    appealed_by: Mapped[User] = relationship(foreign_keys=[appealed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


DEFAULT_SCOPE = "default"


class WarningSetting(db.Model):
    """A threshold the supervision office sets: the reminder period in working days, for every item
    (``scope`` "default") or for one item category (``scope`` the category). Read by each sweep, so a change
    applies from the next sweep on; cards already raised stay as they are."""

    __tablename__ = "warning_settings"
    __table_args__ = (sa.CheckConstraint("reminder_days BETWEEN 0 AND 10", name="reminder_days_in_range"),)

    scope: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    reminder_days: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
