"""Cases (办件) and everything that happens to them: events, parallel steps, pauses and extensions.

A case pins the item version and the workflow definition version it was received under. Its due dates are
stored (and indexed) and recomputed from the pause and extension rows, so "what is overdue" is one query.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows.definitions.base import SPECIAL_PROCEDURES as DEFINITION_PROCEDURES

from ..extensions import db
from .base import Timestamps, UTCDateTime, enum_type, utcnow
from .catalogue import CaseType, Item
from .organisation import Department, Window
from .user import User


class ApplicantKind(enum.StrEnum):
    PERSON = "person"  # 自然人
    ORGANISATION = "organisation"  # 法人或其他组织


class CaseOutcome(enum.StrEnum):
    """How a case ended, or the decision made: every ``outcome`` a workflow transition declares."""

    GRANTED = "granted"  # 准予
    DENIED = "denied"  # 不予许可
    ANSWERED = "answered"  # 答复 (disclosure requests, complaints)
    REFUSED = "refused"  # 不予受理
    WITHDRAWN = "withdrawn"  # 撤回
    TERMINATED = "terminated"  # 终止
    ABANDONED = "abandoned"  # 视为放弃申请
    REJECTED = "rejected"  # a complaint not accepted


class Case(Timestamps, db.Model):
    """One application (办件), from receipt to its end."""

    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint("promised_limit_days <= statutory_limit_days", name="promised_within_statutory"),
        sa.CheckConstraint("due_promised IS NULL OR due_promised <= due_statutory", name="due_dates_ordered"),
        # Tied to the state through in_progress (false exactly in the workflow's final states):
        sa.CheckConstraint("in_progress = (closed_on IS NULL)", name="closed_exactly_when_final"),
        sa.CheckConstraint("NOT in_progress OR outcome IS NULL OR decided_on IS NOT NULL",
                           name="open_outcome_is_a_decision"),
        sa.CheckConstraint("delivered_on IS NULL OR decided_on IS NOT NULL", name="delivered_after_decision"),
        sa.Index("ix_cases_open_due_promised", "due_promised", postgresql_where=sa.text("in_progress"),
                 sqlite_where=sa.text("in_progress")),
        sa.Index("ix_cases_open_due_statutory", "due_statutory", postgresql_where=sa.text("in_progress"),
                 sqlite_where=sa.text("in_progress")),
        sa.Index("ix_cases_window_received", "window_id", "received_on"),
        sa.Index("ix_cases_open_licence_expiry", "licence_expires_on", postgresql_where=sa.text("in_progress"),
                 sqlite_where=sa.text("in_progress")),
        sa.Index("ix_cases_department_received", "department_id", "received_on"),
        # The warning sweep: undelivered grants, and cases whose clock stopped lately (judged by that day).
        sa.Index("ix_cases_open_due_delivery", "due_delivery", postgresql_where=sa.text("in_progress"),
                 sqlite_where=sa.text("in_progress")),
        sa.Index("ix_cases_decided_on", "decided_on"),
        sa.Index("ix_cases_closed_on", "closed_on"),
        sa.Index("ix_cases_delivered_on", "delivered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    query_code: Mapped[str] = mapped_column(sa.String(16))
    workflow_key: Mapped[str] = mapped_column(sa.String(40))
    workflow_version: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(40), index=True)
    in_progress: Mapped[bool] = mapped_column(default=True)  # false once the state is final
    case_type: Mapped[CaseType | None] = mapped_column(enum_type(CaseType, "case_case_type"))
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("items.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("windows.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    first_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # 首问负责人
    title: Mapped[str] = mapped_column(sa.String(300), default="")

    applicant_kind: Mapped[ApplicantKind] = mapped_column(
        enum_type(ApplicantKind, "applicant_kind"), default=ApplicantKind.PERSON
    )
    applicant_name: Mapped[str] = mapped_column(sa.String(100))
    applicant_id_number: Mapped[str] = mapped_column(sa.String(40), default="")
    applicant_phone: Mapped[str] = mapped_column(sa.String(30), default="")

    # Limits copied from the item version at receipt (a running case keeps them).
    promised_limit_days: Mapped[int] = mapped_column(default=0)
    statutory_limit_days: Mapped[int] = mapped_column(default=0)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_on: Mapped[date]
    supplement_notice_on: Mapped[date | None]  # the one-time notice (一次性告知) went out
    deemed_acceptance_on: Mapped[date | None] = mapped_column(index=True)  # last day for that notice
    clock_start_on: Mapped[date | None]  # acceptance day; counting starts the working day after
    accepted_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    delivered_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    outcome: Mapped[CaseOutcome | None] = mapped_column(enum_type(CaseOutcome, "case_outcome"))
    outcome_reason: Mapped[str] = mapped_column(sa.Text, default="")

    due_promised: Mapped[date | None]
    due_statutory: Mapped[date | None]
    due_delivery: Mapped[date | None]
    due_gaps: Mapped[date | None]  # 容缺: the missing non-key materials are due by then
    licence_expires_on: Mapped[date | None]  # a renewal (延续): the licence renewed expires then (Art. 50)
    due_provisional: Mapped[bool] = mapped_column(default=False)  # the promised date counts into an unpublished year
    due_statutory_provisional: Mapped[bool] = mapped_column(default=False)  # the statutory date does
    outstanding_materials: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The materials checklist taken at receipt (收件材料清单), one entry per material of the item:
    # {"name", "key", "received", "defect"}; None for cases received before the checklist existed.
    materials_received: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)

    lock_version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": lock_version}

    item: Mapped[Item | None] = relationship()
    window: Mapped[Window | None] = relationship()
    department: Mapped[Department] = relationship()
    first_contact: Mapped[User | None] = relationship()
    parent: Mapped[Case | None] = relationship(remote_side=[id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="save-update", passive_deletes=True
    )
    steps: Mapped[list[CaseStep]] = relationship(back_populates="case", order_by="CaseStep.id")
    pauses: Mapped[list[CasePause]] = relationship(back_populates="case", order_by="CasePause.id")
    extensions: Mapped[list[CaseExtension]] = relationship(back_populates="case", order_by="CaseExtension.id")

    # Guards read by the workflow engine (names from workflows.engine).
    @property
    def has_open_pause(self) -> bool:
        return self.open_pause is not None

    @property
    def open_pause(self) -> CasePause | None:
        """The special procedure running now (approved, not ended), if any."""
        return next((p for p in self.pauses if p.running), None)

    @property
    def requested_pause(self) -> CasePause | None:
        """The special procedure asked for and awaiting approval, if any."""
        return next((p for p in self.pauses if p.status == PauseStatus.REQUESTED), None)

    @property
    def has_requested_pause(self) -> bool:
        return self.requested_pause is not None

    @property
    def has_unnotified_pause(self) -> bool:
        """An approved special procedure the applicant has not yet been told of in writing."""
        return any(p.status == PauseStatus.APPROVED and not p.applicant_notified for p in self.pauses)

    @property
    def extension_allowed(self) -> bool:
        """The kind's extension policy still allows one more (Art. 42: once)."""
        from workflows.engine import definition_of

        policy = definition_of(self).extension_policy
        approved = [e.days for e in self.extensions if e.status == ExtensionStatus.APPROVED]
        return len(approved) < policy.max_count and sum(approved) < policy.max_days

    @property
    def has_pending_extension(self) -> bool:
        return any(e.status == ExtensionStatus.PENDING for e in self.extensions)

    @property
    def has_gaps_outstanding(self) -> bool:
        return bool(self.outstanding_materials)

    @property
    def parallel_steps_complete(self) -> bool:
        """Every department approved or rejected its share (a share returned for supplement is not done)."""
        return bool(self.steps) and all(s.status in (StepStatus.APPROVED, StepStatus.REJECTED) for s in self.steps)

    def __repr__(self) -> str:
        return f"<Case {self.number} {self.state}>"


class CaseEvent(db.Model):
    """Append-only history: who did what, when, from which state to which, and why. Never updated or deleted."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_steps.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    trigger: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str] = mapped_column(sa.String(40))
    to_state: Mapped[str] = mapped_column(sa.String(40))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


@sa.event.listens_for(CaseEvent, "before_update")
@sa.event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(_mapper, _connection, target: CaseEvent) -> None:  # type: ignore[no-untyped-def]
    raise PermissionError(f"case events are append-only (event {target.id})")


class StepStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"  # returned for supplement; pending again when the supplement arrives
    CANCELLED = "cancelled"  # the case was decided, withdrawn or terminated before this share was


class CaseStep(db.Model):
    """One department's share of a parallel (joint) approval (并联审批), with its own deadline and decision."""

    __tablename__ = "case_steps"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "department_id", name="uq_case_steps_case_department"),
        sa.Index("ix_case_steps_pending_due", "due_on", postgresql_where=sa.text("status = 'pending'"),
                 sqlite_where=sa.text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    status: Mapped[StepStatus] = mapped_column(enum_type(StepStatus, "step_status"), default=StepStatus.PENDING)
    limit_days: Mapped[int]
    started_on: Mapped[date]
    due_on: Mapped[date]
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opinion: Mapped[str] = mapped_column(sa.Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": lock_version}

    case: Mapped[Case] = relationship(back_populates="steps")
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ProcedureType(enum.StrEnum):
    """Special procedures (特别程序, Art. 45) that stop the clock, and the disclosure consultation."""

    HEARING = "hearing"  # 听证
    TENDERING = "tendering"  # 招标
    AUCTION = "auction"  # 拍卖
    INSPECTION = "inspection"  # 检验
    TESTING = "testing"  # 检测
    QUARANTINE = "quarantine"  # 检疫
    APPRAISAL = "appraisal"  # 鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审
    CONSULTATION = "consultation"  # 征求第三方意见 (information-disclosure requests)


# The special procedures of Art. 45 (licensing cases); which ones a kind may take is its definition's ``procedures``.
SPECIAL_PROCEDURES = tuple(ProcedureType(p) for p in DEFINITION_PROCEDURES)


class PauseStatus(enum.StrEnum):
    """Where a special procedure stands: asked for, approved (it started and stops the clock) or refused."""

    REQUESTED = "requested"  # 申请中: the clock still runs
    APPROVED = "approved"  # 已批准: started on the approval day
    REFUSED = "refused"  # 不予批准


class CasePause(db.Model):
    """A special procedure (clock stop): requested, then approved (it starts) or refused. The working days in
    [started_on, ended_on) of an approved one do not count; a request never stops the clock."""

    __tablename__ = "case_pauses"
    __table_args__ = (
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="pause_ordered"),
        sa.CheckConstraint("expected_days >= 0", name="expected_days_non_negative"),
        sa.CheckConstraint("(status = 'approved') = (started_on IS NOT NULL)", name="pause_started_when_approved"),
        sa.CheckConstraint("ended_on IS NULL OR status = 'approved'", name="pause_ended_only_when_approved"),
        # One live special procedure per case: asked for or running (a refused request ends nothing).
        sa.Index("uq_case_pauses_one_open", "case_id", unique=True,
                 postgresql_where=sa.text("ended_on IS NULL AND status <> 'refused'"),
                 sqlite_where=sa.text("ended_on IS NULL AND status <> 'refused'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    procedure_type: Mapped[ProcedureType] = mapped_column(enum_type(ProcedureType, "procedure_type"))
    status: Mapped[PauseStatus] = mapped_column(enum_type(PauseStatus, "pause_status"), default=PauseStatus.APPROVED,
                                                server_default=PauseStatus.APPROVED.value)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_on: Mapped[date | None]
    started_on: Mapped[date | None]  # the approval day: the clock stops from then
    expected_days: Mapped[int] = mapped_column(default=0)
    ended_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # who approved or refused it
    decided_on: Mapped[date | None]
    decision_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # e.g. why refused
    result: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # 结论, recorded at its end
    applicant_notified: Mapped[bool] = mapped_column(default=False)
    notified_on: Mapped[date | None]  # the day the written notice was printed or marked sent

    case: Mapped[Case] = relationship(back_populates="pauses")
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])

    @property
    def running(self) -> bool:
        """Approved and not ended: the clock is stopped."""
        return self.status == PauseStatus.APPROVED and self.ended_on is None


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CaseExtension(db.Model):
    """An extension (延期) request and its approval; approved days move both due dates."""

    __tablename__ = "case_extensions"
    __table_args__ = (
        sa.CheckConstraint("days > 0", name="days_positive"),
        sa.Index("uq_case_extensions_one_pending", "case_id", unique=True,
                 postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_type(ExtensionStatus, "extension_status"), default=ExtensionStatus.PENDING
    )
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_on: Mapped[date]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_on: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="extensions")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class CaseCounter(db.Model):
    """The last sequence number handed out per prefix (centre code + date): readable, gap-free case numbers."""

    __tablename__ = "case_counters"

    prefix: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
