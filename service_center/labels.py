"""Translated labels for the domain's enumerations, shared by forms, templates and exports."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from workflows.definitions.base import WorkflowDefinition
from workflows.engine import CaseLike, definition_of

from .models import CalendarSource, CaseType, ItemCategory, ItemStatus, JoinRule, Role

ROLE_LABELS = {
    Role.CLERK: _l("Window clerk"),
    Role.REVIEWER: _l("Reviewer"),
    Role.DEPT_HEAD: _l("Department head"),
    Role.MANAGER: _l("Centre manager"),
    Role.SUPERVISOR: _l("Supervision office"),
    Role.ADMIN: _l("Administrator"),
}

CATEGORY_LABELS = {
    ItemCategory.LICENSING: _l("Administrative licensing"),
    ItemCategory.CONFIRMATION: _l("Administrative confirmation"),
    ItemCategory.PAYMENT: _l("Administrative payment"),
    ItemCategory.RULING: _l("Administrative ruling"),
    ItemCategory.REWARD: _l("Administrative reward"),
    ItemCategory.PUBLIC_SERVICE: _l("Public service"),
    ItemCategory.OTHER: _l("Other administrative power"),
}

CASE_TYPE_LABELS = {
    CaseType.INSTANT: _l("Instant"),
    CaseType.COMMITTED: _l("Committed"),
    CaseType.JOINT: _l("Joint (parallel approval)"),
    CaseType.FORWARDED: _l("Forwarded"),
}

JOIN_RULE_LABELS = {
    JoinRule.ALL_APPROVE: _l("All departments must approve"),
    JoinRule.LEAD_CONSOLIDATES: _l("Lead department consolidates the opinions"),
}

ITEM_STATUS_LABELS = {
    ItemStatus.DRAFT: _l("Draft"),
    ItemStatus.PUBLISHED: _l("Published"),
    ItemStatus.SUPERSEDED: _l("Superseded"),
    ItemStatus.RETIRED: _l("Retired"),
}


CALENDAR_SOURCE_LABELS = {
    CalendarSource.PACKAGE: _l("National schedule"),
    CalendarSource.PUBLISHED: _l("Entered schedule"),
    CalendarSource.LOCAL: _l("Local entry"),
}


def flow_label(definition: WorkflowDefinition, name: str) -> str:
    """A workflow state's or trigger's label: the definition's Chinese one, or a readable English one."""
    locale = get_locale()
    if locale is None or locale.language == "zh":
        return definition.labels.get(name, name)
    return name.replace("_", " ").capitalize()


def workflow_label(case: CaseLike, name: str) -> str:
    """The label of a state or trigger of the case's workflow (the version it pinned), in the user's language."""
    return flow_label(definition_of(case), name)


def label(mapping: dict, value: object) -> str:
    """The label for ``value`` (an enum member or its string value); the value itself when unknown."""
    for key, text in mapping.items():
        if key == value:
            return str(text)
    return str(value)


TEMPLATE_GLOBALS = {
    "role_label": lambda v: label(ROLE_LABELS, v),
    "category_label": lambda v: label(CATEGORY_LABELS, v),
    "case_type_label": lambda v: label(CASE_TYPE_LABELS, v),
    "join_rule_label": lambda v: label(JOIN_RULE_LABELS, v),
    "item_status_label": lambda v: label(ITEM_STATUS_LABELS, v),
    "flow_label": flow_label,
}
