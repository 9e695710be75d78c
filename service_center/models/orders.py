"""Supervision orders (督办) and the daily inspection (日巡查) of the supervision office (issue #9 item 4).

An order is issued on a case, a step of a case or a department, says what is expected and gives a response
deadline in working days (``due_on``). The department's head responds; the office closes it (accepted) or
sends it back (a new deadline of the same working days from the return). An order still unanswered after its
due date escalates once: an :class:`OrderEscalation` (level yellow, rule ``order_overdue``).

Why an escalation record and not a :class:`~.supervision.WarningCard`: a card belongs to a case (``case_id`` is
required, the lists, scopes and statistics of cards join the case, and the once-only key is per case or step),
while an order may be on a department alone. The escalation mirrors a card (level, rule, due date, judged day,
working days over, the responsible department, raised once by ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``,
append-only) and is listed with the orders.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow
from .case import Case, CaseStep
from .organisation import Department
from .user import User

ORDER_OVERDUE_RULE = "order_overdue"
ORDER_OVERDUE_LEVEL = "yellow"


class OrderSubject(enum.StrEnum):
    CASE = "case"
    STEP = "step"
    DEPARTMENT = "department"


class OrderStatus(enum.StrEnum):
    ISSUED = "issued"  # 待答复
    RETURNED = "returned"  # 退回重新答复
    ANSWERED = "answered"  # 已答复, awaiting the office
    CLOSED = "closed"  # 已办结 (the response was accepted)


AWAITING_RESPONSE = (OrderStatus.ISSUED, OrderStatus.RETURNED)


class SupervisionOrder(db.Model):
    """A supervision order (督办单): issued by the office, answered by the department's head."""

    __tablename__ = "supervision_orders"
    __table_args__ = (
        sa.CheckConstraint("(subject = 'department') = (case_id IS NULL)", name="case_unless_department"),
        sa.CheckConstraint("(subject = 'step') = (step_id IS NOT NULL)", name="step_exactly_for_step"),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_exactly_when_closed"),
        sa.CheckConstraint("response_days BETWEEN 1 AND 30", name="response_days_in_range"),
        sa.Index("ix_supervision_orders_status_due", "status", "due_on"),
        sa.Index("ix_supervision_orders_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[OrderSubject] = mapped_column(enum_type(OrderSubject, "order_subject"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_steps.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    expectation: Mapped[str] = mapped_column(sa.Text)
    response_days: Mapped[int]
    due_on: Mapped[date]  # the response deadline (working days from the issue, or from the last return)
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, "order_status"), default=OrderStatus.ISSUED)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    response: Mapped[str] = mapped_column(sa.Text, default="")  # the latest response
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_note: Mapped[str] = mapped_column(sa.Text, default="")  # why it was last sent back
    times_returned: Mapped[int] = mapped_column(default=0)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case | None] = relationship()
    step: Mapped[CaseStep | None] = relationship()
    department: Mapped[Department] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    escalation: Mapped[OrderEscalation | None] = relationship(back_populates="order", uselist=False)


class OrderEscalation(db.Model):
    """An order not answered by its due date (督办超期): raised once per order, never changed."""

    __tablename__ = "order_escalations"
    __table_args__ = (sa.Index("ix_order_escalations_raised", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("supervision_orders.id"), unique=True)
    level: Mapped[str] = mapped_column(sa.String(10), default=ORDER_OVERDUE_LEVEL)
    rule: Mapped[str] = mapped_column(sa.String(20), default=ORDER_OVERDUE_RULE)
    due_on: Mapped[date]  # the response deadline when it was raised
    judged_on: Mapped[date]  # the centre's day of the sweep that raised it
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[SupervisionOrder] = relationship(back_populates="escalation")
    department: Mapped[Department] = relationship()


class InspectionSummary(db.Model):
    """The daily inspection (日巡查) of one working day: what happened since the previous one, and what is open."""

    __tablename__ = "inspection_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the previous inspection's moment (None: first)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    new_reminders: Mapped[int] = mapped_column(default=0)
    new_yellow: Mapped[int] = mapped_column(default=0)
    new_red: Mapped[int] = mapped_column(default=0)
    new_escalations: Mapped[int] = mapped_column(default=0)
    open_orders: Mapped[int] = mapped_column(default=0)  # not closed
    due_today: Mapped[int] = mapped_column(default=0)  # awaiting a response due today
    overdue: Mapped[int] = mapped_column(default=0)  # awaiting a response past its due date
