"""Departments (入驻部门) and acceptance windows (受理窗口)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamps

if TYPE_CHECKING:
    from .catalogue import Item
    from .user import User


class Department(Timestamps, db.Model):
    """A department stationed in the hall (入驻部门)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    contact_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    head_name: Mapped[str] = mapped_column(sa.String(50), default="")
    active: Mapped[bool] = mapped_column(default=True)

    windows: Mapped[list[Window]] = relationship(back_populates="department", order_by="Window.number")

    def __repr__(self) -> str:
        return f"<Department {self.code} {self.name}>"


user_windows = sa.Table(
    "user_windows",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("window_id", sa.ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True),
)


class Window(Timestamps, db.Model):
    """An acceptance window (受理窗口) in the hall, belonging to one department."""

    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    hall_zone: Mapped[str] = mapped_column(sa.String(30), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(100), default="")
    is_open: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship(back_populates="windows")
    clerks: Mapped[list[User]] = relationship(secondary=user_windows, back_populates="windows")
    items: Mapped[list[Item]] = relationship(secondary="item_windows", back_populates="windows", viewonly=True)

    def __repr__(self) -> str:
        return f"<Window {self.number}>"
