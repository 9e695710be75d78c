"""Bearer-token authentication for the API: ``Authorization: Bearer <token>``, a personal access token or an
integration key (services.api_tokens). The session cookie is never looked at."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import TypeVar

from flask import g, request
from flask_babel import gettext as _

from ..models import Role, User
from ..models.api import ApiToken, TokenScope
from ..services import ServiceError
from ..services.api_tokens import find_token

F = TypeVar("F", bound=Callable)
STAFF = frozenset(Role)
BEARER = [{"bearer": []}]


class Unauthorized(ServiceError):
    status_code = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="api"'}


class InsufficientScope(ServiceError):
    status_code = 403
    code = "insufficient_scope"


class RoleForbidden(ServiceError):
    status_code = 403
    code = "forbidden"


def api_user() -> User:
    """The user the request's token acts as (a staff member, or an integration client's service account)."""
    return g.api_token.user


def api_token() -> ApiToken:
    return g.api_token


def _authenticate() -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(_("Send a token: Authorization: Bearer <token>."))
    token = find_token(secret.strip())
    if token is None:
        raise Unauthorized(_("The token is unknown, expired or revoked."))
    return token


def token_required(scope: TokenScope = TokenScope.READ, roles: Collection[Role] = STAFF) -> Callable[[F], F]:
    """Only a valid token (401), with ``scope`` (403 insufficient_scope: a read token on an acting POST), whose
    user holds one of ``roles`` (403 forbidden); the case-level scope is checked by the read side and the
    command path as for the pages."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            token = _authenticate()
            if scope == TokenScope.ACT and token.scope != TokenScope.ACT:
                raise InsufficientScope(_("This token may only read."))
            if token.user.role not in allowed:
                raise RoleForbidden(_("Your role may not use this."))
            g.api_token = token
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
