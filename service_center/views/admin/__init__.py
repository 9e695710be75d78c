"""Administration: departments, windows, users and the item catalogue. Administrators only."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ...extensions import login_manager
from ...models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():  # type: ignore[no-untyped-def]
    """The blueprint-wide role check: anonymous users go to login, other roles get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != Role.ADMIN:
        abort(403)
    return None


from . import departments, items, users, windows  # noqa: E402,F401  (routes register on bp)
