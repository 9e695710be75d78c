"""Online applications (网上申报): the submission that opened a case, and the materials uploaded with it.

A case made online has one :class:`OnlineApplication` row (the window's pre-review queue, 网上预审, lists the
cases that have one and wait in a state their definition declares ``online_review_states``). Every uploaded
file is a :class:`CaseFile`: the applicant's name for it (sanitised), the material it is for, and the SHA-256
of its content, which is also its name in the file store (:mod:`service_center.storage`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow
from .case import Case


class UploadStage(enum.StrEnum):
    APPLICATION = "application"  # with the online application
    SUPPLEMENT = "supplement"  # after the one-time notice to supplement (一次性告知)


class OnlineApplication(db.Model):
    """The case was applied for online; ``supplemented_at``: the applicant last uploaded a supplement."""

    __tablename__ = "online_applications"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    supplemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship()


class CaseFile(db.Model):
    """One uploaded material file: stored under ``sha256`` (the content's hash), shown as ``filename``."""

    __tablename__ = "case_files"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="file_not_empty"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_hex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    material: Mapped[str] = mapped_column(sa.String(200))
    stage: Mapped[UploadStage] = mapped_column(enum_type(UploadStage, "upload_stage"))
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship()
