"""Catalogue service: drafts, publication, versioning, validation."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import CaseType, Item, ItemCategory, ItemStatus, JoinRule
from service_center.services import Conflict, ServiceError
from service_center.services.catalogue import (
    ItemData,
    MaterialSpec,
    create_item,
    item_history,
    latest_versions,
    parse_materials,
    parse_periods,
    publish_item,
    revise_item,
    save_item,
)


def _data(department, **fields) -> ItemData:
    values = {
        "name": "食品经营许可",
        "category": ItemCategory.LICENSING,
        "department_id": department.id,
        "case_type": CaseType.COMMITTED,
        "statutory_limit_days": 20,
        "promised_limit_days": 10,
        "materials": (MaterialSpec("申请书", True), MaterialSpec("营业执照复印件")),
    }
    values.update(fields)
    return ItemData(**values)


def test_create_makes_a_draft_with_the_default_workflow(app, make_department, make_window):
    department = make_department()
    window = make_window(department)
    item = create_item("XK-001", _data(department, window_ids=frozenset({window.id})))
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    assert item.status == ItemStatus.DRAFT
    assert item.version == 1
    assert item.workflow_key == "committed"
    assert [(m.position, m.name, m.is_key) for m in item.materials] == [
        (1, "申请书", True),
        (2, "营业执照复印件", False),
    ]
    assert item.windows == [window]


def test_code_must_be_new(app, make_department, make_item):
    existing = make_item()
    with pytest.raises(ServiceError) as error:
        create_item(existing.code, _data(make_department()))
    assert error.value.field == "code"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"promised_limit_days": 30}, "promised_limit_days"),
        ({"statutory_limit_days": -1, "promised_limit_days": -1}, "statutory_limit_days"),
        ({"case_type": CaseType.JOINT}, "lead_department_id"),
        ({"workflow_key": "instant"}, "workflow_key"),
        ({"name": "  "}, "name"),
        ({"materials": (MaterialSpec("申请书"), MaterialSpec("申请书"))}, "materials"),
        ({"window_ids": frozenset({999999})}, "window_ids"),
    ],
)
def test_invalid_data_is_refused_with_the_field(app, make_department, fields, field):
    with pytest.raises(ServiceError) as error:
        create_item("BAD-1", _data(make_department(), **fields))
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0


def test_joint_item_needs_the_lead_among_participants(app, make_department):
    lead, other, third = make_department(), make_department(), make_department()
    joint = {
        "case_type": CaseType.JOINT,
        "lead_department_id": lead.id,
        "join_rule": JoinRule.ALL_APPROVE,
    }
    with pytest.raises(ServiceError) as error:
        create_item("LB-1", _data(lead, **joint, participating_department_ids=frozenset({other.id, third.id})))
    assert error.value.field == "participating_department_ids"
    with pytest.raises(ServiceError) as error:
        create_item("LB-1", _data(lead, **joint, participating_department_ids=frozenset({lead.id})))
    assert error.value.field == "participating_department_ids"
    item = create_item("LB-1", _data(lead, **joint, participating_department_ids=frozenset({lead.id, other.id})))
    assert item.workflow_key == "joint"
    assert {d.id for d in item.participating_departments} == {lead.id, other.id}


def test_disclosure_workflow_is_selectable_with_the_regulations_limit(app, make_department):
    department = make_department()
    with pytest.raises(ServiceError) as error:  # the item's default 20/10 would do; 30 would not
        create_item("GK-1", _data(department, workflow_key="disclosure", statutory_limit_days=30))
    assert error.value.field == "statutory_limit_days"
    item = create_item("GK-1", _data(department, workflow_key="disclosure"))
    assert (item.workflow_key, item.statutory_limit_days) == ("disclosure", 20)


def test_editing_a_draft_changes_it_in_place(app, make_department):
    department = make_department()
    item = create_item("XK-002", _data(department))
    saved = save_item(item, _data(department, name="改名", materials=(MaterialSpec("新材料", True),)))
    db.session.commit()
    assert saved.id == item.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 1
    db.session.expire_all()
    assert [m.name for m in db.session.get(Item, item.id).materials] == ["新材料"]


def test_publish_and_refuse_a_second_publish(app, make_department):
    item = create_item("XK-003", _data(make_department()))
    db.session.commit()
    publish_item(item)
    db.session.commit()
    assert item.status == ItemStatus.PUBLISHED
    assert item.published_at is not None
    with pytest.raises(Conflict):
        publish_item(item)


def test_revising_a_published_item_creates_version_2(app, make_department, make_window, make_item):
    department = make_department()
    windows = [make_window(department), make_window(department)]
    other = make_department()
    v1 = make_item(department=department, windows=windows)
    v1.participating_departments = [department]
    db.session.commit()
    v2 = revise_item(
        v1,
        _data(
            department,
            name=v1.name + "（新）",
            window_ids=frozenset({windows[0].id}),
            acceptance_periods=((date(2026, 3, 1), date(2026, 3, 31)),),
            case_type=CaseType.JOINT,
            lead_department_id=department.id,
            join_rule=JoinRule.LEAD_CONSOLIDATES,
            participating_department_ids=frozenset({department.id, other.id}),
        ),
    )
    db.session.commit()
    db.session.expire_all()
    old, new = db.session.get(Item, v1.id), db.session.get(Item, v2.id)
    assert (old.version, old.status) == (1, ItemStatus.SUPERSEDED)
    assert old.superseded_at is not None
    assert (new.version, new.status, new.code) == (2, ItemStatus.PUBLISHED, old.code)
    # The old version keeps its content for the cases received under it.
    assert [w.id for w in old.windows] == sorted(w.id for w in windows)
    assert [m.name for m in old.materials] == ["申请书", "身份证复印件"]
    assert old.case_type == CaseType.COMMITTED
    assert [w.id for w in new.windows] == [windows[0].id]
    assert [(p.opens_on, p.closes_on) for p in new.acceptance_periods] == [(date(2026, 3, 1), date(2026, 3, 31))]
    assert {d.id for d in new.participating_departments} == {department.id, other.id}
    assert [i.version for i in item_history(old.code)] == [2, 1]
    assert list(db.session.scalars(latest_versions().where(Item.code == old.code))) == [new]


def test_a_superseded_version_cannot_be_revised(app, make_department, make_item):
    department = make_department()
    v1 = make_item(department=department)
    revise_item(v1, _data(department))
    with pytest.raises(Conflict):
        revise_item(v1, _data(department, name="again"))


def test_parse_materials_and_periods():
    assert parse_materials("*申请书\n身份证复印件；＊营业执照\n\n") == (
        MaterialSpec("申请书", True),
        MaterialSpec("身份证复印件", False),
        MaterialSpec("营业执照", True),
    )
    assert parse_periods("2026-07-01..2026-07-31\n2026-01-01..2026-01-31") == (
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 7, 1), date(2026, 7, 31)),
    )
    with pytest.raises(ValueError, match="2026-02-01"):
        parse_periods("2026-02-01")
    with pytest.raises(ValueError, match="ends before"):
        parse_periods("2026-02-01..2026-01-01")


def test_publishing_over_another_published_version_is_a_conflict_not_a_500(app, make_department, make_item):
    department = make_department()
    make_item(code="DUP-1", department=department)
    stray = make_item(code="DUP-1", version=2, status=ItemStatus.DRAFT, department=department)
    db.session.commit()
    with pytest.raises(Conflict):
        publish_item(stray)
    db.session.rollback()
    assert _count_published("DUP-1") == 1


def test_saving_a_published_item_unchanged_makes_no_version(app, make_department, make_item):
    department = make_department()
    item = make_item(department=department)
    assert save_item(item, ItemData.of(item)) is item
    assert item.status == ItemStatus.PUBLISHED
    assert len(item_history(item.code)) == 1


def _count_published(code: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Item).where(Item.code == code, Item.status == ItemStatus.PUBLISHED)
    )


def test_parallel_review_limit_is_checked_and_kept_for_joint_items_only(app, make_department):
    lead, other = make_department(), make_department()
    joint = {"case_type": CaseType.JOINT, "lead_department_id": lead.id, "join_rule": JoinRule.ALL_APPROVE,
             "participating_department_ids": frozenset({lead.id, other.id})}
    promised = _data(lead).promised_limit_days
    for bad in (0, promised + 1):
        with pytest.raises(ServiceError) as error:
            create_item("PR-1", _data(lead, **joint, step_limit_days=bad))
        assert error.value.field == "step_limit_days"
    item = create_item("PR-1", _data(lead, **joint, step_limit_days=promised - 1))
    assert item.step_limit_days == promised - 1
    assert ItemData.of(item).step_limit_days == promised - 1
    assert create_item("PR-2", _data(lead, step_limit_days=promised - 1)).step_limit_days is None  # not joint


def test_the_service_cleans_text_and_enforces_the_limits_whoever_calls_it(app, make_department):
    from service_center.services.catalogue import TEXT_LIMITS

    department = make_department()
    item = create_item(" \u200bXK-002 ", _data(department, name="\u202e食品\n经营许可\x07", fees="\ufeff不收费 ",
                                               materials=(MaterialSpec("\u200b申请书\u202e", True),
                                                          MaterialSpec("\u2060"))))
    assert (item.code, item.name, item.fees) == ("XK-002", "食品 经营许可", "不收费")
    assert [(m.name, m.is_key) for m in item.materials] == [("申请书", True)]
    for field, limit in TEXT_LIMITS.items():
        with pytest.raises(ServiceError) as error:
            create_item("XK-003", _data(department, **{field: "字" * (limit + 1)}))
        assert error.value.field == field
    with pytest.raises(ServiceError) as error:
        create_item("XK-003", _data(department, name="\u200b\u202e"))
    assert error.value.field == "name"
