"""Tokens for machines: staff members' personal access tokens and integration clients' API keys.

A token is issued once (the caller shows it once), stored as its SHA-256, scoped (read / act), expiring and
revocable. An integration client is another system: a service account (a staff user nobody signs in as: its
password is random and never shown) holds the role and scope (department, windows) its keys act with.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Department, Role, User, Window, utcnow
from ..models.api import TOKEN_PREFIXES, ApiToken, IntegrationClient, TokenKind, TokenScope
from ..text import clean_text
from . import NotFound, ServiceError
from .accounts import create_user

PERSONAL_MAX_DAYS = 365
SERVICE_ACCOUNT_PREFIX = "api-"


@dataclass(frozen=True)
class IssuedToken:
    """The stored token and its secret, which exists only here: show it once."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _name(value: str) -> str:
    name = clean_text(value or "", single_line=True)
    if not name:
        raise ServiceError(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise ServiceError(_("At most 100 characters."), field="name")
    return name


def _scope(value: str) -> TokenScope:
    if value not in TokenScope._value2member_map_:
        raise ServiceError(_("Choose read or act."), field="scope")
    return TokenScope(value)


def _issue(kind: TokenKind, user: User, name: str, scope: str, expires_at: datetime | None,
           created_by: User) -> IssuedToken:
    secret = TOKEN_PREFIXES[kind] + secrets.token_urlsafe(32)
    token = ApiToken(kind=kind, name=_name(name), user=user, token_hash=token_hash(secret), hint=secret[:10],
                     scope=_scope(scope), expires_at=expires_at, created_by_id=created_by.id)
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token, secret)


def issue_personal_token(user: User, *, name: str, scope: str, days: int, now: datetime | None = None) -> IssuedToken:
    """A staff member's own token, acting as them, expiring after ``days`` (1 to 365)."""
    if not isinstance(days, int) or not 1 <= days <= PERSONAL_MAX_DAYS:
        raise ServiceError(_("Between 1 and %(n)d days.", n=PERSONAL_MAX_DAYS), field="days")
    return _issue(TokenKind.PERSONAL, user, name, scope, (now or utcnow()) + timedelta(days=days), user)


def personal_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.kind == TokenKind.PERSONAL).order_by(ApiToken.id.desc())))


def revoke_token(token_id: int, *, by: User, kind: TokenKind, now: datetime | None = None) -> ApiToken:
    """Revoke a token: a personal one by its owner, an integration key by an administrator."""
    token = db.session.get(ApiToken, token_id)
    allowed = token is not None and token.kind == kind and (
        token.user_id == by.id if kind == TokenKind.PERSONAL else by.role == Role.ADMIN)
    if not allowed:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
    return token


def create_integration_client(*, name: str, role: Role, department: Department | None, windows: list[Window],
                              created_by: User) -> IntegrationClient:
    """Another system with the role and scope it acts in (a clerk's windows, a department for reviewers and
    heads): its service account is created with a random password nobody knows."""
    name = _name(name)
    if db.session.scalar(sa.select(sa.func.count()).where(IntegrationClient.name == name)):
        raise ServiceError(_("That name is taken."), field="name")
    account = create_user(username=f"{SERVICE_ACCOUNT_PREFIX}{secrets.token_hex(6)}", display_name=name,
                          password=secrets.token_urlsafe(32), role=role, department=department, windows=windows)
    client = IntegrationClient(name=name, account=account)
    db.session.add(client)
    db.session.flush()
    return client


def issue_integration_key(client: IntegrationClient, *, name: str, scope: str, expires_at: datetime | None,
                          created_by: User) -> IssuedToken:
    return _issue(TokenKind.INTEGRATION, client.account, name, scope, expires_at, created_by)


def integration_clients() -> list[IntegrationClient]:
    return list(db.session.scalars(sa.select(IntegrationClient).options(joinedload(IntegrationClient.account))
                                   .order_by(IntegrationClient.name)))


def integration_keys(client: IntegrationClient) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == client.user_id, ApiToken.kind == TokenKind.INTEGRATION).order_by(ApiToken.id.desc())))


def find_token(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token whose secret this is (its prefix matching its kind), or None."""
    kind = next((k for k, prefix in TOKEN_PREFIXES.items() if secret.startswith(prefix)), None)
    if kind is None:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(secret))
                              .options(joinedload(ApiToken.user).joinedload(User.windows)))
    if token is None or token.kind != kind or not token.usable(now or utcnow()):
        return None
    return token
