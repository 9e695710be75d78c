"""Staff accounts: sign-in with throttling, creation, password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Department, Role, SignInAddress, User, Window, utcnow
from ..models.user import new_session_token
from ..text import clean_text
from . import ServiceError

# Checked against when the username is unknown or the account inactive, so every attempt costs one scrypt check.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")
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


def _address_policy() -> LockPolicy:
    cfg = current_app.config
    return LockPolicy(cfg["LOGIN_FREE_ATTEMPTS"], cfg["LOGIN_MAX_LOCK_MINUTES"])


def _account_policy() -> LockPolicy:
    cfg = current_app.config
    return LockPolicy(cfg["LOGIN_ACCOUNT_FREE_ATTEMPTS"], cfg["LOGIN_MAX_LOCK_MINUTES"])


def _refusal() -> LoginRefused:
    # One answer for an unknown name, a wrong password and a locked account: no hint which accounts exist.
    return LoginRefused(_("Wrong username or password. After %(n)d failures in a row the account is locked for "
                          "a while.", n=current_app.config["LOGIN_FREE_ATTEMPTS"]))


def _count_failure(holder: User | SignInAddress, policy: LockPolicy, now: datetime, window: timedelta) -> None:
    """One more failure on ``holder`` (an account's count, or an account-and-address's), locking it per ``policy``."""
    last = holder.last_failed_login_at
    holder.failed_logins = 1 if last is None or now - last > window else holder.failed_logins + 1
    holder.last_failed_login_at = now
    minutes = policy.lock_minutes(holder.failed_logins)
    if minutes:
        holder.locked_until = now + timedelta(minutes=minutes)


def _forget_stale_addresses(user: User, now: datetime, window: timedelta, known_for: timedelta) -> None:
    """Drop the user's address rows that no longer hold anything: no lock in force, no recent failure, not known."""
    db.session.execute(sa.delete(SignInAddress).where(
        SignInAddress.user_id == user.id,
        sa.or_(SignInAddress.locked_until.is_(None), SignInAddress.locked_until <= now),
        sa.or_(SignInAddress.last_failed_login_at.is_(None), SignInAddress.last_failed_login_at < now - window),
        sa.or_(SignInAddress.last_signed_in_at.is_(None), SignInAddress.last_signed_in_at < now - known_for),
    ))


def authenticate(username: str, password: str, *, address: str = "", now: datetime | None = None) -> User:
    """Check the credentials given from client ``address`` and return the user, or raise :class:`LoginRefused`.

    Guessing is capped per account *and* address (:class:`SignInAddress`): from the ``LOGIN_FREE_ATTEMPTS``-th
    failure in a row from one address, that address is locked out of that account for a delay that doubles
    with each further failure; other addresses are not affected, so nobody can keep a user out by guessing
    from elsewhere. Failures from every address also add up per account: from ``LOGIN_ACCOUNT_FREE_ATTEMPTS``
    the account is locked (doubling likewise) for every address except the *known* ones, those it signed in
    from within ``LOGIN_KNOWN_ADDRESS_DAYS``. Failures older than ``LOGIN_FAILURE_WINDOW_MINUTES`` are
    forgotten; a success clears its address's count. A locked attempt is refused without looking at the
    result of the password check and is not counted.

    Every attempt runs exactly one password hash check (against a dummy hash for an unknown or inactive
    account), so no refusal answers faster than another. The user's row is locked while the password is
    checked (PostgreSQL; SQLite's write transactions are serial), so parallel guesses take turns and each one
    sees the lock the previous one set.
    """
    now = now or utcnow()
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"])
    known_for = timedelta(days=cfg["LOGIN_KNOWN_ADDRESS_DAYS"])
    address = address[:45]
    query = sa.select(User).where(User.username == username.strip())
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    user = db.session.scalar(query)
    usable = user is not None and user.active
    # The one hash check of this attempt, whatever follows: the same cost for every answer.
    password_ok = check_password_hash(user.password_hash if usable else _DUMMY_HASH, password)
    if not usable:  # a disabled account's password cannot be confirmed either
        raise _refusal()
    _forget_stale_addresses(user, now, window, known_for)
    seen = db.session.scalar(sa.select(SignInAddress).where(SignInAddress.user_id == user.id,
                                                            SignInAddress.address == address))
    known = seen is not None and seen.last_signed_in_at is not None and now - seen.last_signed_in_at <= known_for
    address_locked = seen is not None and seen.locked_until is not None and seen.locked_until > now
    account_locked = user.locked_until is not None and user.locked_until > now and not known
    if address_locked or account_locked:
        raise _refusal()
    if seen is None:
        seen = SignInAddress(user_id=user.id, address=address, failed_logins=0)
        db.session.add(seen)
    if not password_ok:
        _count_failure(seen, _address_policy(), now, window)
        _count_failure(user, _account_policy(), now, window)
        db.session.flush()
        raise _refusal()
    seen.failed_logins = 0
    seen.locked_until = None
    seen.last_signed_in_at = now
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
    db.session.execute(sa.update(SignInAddress).where(SignInAddress.user_id == user.id)
                       .values(failed_logins=0, locked_until=None))
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
