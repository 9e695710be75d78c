"""The item catalogue (事项目录 / 办事指南): approval items, their materials and acceptance periods.

Each row of ``items`` is one *version* of an item. Editing a published item creates a new version and
supersedes the old one; cases point at the version they were received under.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamps, UTCDateTime, enum_type
from .organisation import Department, Window


class ItemCategory(enum.StrEnum):
    """Power category of an item (权力类型)."""

    LICENSING = "licensing"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    PAYMENT = "payment"  # 行政给付
    RULING = "ruling"  # 行政裁决
    REWARD = "reward"  # 行政奖励
    PUBLIC_SERVICE = "public_service"  # 公共服务
    OTHER = "other"  # 其他行政权力


class CaseType(enum.StrEnum):
    """Case type (办件类型)."""

    INSTANT = "instant"  # 即办件
    COMMITTED = "committed"  # 承诺件
    JOINT = "joint"  # 联办件 / 并联审批件
    FORWARDED = "forwarded"  # 上报件


class JoinRule(enum.StrEnum):
    """How a joint item's parallel steps join."""

    ALL_APPROVE = "all_approve"  # every department must approve; any rejection denies
    LEAD_CONSOLIDATES = "lead_consolidates"  # the lead department weighs all opinions and decides


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer version replaced it
    RETIRED = "retired"  # withdrawn (停用/取消): no new applications; running cases keep their version


# The workflow definition each case type runs unless the item names another (e.g. "disclosure").
DEFAULT_WORKFLOW = {
    CaseType.INSTANT: "instant",
    CaseType.COMMITTED: "committed",
    CaseType.JOINT: "joint",
    CaseType.FORWARDED: "forwarded",
}
# Published results (办件结果公示) stay listed this many calendar days from the decision unless the item says otherwise.
DEFAULT_PUBLISH_DAYS = 30
WORKFLOW_KEYS = ("instant", "committed", "joint", "forwarded", "disclosure")

item_windows = sa.Table(
    "item_windows",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("window_id", sa.ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True, index=True),
)

item_departments = sa.Table(
    "item_departments",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_id", sa.ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Item(Timestamps, db.Model):
    """One version of an approval item (审批事项)."""

    __tablename__ = "items"
    __table_args__ = (
        sa.UniqueConstraint("code", "version", name="uq_items_code_version"),
        sa.CheckConstraint("promised_limit_days <= statutory_limit_days", name="promised_within_statutory"),
        sa.CheckConstraint("promised_limit_days >= 0", name="promised_non_negative"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("(status = 'retired') = (retired_at IS NOT NULL)", name="retired_exactly_when_dated"),
        sa.CheckConstraint("case_type <> 'joint' OR lead_department_id IS NOT NULL", name="joint_has_lead"),
        sa.CheckConstraint("case_type <> 'joint' OR join_rule IS NOT NULL", name="joint_has_join_rule"),
        sa.CheckConstraint(
            "step_limit_days IS NULL OR (step_limit_days >= 1 AND step_limit_days <= promised_limit_days)",
            name="step_limit_within_promised",
        ),
        sa.CheckConstraint("publish_days >= 1", name="publish_days_positive"),
        sa.Index(
            "uq_items_one_published_per_code",
            "code",
            unique=True,
            postgresql_where=sa.text("status = 'published'"),
            sqlite_where=sa.text("status = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), index=True)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[ItemStatus] = mapped_column(enum_type(ItemStatus, "item_status"), default=ItemStatus.DRAFT)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    category: Mapped[ItemCategory] = mapped_column(enum_type(ItemCategory, "item_category"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    case_type: Mapped[CaseType] = mapped_column(enum_type(CaseType, "case_type"))
    workflow_key: Mapped[str] = mapped_column(sa.String(40))
    statutory_limit_days: Mapped[int]
    promised_limit_days: Mapped[int]
    fees: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    # Other words people use for the item (关键词 / 俗称, e.g. 营业执照 for a company registration), comma separated.
    keywords: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # What the guide's search matches: name, keywords and their pinyin, full and initials, in lower case. Written
    # by the catalogue service whenever the row is saved (services/catalogue.py), never by hand.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Published results (办件结果公示): whether the decisions on this item are listed on the public /results page,
    # and for how many calendar days from the decision day. The current version's settings apply to every case
    # of the item, whichever version it was received under (queries/results.py).
    publish_results: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    publish_days: Mapped[int] = mapped_column(default=DEFAULT_PUBLISH_DAYS, server_default=str(DEFAULT_PUBLISH_DAYS))
    lead_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    join_rule: Mapped[JoinRule | None] = mapped_column(enum_type(JoinRule, "join_rule"))
    # Joint items: the working days each department has for its share of the parallel review (并联审查时限),
    # leaving the lead the rest of the promised limit to consolidate; None gives the steps the promised limit.
    step_limit_days: Mapped[int | None]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    lead_department: Mapped[Department | None] = relationship(foreign_keys=[lead_department_id])
    materials: Mapped[list[ItemMaterial]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemMaterial.position"
    )
    acceptance_periods: Mapped[list[AcceptancePeriod]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="AcceptancePeriod.opens_on"
    )
    windows: Mapped[list[Window]] = relationship(secondary=item_windows, order_by="Window.number")
    participating_departments: Mapped[list[Department]] = relationship(
        secondary=item_departments, order_by="Department.code"
    )

    @property
    def is_published(self) -> bool:
        return self.status == ItemStatus.PUBLISHED

    @property
    def is_retired(self) -> bool:
        return self.status == ItemStatus.RETIRED

    def accepts_on(self, day: date) -> bool:
        """True when the item has no acceptance periods, or ``day`` falls inside one of them."""
        if not self.acceptance_periods:
            return True
        return any(p.opens_on <= day <= p.closes_on for p in self.acceptance_periods)

    def next_acceptance_period(self, day: date) -> AcceptancePeriod | None:
        """The first acceptance period that has not ended by ``day``."""
        return next((p for p in self.acceptance_periods if p.closes_on >= day), None)

    def __repr__(self) -> str:
        return f"<Item {self.code} v{self.version} {self.status}>"


class ItemMaterial(db.Model):
    """A required application material (申请材料). Key materials (关键材料) may not be missing at acceptance."""

    __tablename__ = "item_materials"
    __table_args__ = (sa.UniqueConstraint("item_id", "position", name="uq_item_materials_item_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    is_key: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    item: Mapped[Item] = relationship(back_populates="materials")


class AcceptancePeriod(db.Model):
    """Dates between which applications for an item are accepted (e.g. annual subsidy windows)."""

    __tablename__ = "acceptance_periods"
    __table_args__ = (sa.CheckConstraint("opens_on <= closes_on", name="period_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"), index=True)
    opens_on: Mapped[date]
    closes_on: Mapped[date]

    item: Mapped[Item] = relationship(back_populates="acceptance_periods")
