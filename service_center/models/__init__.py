"""SQLAlchemy models. Import from here so every table is registered before mappers configure."""

from .base import utcnow
from .calendar import CalendarDay, CalendarSource, CalendarYear
from .case import (
    SPECIAL_PROCEDURES,
    ApplicantKind,
    Case,
    CaseCounter,
    CaseEvent,
    CaseExtension,
    CaseOutcome,
    CasePause,
    CaseStep,
    ExtensionStatus,
    ProcedureType,
    StepStatus,
)
from .catalogue import (
    DEFAULT_WORKFLOW,
    WORKFLOW_KEYS,
    AcceptancePeriod,
    CaseType,
    Item,
    ItemCategory,
    ItemMaterial,
    ItemStatus,
    JoinRule,
    item_departments,
    item_windows,
)
from .jobs import JobFailure, JobOutcome, JobRun
from .organisation import Department, Window, user_windows
from .outbox import Channel, OutboxMessage, OutboxStatus
from .user import Role, SignInAddress, User

__all__ = [
    "SPECIAL_PROCEDURES",
    "ApplicantKind",
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseExtension",
    "CaseOutcome",
    "CasePause",
    "CaseStep",
    "Channel",
    "ExtensionStatus",
    "ProcedureType",
    "StepStatus",
    "DEFAULT_WORKFLOW",
    "WORKFLOW_KEYS",
    "AcceptancePeriod",
    "CaseType",
    "Department",
    "Item",
    "ItemCategory",
    "ItemMaterial",
    "ItemStatus",
    "JobFailure",
    "JobOutcome",
    "JobRun",
    "JoinRule",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "SignInAddress",
    "User",
    "Window",
    "item_departments",
    "item_windows",
    "user_windows",
    "utcnow",
]
