"""The database itself refuses data that breaks the catalogue's and the hall's integrity rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from service_center.extensions import db
from service_center.models import (
    CaseType,
    Department,
    Item,
    ItemCategory,
    ItemStatus,
    JoinRule,
    Window,
)


def _item(department: Department, **fields: object) -> Item:
    values = dict(code="X-1", name="事项", category=ItemCategory.LICENSING, department=department,
                  case_type=CaseType.COMMITTED, workflow_key="committed", statutory_limit_days=20,
                  promised_limit_days=10, status=ItemStatus.DRAFT)
    values.update(fields)
    return Item(**values)


def _refused(*rows: object) -> None:
    with pytest.raises(IntegrityError):  # noqa: PT012 - the flush is what the database refuses
        with db.session.begin_nested():
            db.session.add_all(rows)
            db.session.flush()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"promised_limit_days": 21}, id="promised-beyond-statutory"),
        pytest.param({"promised_limit_days": -1, "statutory_limit_days": 5}, id="negative-promise"),
        pytest.param({"version": 0}, id="version-zero"),
        pytest.param({"case_type": CaseType.JOINT, "join_rule": JoinRule.ALL_APPROVE}, id="joint-without-lead"),
        pytest.param({"step_limit_days": 11}, id="step-limit-beyond-promised"),
        pytest.param({"step_limit_days": 0}, id="step-limit-zero"),
    ],
)
def test_item_check_constraints(app, make_department, fields):
    department = make_department()
    _refused(_item(department, **fields))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0


def test_joint_item_with_lead_and_rule_is_accepted(app, make_department):
    department = make_department()
    db.session.add(_item(department, case_type=CaseType.JOINT, lead_department=department,
                         join_rule=JoinRule.LEAD_CONSOLIDATES))
    db.session.flush()


def test_code_and_version_are_unique(app, make_department):
    department = make_department()
    db.session.add(_item(department))
    db.session.flush()
    _refused(_item(department))


def test_only_one_published_version_per_code(app, make_department):
    department = make_department()
    db.session.add(_item(department, status=ItemStatus.PUBLISHED))
    db.session.flush()
    db.session.add(_item(department, version=2, status=ItemStatus.DRAFT))
    db.session.flush()  # a draft next to the published version is fine
    _refused(_item(department, version=3, status=ItemStatus.PUBLISHED))


def test_department_codes_are_unique(app, make_department):
    make_department(code="DUP")
    _refused(Department(code="DUP", name="另一个部门"))


def test_window_numbers_are_unique(app, make_department):
    first, second = make_department(), make_department()
    db.session.add(Window(number="A01", name="一号窗口", department=first))
    db.session.flush()
    _refused(Window(number="A01", name="另一个窗口", department_id=second.id))
