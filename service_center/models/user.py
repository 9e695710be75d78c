"""Staff accounts and roles."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import Timestamps, UTCDateTime, enum_type
from .organisation import user_windows

if TYPE_CHECKING:
    from .organisation import Department, Window


class Role(enum.StrEnum):
    """Staff roles. A clerk acts for their windows; reviewers and heads for their department."""

    CLERK = "clerk"  # 窗口工作人员
    REVIEWER = "reviewer"  # 审批人员
    DEPT_HEAD = "dept_head"  # 部门负责人
    MANAGER = "manager"  # 中心管理人员
    SUPERVISOR = "supervisor"  # 电子监察 / 效能监察室
    ADMIN = "admin"  # 系统管理员


def new_session_token() -> str:
    """A fresh token; rotating it invalidates every session and remember cookie of the user."""
    return secrets.token_hex(16)


class User(UserMixin, Timestamps, db.Model):
    """A staff member who signs in."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)

    department: Mapped[Department | None] = relationship()
    windows: Mapped[list[Window]] = relationship(
        secondary=user_windows, back_populates="clerks", order_by="Window.number"
    )

    def set_password(self, password: str) -> None:
        """Hash with werkzeug's scrypt and rotate the session token (old sessions end)."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Flask-Login: the id in the session and remember cookie carries the session token, so rotating
    # the token (logout, password change, deactivation) ends every remembered session.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SignInAddress(db.Model):
    """One account seen from one client address: its failed sign-ins, its lock, its last successful sign-in.

    The lock that stops password guessing is kept here, per account and address, so guessing from one address
    cannot keep the account's owner out at theirs. An address the account signed in from recently is *known*:
    the account-wide lock (``User.locked_until``, set after many failures from many addresses) spares it.
    """

    __tablename__ = "sign_in_addresses"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "address"),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(sa.String(45))  # an IPv6 address in text is at most 45 characters
    failed_logins: Mapped[int] = mapped_column(default=0)  # named as on User: both count the same way
    last_failed_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SignInAddress user={self.user_id} {self.address} failures={self.failed_logins}>"
