"""Supervision orders (督办) and the daily inspection (日巡查): see :mod:`service_center.models.orders`.

- :func:`issue_order` (supervisor, manager) on a case, a step or a department; the due date is the response
  days in working days after the centre's day of issue. The department's heads are told (outbox).
- :func:`respond` (the head of the order's department, no other) while it awaits a response; the office
  (its issuer's roles) is told.
- :func:`close_order` (accepted) or :func:`send_back` (with a note; a new due date of the same working days
  from the return) by the office once answered.
- :func:`escalate_overdue_orders`: one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` raising an
  :class:`OrderEscalation` for each order still awaiting a response after its due date, once per order
  (the ``orders.escalate`` job); the department's heads and the office are told.
- :func:`take_inspection`: the daily summary (the ``supervision.inspection`` job), one row per working day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Case,
    CaseStep,
    Department,
    InspectionSummary,
    OrderEscalation,
    OrderStatus,
    OrderSubject,
    Role,
    SupervisionOrder,
    User,
    WarningCard,
    WarningLevel,
    utcnow,
)
from ..models.orders import AWAITING_RESPONSE, ORDER_OVERDUE_LEVEL, ORDER_OVERDUE_RULE
from ..text import clean_text
from . import ServiceError
from .clock import local_now, work_calendar
from .outbox import Notice, notify_many, register_template

TEXT_MAX = 2000
RESPONSE_DAYS_MAX = 30
OFFICE_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})
RESPONDER_ROLES = frozenset({Role.DEPT_HEAD})


def _text(value: str, field: str) -> str:
    text = clean_text(value or "").strip()
    if not text:
        raise ServiceError(_("This field is required."), field=field)
    if len(text) > TEXT_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=TEXT_MAX), field=field)
    return text


def _local_day(when: datetime | None) -> date:
    from .warnings import local_day

    return local_day(when) if when is not None else local_now().date()


def _office(user: User) -> None:
    if user.role not in OFFICE_ROLES:
        raise ServiceError(_("Only the supervision office may do this."))


def may_respond(order: SupervisionOrder, user: User) -> bool:
    """The head of the order's department, while the order awaits a response."""
    return (user.role in RESPONDER_ROLES and user.department_id == order.department_id
            and order.status in AWAITING_RESPONSE)


def may_review(order: SupervisionOrder, user: User) -> bool:
    """The office closes or sends back an answered order."""
    return user.role in OFFICE_ROLES and order.status == OrderStatus.ANSWERED


# -- the order's life ----------------------------------------------------------------------------------------


def issue_order(user: User, *, expectation: str, response_days: int, case: Case | None = None,
                step: CaseStep | None = None, department: Department | None = None,
                when: datetime | None = None) -> SupervisionOrder:
    """Issue an order on ``step`` (its department), ``case`` (its lead department) or ``department``. Flushes."""
    _office(user)
    if not isinstance(response_days, int) or not 1 <= response_days <= RESPONSE_DAYS_MAX:
        raise ServiceError(_("Between 1 and %(n)d working days.", n=RESPONSE_DAYS_MAX), field="response_days")
    if step is not None:
        subject, case, department_id = OrderSubject.STEP, step.case, step.department_id
    elif case is not None:
        subject, department_id = OrderSubject.CASE, case.department_id
    elif department is not None:
        subject, department_id = OrderSubject.DEPARTMENT, department.id
    else:
        raise ServiceError(_("Choose a case, a step or a department."))
    moment = when or utcnow()
    order = SupervisionOrder(
        subject=subject, case_id=case.id if case is not None else None, step_id=step.id if step else None,
        department_id=department_id, expectation=_text(expectation, "expectation"), response_days=response_days,
        due_on=work_calendar().add_working_days(_local_day(moment), response_days), status=OrderStatus.ISSUED,
        issued_by_id=user.id, issued_at=moment)
    db.session.add(order)
    db.session.flush()
    _tell_heads(order, "issued", f"order:{order.id}:issued")
    return order


def respond(order: SupervisionOrder, user: User, response: str, *, when: datetime | None = None) -> None:
    """The department's head answers the order. Flushes."""
    if user.role not in RESPONDER_ROLES or user.department_id != order.department_id:
        raise ServiceError(_("Only the head of the order's department may respond."))
    if order.status not in AWAITING_RESPONSE:
        raise ServiceError(_("This order is not awaiting a response."))
    order.response = _text(response, "response")
    order.responded_by_id, order.responded_at = user.id, when or utcnow()
    order.status = OrderStatus.ANSWERED
    db.session.flush()
    _tell_office(order, "answered", f"order:{order.id}:answered:{order.times_returned}")


def close_order(order: SupervisionOrder, user: User, *, when: datetime | None = None) -> None:
    """The office accepts the response: the order is closed. Flushes."""
    _office(user)
    if order.status != OrderStatus.ANSWERED:
        raise ServiceError(_("Only an answered order can be closed."))
    order.status, order.closed_by_id, order.closed_at = OrderStatus.CLOSED, user.id, when or utcnow()
    db.session.flush()


def send_back(order: SupervisionOrder, user: User, note: str, *, when: datetime | None = None) -> None:
    """The office does not accept the response: the head must answer again within the order's working days
    from today. Flushes."""
    _office(user)
    if order.status != OrderStatus.ANSWERED:
        raise ServiceError(_("Only an answered order can be sent back."))
    order.return_note = _text(note, "note")
    order.times_returned += 1
    order.status = OrderStatus.RETURNED
    order.due_on = work_calendar().add_working_days(_local_day(when or utcnow()), order.response_days)
    db.session.flush()
    _tell_heads(order, "returned", f"order:{order.id}:returned:{order.times_returned}")


# -- escalation -----------------------------------------------------------------------------------------------


def _insert(table: sa.Table):  # type: ignore[no-untyped-def]
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def escalate_overdue_orders(*, now: datetime) -> list[int]:
    """Raise an escalation for every order still awaiting a response after its due date (the centre's day of
    ``now``), once per order; tell the department's heads and the office. Returns the new escalations' ids."""
    today = _local_day(now)
    table = OrderEscalation.__table__
    select = sa.select(
        SupervisionOrder.id, sa.literal(ORDER_OVERDUE_LEVEL), sa.literal(ORDER_OVERDUE_RULE), SupervisionOrder.due_on,
        sa.literal(today, sa.Date), SupervisionOrder.department_id, sa.literal(now, OrderEscalation.raised_at.type),
    ).where(SupervisionOrder.status.in_(AWAITING_RESPONSE), SupervisionOrder.due_on < today,
            ~sa.exists().where(OrderEscalation.order_id == SupervisionOrder.id))
    statement = _insert(table).from_select(
        ["order_id", "level", "rule", "due_on", "judged_on", "department_id", "raised_at"], select
    ).on_conflict_do_nothing().returning(table.c.id, table.c.order_id)
    raised = db.session.execute(statement).all()
    for _id, order_id in raised:
        order = db.session.get(SupervisionOrder, order_id)
        if order is not None:
            _tell_heads(order, "overdue", f"order:{order.id}:overdue")
            _tell_office(order, "overdue", f"order:{order.id}:overdue")
    return [row[0] for row in raised]


# -- who hears of it --------------------------------------------------------------------------------------------


def _users(*conditions: sa.ColumnElement[bool]) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.active, *conditions).order_by(User.id)))


def office_users() -> list[int]:
    return _users(User.role.in_([r.value for r in OFFICE_ROLES]))


def _params(order: SupervisionOrder) -> dict[str, object]:
    return {"order": order.id, "number": order.case.number if order.case is not None else "",
            "department": order.department.name, "due": order.due_on.isoformat()}


def _send(order: SupervisionOrder, what: str, key: str, user_ids: Iterable[int]) -> int:
    params = _params(order)
    return notify_many(Notice(f"{key}:user:{uid}", f"order_{what}", "in_app", uid, f"order.{what}",
                              case_id=order.case_id, params=params) for uid in user_ids)


def _tell_heads(order: SupervisionOrder, what: str, key: str) -> int:
    return _send(order, what, key, _users(User.role == Role.DEPT_HEAD, User.department_id == order.department_id))


def _tell_office(order: SupervisionOrder, what: str, key: str) -> int:
    return _send(order, what, f"{key}:office", office_users())


register_template("order.issued", title=_l("Supervision order (督办)"), body=_l(
    "Supervision order {order} for {department} {number}: please respond by {due}."))
register_template("order.returned", title=_l("Supervision order sent back"), body=_l(
    "Supervision order {order} for {department} {number} was sent back: please respond again by {due}."))
register_template("order.answered", title=_l("Supervision order answered"), body=_l(
    "{department} answered supervision order {order} {number}."))
register_template("order.overdue", title=_l("Yellow card: supervision order overdue"), body=_l(
    "Yellow card (黄牌): supervision order {order} for {department} {number} was not answered by {due}."))
register_template("inspection.daily", title=_l("Daily inspection (日巡查)"), body=_l(
    "Daily inspection of {day}: new cards {reminders} reminder(s), {yellow} yellow, {red} red, {escalations} "
    "overdue order(s); {open} open order(s), {due_today} response(s) due today, {overdue} overdue."))


# -- the daily inspection -------------------------------------------------------------------------------------


def take_inspection(*, day: date, now: datetime) -> InspectionSummary | None:
    """The inspection of ``day`` as of ``now``: new cards (by level) and escalations since the previous
    inspection, orders open, due today and overdue; the office is told. Once per day: a re-run returns the
    stored summary and adds no notification. Flushes."""
    existing = db.session.scalar(sa.select(InspectionSummary).where(InspectionSummary.day == day))
    if existing is not None:
        return existing
    since = db.session.scalar(sa.select(sa.func.max(InspectionSummary.taken_at)).where(InspectionSummary.day < day))
    window = [WarningCard.raised_at <= now] + ([WarningCard.raised_at > since] if since is not None else [])
    by_level = dict(db.session.execute(
        sa.select(WarningCard.level, sa.func.count()).where(*window).group_by(WarningCard.level)).all())
    escalated = [OrderEscalation.raised_at <= now] + ([OrderEscalation.raised_at > since] if since else [])
    count = sa.select(sa.func.count()).select_from(SupervisionOrder)
    awaiting = SupervisionOrder.status.in_(AWAITING_RESPONSE)
    summary = InspectionSummary(
        day=day, since=since, taken_at=now,
        new_reminders=by_level.get(WarningLevel.REMINDER, 0), new_yellow=by_level.get(WarningLevel.YELLOW, 0),
        new_red=by_level.get(WarningLevel.RED, 0),
        new_escalations=db.session.scalar(sa.select(sa.func.count()).select_from(OrderEscalation)
                                          .where(*escalated)) or 0,
        open_orders=db.session.scalar(count.where(SupervisionOrder.status != OrderStatus.CLOSED)) or 0,
        due_today=db.session.scalar(count.where(awaiting, SupervisionOrder.due_on == day)) or 0,
        overdue=db.session.scalar(count.where(awaiting, SupervisionOrder.due_on < day)) or 0,
    )
    db.session.add(summary)
    db.session.flush()
    params = {"day": day.isoformat(), "reminders": summary.new_reminders, "yellow": summary.new_yellow,
              "red": summary.new_red, "escalations": summary.new_escalations, "open": summary.open_orders,
              "due_today": summary.due_today, "overdue": summary.overdue}
    notify_many(Notice(f"inspection:{day.isoformat()}:user:{uid}", "inspection", "in_app", uid, "inspection.daily",
                       params=params) for uid in office_users())
    return summary


def orders_to_answer(user: User, *, limit: int = 20) -> Sequence[SupervisionOrder]:
    """A head's orders awaiting their response, earliest due first (their landing page)."""
    if user.role not in RESPONDER_ROLES or user.department_id is None:
        return []
    return list(db.session.scalars(
        sa.select(SupervisionOrder).where(SupervisionOrder.department_id == user.department_id,
                                          SupervisionOrder.status.in_(AWAITING_RESPONSE))
        .order_by(SupervisionOrder.due_on, SupervisionOrder.id).limit(limit)))
