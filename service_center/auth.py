"""Who the user is and what they may do: Flask-Login wiring and the one role-and-scope check.

Every staff view is decorated with :func:`roles_required`; views that act on a window or a department
call :func:`ensure_window_scope` / :func:`ensure_department_scope`. Anonymous users are sent to the login
page, signed-in users without the role or scope get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .models import Role, User

F = TypeVar("F", bound=Callable)

STAFF_ROLES = frozenset(Role)
OVERSIGHT_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR, Role.ADMIN})


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user from "id:session_token"; a rotated token or an inactive account ends the session."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = staff_user(int(raw_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def staff_user(user_id: int) -> User | None:
    """A staff user with the windows they serve, in one query (every scope check reads them)."""
    return db.session.get(User, user_id, options=[joinedload(User.windows)])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow only signed-in users holding one of ``roles`` (403 for others, login redirect for anonymous)."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def has_window_scope(user: User, window_id: int) -> bool:
    """Clerks act for the windows they serve; managers, supervisors and admins oversee all windows."""
    if user.role in OVERSIGHT_ROLES:
        return True
    return any(w.id == window_id for w in user.windows)


def has_department_scope(user: User, department_id: int) -> bool:
    """Reviewers and heads act for their own department; oversight roles for all."""
    if user.role in OVERSIGHT_ROLES:
        return True
    return user.department_id == department_id


def ensure_window_scope(window_id: int) -> None:
    if not has_window_scope(current_user, window_id):
        abort(403)


def ensure_department_scope(department_id: int) -> None:
    if not has_department_scope(current_user, department_id):
        abort(403)
