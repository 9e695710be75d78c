"""Catalogue round trip: export then import of an unchanged file changes nothing, field by field, in CSV and XLSX;
a changed limit makes a new version that keeps every other field, material notes included."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from service_center.extensions import db
from service_center.models import (
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
from service_center.services import ServiceError
from service_center.services.catalogue import (
    ItemData,
    MaterialSpec,
    create_item,
    format_materials,
    parse_materials,
    save_item,
)
from service_center.services.catalogue_io import export_csv, export_xlsx, import_catalogue

MATERIALS = (
    MaterialSpec("申请书", True, "原件1份，可在窗口领取或网上下载"),
    MaterialSpec("营业执照（副本）", True, "原件核验|复印件1份"),  # a bar inside a note reads back as it was
    MaterialSpec("授权委托书", False, "委托办理的提交"),
    MaterialSpec("场所平面图", False, ""),
)


@pytest.fixture
def catalogue(make_department, make_window) -> dict[str, Item]:
    """Three published items with every field an editor can set: notes, periods, windows, a joint item's
    departments, join rule and step limit, a disclosure workflow, texts a spreadsheet could read as formulas."""
    sj = make_department(code="SJ", name="市场监管局")
    sc = make_department(code="SC", name="商务局")
    ws = make_department(code="WS", name="卫健委")
    a01, a02 = make_window(sj, number="A01"), make_window(sj, number="A02")
    b01 = make_window(sc, number="B01")
    db.session.flush()
    committed = create_item("XK-001", ItemData(
        name="食品经营许可", category=ItemCategory.LICENSING, department_id=sj.id, case_type=CaseType.COMMITTED,
        statutory_limit_days=20, promised_limit_days=10, fees="=不收费", legal_basis="《食品安全法》第三十五条\n"
        "《食品经营许可管理办法》", conditions="'已取得营业执照", window_ids=frozenset({a01.id, a02.id}),
        materials=MATERIALS, acceptance_periods=((date(2026, 3, 1), date(2026, 3, 31)),
                                                 (date(2026, 9, 1), date(2026, 9, 30))),
    ), publish=True)
    joint = create_item("LB-001", ItemData(
        name="餐饮开业联办", category=ItemCategory.PUBLIC_SERVICE, department_id=sj.id, case_type=CaseType.JOINT,
        statutory_limit_days=45, promised_limit_days=30, lead_department_id=sj.id,
        join_rule=JoinRule.LEAD_CONSOLIDATES, step_limit_days=12,
        participating_department_ids=frozenset({sj.id, sc.id, ws.id}), window_ids=frozenset({a01.id, b01.id}),
        materials=(MaterialSpec("联办申请表", True, "各部门共用一份"),), fees="按标准收费",
    ), publish=True)
    disclosure = create_item("GK-001", ItemData(
        name="政府信息公开申请", category=ItemCategory.OTHER, department_id=sc.id, case_type=CaseType.COMMITTED,
        workflow_key="disclosure", statutory_limit_days=20, promised_limit_days=15, window_ids=frozenset({b01.id}),
    ), publish=True)
    db.session.commit()
    return {"committed": committed, "joint": joint, "disclosure": disclosure}


def _snapshot() -> dict[str, list[tuple]]:
    """Every stored row of the catalogue, every column (timestamps included)."""
    tables = {
        "items": Item.__table__, "item_materials": ItemMaterial.__table__,
        "acceptance_periods": AcceptancePeriod.__table__, "item_windows": item_windows,
        "item_departments": item_departments,
    }
    db.session.expire_all()
    return {name: sorted(tuple(row) for row in db.session.execute(sa.select(table)).all())
            for name, table in tables.items()}


def _exported(fmt: str) -> tuple[str, bytes]:
    return (f"catalogue.{fmt}", export_csv() if fmt == "csv" else export_xlsx())


def _with_cell(fmt: str, content: bytes, code: str, column: str, value: object) -> bytes:
    """The exported file with one cell changed, saved as a spreadsheet user would."""
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        for row in rows:
            if row["code"] == code:
                row[column] = str(value)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == code:
            row[header.index(column)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_of_the_unchanged_file_changes_nothing(app, catalogue, fmt):
    before = _snapshot()
    assert [(m.name, m.is_key, m.note) for m in catalogue["committed"].materials] == [tuple(vars(m).values())
                                                                                       for m in MATERIALS]
    result = import_catalogue(*_exported(fmt))
    db.session.commit()
    assert sorted(result.unchanged) == ["GK-001", "LB-001", "XK-001"]
    assert result.created == result.revised == []
    assert _snapshot() == before  # no new version, no row touched


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_changed_limit_makes_a_version_that_keeps_every_other_field(app, catalogue, fmt):
    old = {code: ItemData.of(item) for code, item in
           ((i.code, i) for i in catalogue.values())}
    others_before = {k: v for k, v in _snapshot().items() if k != "items"}
    name, content = _exported(fmt)
    result = import_catalogue(name, _with_cell(fmt, content, "XK-001", "promised_limit_days", 8))
    db.session.commit()
    assert result.revised == ["XK-001"]
    assert sorted(result.unchanged) == ["GK-001", "LB-001"]
    versions = db.session.execute(
        sa.select(Item.version, Item.status).where(Item.code == "XK-001").order_by(Item.version)).all()
    assert versions == [(1, ItemStatus.SUPERSEDED), (2, ItemStatus.PUBLISHED)]
    new = db.session.scalar(sa.select(Item).where(Item.code == "XK-001", Item.version == 2))
    assert new.promised_limit_days == 8
    assert ItemData.of(new) == replace(old["XK-001"], promised_limit_days=8)  # every other field, field by field
    assert [(m.position, m.name, m.is_key, m.note) for m in new.materials] == [
        (n, m.name, m.is_key, m.note) for n, m in enumerate(MATERIALS, start=1)]
    assert new.fees == "=不收费"
    assert new.conditions == "'已取得营业执照"
    assert [(p.opens_on, p.closes_on) for p in new.acceptance_periods] == [
        (date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 9, 1), date(2026, 9, 30))]
    assert sorted(w.number for w in new.windows) == ["A01", "A02"]
    # The old version's rows are untouched (its cases still read them).
    after = {k: v for k, v in _snapshot().items() if k != "items"}
    for table in after:
        assert set(others_before[table]) <= set(after[table])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_changed_joint_item_keeps_its_departments_rule_and_step_limit(app, catalogue, fmt):
    old = ItemData.of(catalogue["joint"])
    name, content = _exported(fmt)
    import_catalogue(name, _with_cell(fmt, content, "LB-001", "statutory_limit_days", 40))
    db.session.commit()
    new = db.session.scalar(sa.select(Item).where(Item.code == "LB-001", Item.version == 2))
    assert ItemData.of(new) == replace(old, statutory_limit_days=40)
    assert new.join_rule == JoinRule.LEAD_CONSOLIDATES
    assert new.step_limit_days == 12
    assert sorted(d.code for d in new.participating_departments) == ["SC", "SJ", "WS"]
    assert [(m.name, m.note) for m in new.materials] == [("联办申请表", "各部门共用一份")]


def test_a_changed_note_in_the_file_revises_the_item(app, catalogue):
    name, content = _exported("csv")
    materials = "*申请书 | 原件2份;*营业执照（副本）;授权委托书 | 委托办理的提交;场所平面图"
    result = import_catalogue(name, _with_cell("csv", content, "XK-001", "materials", materials))
    db.session.commit()
    assert result.revised == ["XK-001"]
    new = db.session.scalar(sa.select(Item).where(Item.code == "XK-001", Item.version == 2))
    assert [(m.name, m.is_key, m.note) for m in new.materials] == [
        ("申请书", True, "原件2份"), ("营业执照（副本）", True, ""), ("授权委托书", False, "委托办理的提交"),
        ("场所平面图", False, "")]


def test_materials_text_reads_back_the_same_materials():
    assert parse_materials(format_materials(MATERIALS)) == MATERIALS
    assert parse_materials(format_materials(MATERIALS, ";")) == MATERIALS
    assert parse_materials("＊申请书｜原件") == (MaterialSpec("申请书", True, "原件"),)


@pytest.mark.parametrize("material", [
    MaterialSpec("申请书", True, "x" * 301),
    MaterialSpec("申请书", True, "原件;复印件"),
    MaterialSpec("申请|书", True, ""),
    MaterialSpec("*申请书", False, ""),
])
def test_a_material_that_would_not_read_back_the_same_is_refused(app, catalogue, material):
    data = replace(ItemData.of(catalogue["committed"]), materials=(material,))
    with pytest.raises(ServiceError) as refused:
        save_item(catalogue["committed"], data)
    assert refused.value.field == "materials"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.code == "XK-001")) == 1
