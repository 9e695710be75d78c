"""The `hall` fixture: departments, a window with its clerk, reviewers, a head and one item per workflow kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from service_center.extensions import db
from service_center.models import CaseType, Department, Item, JoinRule, Role, User, Window
from service_center.services.core import Actor
from service_center.services.intake import Applicant
from service_center.services.reception import receive_application

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    """A moment in the centre's time zone, e.g. at("2026-03-02")."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


@dataclass
class Hall:
    lead: Department
    other: Department
    third: Department
    window: Window
    clerk: User
    reviewer: User
    head: User
    other_reviewer: User
    third_reviewer: User
    manager: User
    committed: Item
    joint: Item
    instant: Item
    forwarded: Item
    disclosure: Item

    def actor(self, who: str) -> Actor:
        return Actor.staff(getattr(self, who))

    def receive(self, item: Item | None = None, day: str = "2026-03-02", name: str = "张三") -> object:
        return receive_application(item=item or self.committed, window=self.window, clerk=self.clerk,
                                   applicant=Applicant(name, "330102199001011234", "13800000000"), when=at(day))

    def start_procedure(self, case: object, actor: Actor, procedure: object, *, reason: str,
                        when: datetime | None = None,
                        expected_days: int = 0, approver: str = "head") -> object:
        """A special procedure requested by ``actor`` and approved by ``approver`` at the same moment: the clock
        stops from ``when`` (licensing definitions from version 4 request and approve it)."""
        from service_center.services import clock_stops

        clock_stops.request_special_procedure(case, actor, procedure, reason=reason,  # type: ignore[arg-type]
                                              expected_days=expected_days, when=when)
        return clock_stops.decide_special_procedure(case, self.actor(approver), True,  # type: ignore[arg-type]
                                                    when=when)


@pytest.fixture
def hall(make_department, make_window, make_user, make_item) -> Hall:
    """One lead department with a window and clerk, two more departments, and one item per workflow kind."""
    lead, other, third = make_department(), make_department(), make_department()
    window = make_window(department=lead)
    clerk = make_user(Role.CLERK, windows=[window], department=lead)
    items = {
        "committed": make_item(department=lead),
        "instant": make_item(department=lead, case_type=CaseType.INSTANT, workflow_key="instant",
                             statutory_limit_days=0, promised_limit_days=0),
        "forwarded": make_item(department=lead, case_type=CaseType.FORWARDED, workflow_key="forwarded"),
        "disclosure": make_item(department=lead, workflow_key="disclosure", statutory_limit_days=20,
                                promised_limit_days=20),
        "joint": make_item(department=lead, case_type=CaseType.JOINT, statutory_limit_days=45,
                           promised_limit_days=30, join_rule=JoinRule.LEAD_CONSOLIDATES),
    }
    items["joint"].participating_departments = [lead, other, third]
    for item in items.values():
        item.windows = [window]
    hall = Hall(
        lead=lead, other=other, third=third, window=window, clerk=clerk,
        reviewer=make_user(Role.REVIEWER, department=lead),
        head=make_user(Role.DEPT_HEAD, department=lead),
        other_reviewer=make_user(Role.REVIEWER, department=other),
        third_reviewer=make_user(Role.REVIEWER, department=third),
        manager=make_user(Role.MANAGER),
        **items,
    )
    db.session.flush()
    return hall
