"""Machine access to the API: personal access tokens of staff, integration clients (other systems, each with a
service account that carries its role and scope) and the idempotency records of POSTs made with a token.

A token is shown once when issued; only its SHA-256 is stored (the token itself is 32 random bytes, so a plain
hash is enough: nothing to guess from it). The token's prefix says its kind (``scp_`` personal, ``sck_``
integration) and must match the stored kind.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from .user import User


class TokenKind(enum.StrEnum):
    PERSONAL = "personal"  # a staff member's own token, acting as them
    INTEGRATION = "integration"  # an integration client's key, acting as its service account


class TokenScope(enum.StrEnum):
    READ = "read"  # GET only
    ACT = "act"  # GET and the POSTs that act on cases


TOKEN_PREFIXES = {TokenKind.PERSONAL: "scp_", TokenKind.INTEGRATION: "sck_"}


class ApiToken(db.Model):
    """A bearer token: whose it is, what it may do (scope), until when, and whether it was revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TokenKind] = mapped_column(enum_type(TokenKind, "token_kind"))
    name: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    hint: Mapped[str] = mapped_column(sa.String(12))  # the first characters, to tell tokens apart in lists
    scope: Mapped[TokenScope] = mapped_column(enum_type(TokenScope, "token_scope"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its user still active."""
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.user.active)

    def __repr__(self) -> str:
        return f"<ApiToken {self.kind} {self.hint}… user={self.user_id}>"


class IntegrationClient(db.Model):
    """Another system (kiosk, provincial platform, ...): its service account holds the role and scope (department,
    windows) it acts with; its keys are :class:`ApiToken` rows of kind ``integration`` on that account."""

    __tablename__ = "integration_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    account: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<IntegrationClient {self.name}>"


class IdempotencyRecord(db.Model):
    """A POST made with an ``Idempotency-Key``: the first one acts and stores its response; a retry with the same
    key and token gets that response again. Unique per token and key, so two concurrent retries cannot both act."""

    __tablename__ = "api_idempotency_records"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))  # method, path and body, hashed
    status_code: Mapped[int | None] = mapped_column()
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
