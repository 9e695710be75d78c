"""Supervision orders (督办) on the read side: who sees which, and the list's filters (the orders page and the
API share them)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..models import SupervisionOrder, User
from ..models.orders import AWAITING_RESPONSE
from ..services.orders import OFFICE_ROLES


def order_scope(user: User) -> sa.ColumnElement[bool]:
    """The office sees every order; a head only their department's."""
    if user.role in OFFICE_ROLES:
        return sa.true()
    return SupervisionOrder.department_id == user.department_id


def order_list_query(user: User, *, status: str = "", department_id: int | None = None,
                     overdue_on: date | None = None) -> sa.Select:
    """The orders ``user`` sees, by status, department, and still awaiting a response past their due date as of
    ``overdue_on``; latest due first."""
    query = sa.select(SupervisionOrder).where(order_scope(user))
    if status:
        query = query.where(SupervisionOrder.status == status)
    if department_id is not None:
        query = query.where(SupervisionOrder.department_id == department_id)
    if overdue_on is not None:
        query = query.where(SupervisionOrder.status.in_(AWAITING_RESPONSE), SupervisionOrder.due_on < overdue_on)
    return query.order_by(SupervisionOrder.due_on.desc(), SupervisionOrder.id.desc())
