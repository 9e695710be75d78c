"""Scheduled job runs: one row per (job, period), so that each period's work is done once.

See :mod:`service_center.jobs` for the registry and the runner that write these rows.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, enum_type, utcnow


class JobOutcome(enum.StrEnum):
    """How a finished run ended: everything done, some cases failed (the rest went on), or the run failed."""

    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"


class JobRun(db.Model):
    """One run of a registered job for one period (its ``period`` key, e.g. ``2026-03-10T00:30``).

    UNIQUE (job, period) is what makes a period's work happen once across processes and machines. A row with
    ``finished_at`` NULL is a run in progress, or one that crashed (its lock is then free and the next tick
    redoes it, ``attempts`` + 1). ``counts`` is what the job returned (``{"deemed_accepted": 3, ...}``).
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        sa.UniqueConstraint("job", "period"),
        sa.CheckConstraint("(finished_at IS NULL) = (outcome IS NULL)", name="finished_with_an_outcome"),
        sa.Index("ix_job_runs_job_started", "job", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(80))
    period: Mapped[str] = mapped_column(sa.String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[JobOutcome | None] = mapped_column(enum_type(JobOutcome, "job_outcome"))
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=1)
    runner: Mapped[str] = mapped_column(sa.String(120), default="")  # host:pid of the last attempt

    failures: Mapped[list[JobFailure]] = relationship(
        back_populates="run", order_by="JobFailure.id", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<JobRun {self.job} {self.period} {self.outcome or 'running'}>"


class JobFailure(db.Model):
    """A case (or other subject) a run could not handle, and why; the run went on with the others."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("job_runs.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(80))  # a case number, an outbox key ...
    reason: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    run: Mapped[JobRun] = relationship(back_populates="failures")
