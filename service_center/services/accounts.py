"""Staff accounts: sign-in with throttling, creation, password changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import Department, Role, User, Window, utcnow
from ..models.user import new_session_token
from ..text import clean_text
from . import ServiceError

# Compared against when the username is unknown, so both paths cost one scrypt check.
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")
MIN_PASSWORD_LENGTH = 8


class LoginRefused(ServiceError):
    """Wrong credentials, an inactive account, or a temporary lock."""

    status_code = 401
    code = "login_refused"


@dataclass(frozen=True)
class LockPolicy:
    free_attempts: int
    max_lock_minutes: int

    def lock_minutes(self, failures: int) -> int:
        """Minutes to lock after ``failures`` consecutive failures: 1, 2, 4 ... doubling, capped."""
        if failures < self.free_attempts:
            return 0
        return min(2 ** (failures - self.free_attempts), self.max_lock_minutes)


def _policy() -> LockPolicy:
    cfg = current_app.config
    return LockPolicy(cfg["LOGIN_FREE_ATTEMPTS"], cfg["LOGIN_MAX_LOCK_MINUTES"])


def _refusal() -> LoginRefused:
    # One answer for an unknown name, a wrong password and a locked account: no hint which accounts exist.
    return LoginRefused(_("Wrong username or password. After %(n)d failures in a row the account is locked for "
                          "a while.", n=current_app.config["LOGIN_FREE_ATTEMPTS"]))


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """Check the credentials and return the user, or raise :class:`LoginRefused`.

    From the ``LOGIN_FREE_ATTEMPTS``-th failure in a row the account is locked for a delay that doubles with
    each further failure; a locked account is refused without looking at the password. Failures older than
    ``LOGIN_FAILURE_WINDOW_MINUTES`` are forgotten, success resets the count. The user's row is locked while
    the password is checked (PostgreSQL; SQLite's write transactions are serial), so parallel guesses take
    turns and each one sees the lock the previous one set.
    """
    now = now or utcnow()
    query = sa.select(User).where(User.username == username.strip())
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    user = db.session.scalar(query)
    if user is None or not user.active:
        # Same cost and answer as a real check: no hint which accounts exist, and a disabled account's
        # password cannot be confirmed.
        generate_password_hash(password, method="scrypt")
        raise _refusal()
    if user.locked_until and user.locked_until > now:
        raise _refusal()
    if not user.check_password(password):
        window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
        if user.last_failed_login_at is None or now - user.last_failed_login_at > window:
            user.failed_logins = 0
        user.failed_logins += 1
        user.last_failed_login_at = now
        minutes = _policy().lock_minutes(user.failed_logins)
        if minutes:
            user.locked_until = now + timedelta(minutes=minutes)
        db.session.flush()
        raise _refusal()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of ``user`` (used by logout)."""
    user.session_token = new_session_token()
    db.session.flush()


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password"
        )


def _display_name(value: str) -> str:
    """The name shown for a user: visible characters only, and some."""
    name = clean_text(value, single_line=True)
    if not name:
        raise ServiceError(_("The display name is required."), field="display_name")
    return name


def create_user(
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    department: Department | None = None,
    windows: list[Window] | None = None,
    active: bool = True,
) -> User:
    """Create a staff account. Clerks must serve at least one window; department roles need a department."""
    username = clean_text(username, single_line=True)
    if db.session.scalar(sa.select(sa.func.count()).where(User.username == username)):
        raise ServiceError(_("The username %(name)s is taken.", name=username), field="username")
    validate_password(password)
    user = User(username=username, display_name=_display_name(display_name), role=role, active=active)
    user.set_password(password)
    apply_assignment(user, role=role, department=department, windows=windows or [])
    db.session.add(user)
    db.session.flush()
    return user


def apply_assignment(user: User, *, role: Role, department: Department | None, windows: list[Window]) -> None:
    """Set role, department and windows, enforcing that each role has the scope it acts in."""
    if role in (Role.REVIEWER, Role.DEPT_HEAD) and department is None:
        raise ServiceError(_("Reviewers and department heads need a department."), field="department")
    if role == Role.CLERK and not windows:
        raise ServiceError(_("A clerk needs at least one window."), field="windows")
    if role == Role.CLERK and department is None:
        department = windows[0].department
    user.role = role
    user.department = department
    user.windows = list(windows) if role == Role.CLERK else []


def change_password(user: User, password: str) -> None:
    """Set a new password; every existing session of the user ends."""
    validate_password(password)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def update_user(
    user: User,
    *,
    acting_user: User,
    display_name: str,
    role: Role,
    department: Department | None,
    windows: list[Window],
    active: bool,
) -> User:
    """Change an account's name, role, scope and active flag.

    An administrator cannot deactivate or demote their own account (the centre would lose its last way in).
    Deactivating an account ends all of its sessions.
    """
    if user.id == acting_user.id:
        if not active:
            raise ServiceError(_("You cannot deactivate your own account."), field="active")
        if role != Role.ADMIN and user.role == Role.ADMIN:
            raise ServiceError(_("You cannot remove the administrator role from yourself."), field="role")
    display_name = _display_name(display_name)
    apply_assignment(user, role=role, department=department, windows=windows)
    user.display_name = display_name
    was_active = user.active
    user.active = active
    if was_active and not active:
        end_sessions(user)
    db.session.flush()
    return user
