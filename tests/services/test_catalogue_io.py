"""Catalogue import and export: CSV and XLSX, all-or-nothing import, every bad row reported, round trip."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from service_center.extensions import db
from service_center.models import CaseType, Item, ItemStatus, JoinRule
from service_center.services.catalogue_io import (
    COLUMNS,
    ImportRejected,
    export_csv,
    export_xlsx,
    import_catalogue,
)


@pytest.fixture
def hall(make_department, make_window):
    """Two departments (SJ, SC) with windows A01, A02 and B01."""
    sj = make_department(code="SJ", name="市场监管局")
    sc = make_department(code="SC", name="商务局")
    make_window(sj, number="A01")
    make_window(sj, number="A02")
    make_window(sc, number="B01")
    db.session.commit()
    return {"SJ": sj, "SC": sc}


def _rows(n: int, start: int = 1) -> list[dict[str, object]]:
    rows = []
    for i in range(start, start + n):
        joint = i % 10 == 0
        rows.append(
            {
                "code": f"SX-{i:04d}",
                "name": f"事项{i}",
                "keywords": f"俗称{i}，别名{i}" if i % 4 == 0 else "",
                "category": "行政许可" if i % 2 else "public_service",
                "department_code": "SJ",
                "case_type": "联办件" if joint else ("承诺件" if i % 3 else "instant"),
                "workflow_key": "",
                "statutory_limit_days": 20,
                "promised_limit_days": 5 if i % 3 else 0,
                "fees": "不收费",
                "legal_basis": "《中华人民共和国行政许可法》",
                "conditions": "",
                "materials": "*申请书;身份证复印件",
                "window_numbers": "A01;A02",
                "lead_department_code": "SJ" if joint else "",
                "participating_department_codes": "SJ;SC" if joint else "",
                "join_rule": "全部同意" if joint else "",
                "step_limit_days": 3 if joint and i % 3 else "",
                "acceptance_periods": "2026-03-01..2026-03-31" if i % 7 == 0 else "",
            }
        )
    return rows


def _csv(rows: list[dict[str, object]], columns=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[dict[str, object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(c, "") for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count(**where) -> int:
    query = sa.select(sa.func.count()).select_from(Item)
    for key, value in where.items():
        query = query.where(getattr(Item, key) == value)
    return db.session.scalar(query)


def test_import_of_a_good_csv_creates_every_item(app, hall):
    result = import_catalogue("catalogue.csv", _csv(_rows(250)))
    db.session.commit()
    assert len(result.created) == 250
    assert _count(status=ItemStatus.PUBLISHED) == 250
    joint = db.session.scalar(sa.select(Item).where(Item.code == "SX-0010"))
    assert joint.case_type == CaseType.JOINT
    assert joint.join_rule == JoinRule.ALL_APPROVE
    assert joint.lead_department_id == hall["SJ"].id
    assert {d.code for d in joint.participating_departments} == {"SJ", "SC"}
    assert joint.step_limit_days == 3
    assert [w.number for w in joint.windows] == ["A01", "A02"]
    assert [(m.name, m.is_key) for m in joint.materials] == [("申请书", True), ("身份证复印件", False)]
    periodic = db.session.scalar(sa.select(Item).where(Item.code == "SX-0007"))
    assert len(periodic.acceptance_periods) == 1


def test_import_of_a_good_xlsx_creates_every_item(app, hall):
    result = import_catalogue("catalogue.xlsx", _xlsx(_rows(220)))
    db.session.commit()
    assert len(result.created) == 220
    assert _count(status=ItemStatus.PUBLISHED, version=1) == 220


def test_chinese_headers_and_a_gbk_csv_are_accepted(app, hall):
    aliases = {"code": "事项编码", "name": "事项名称", "category": "权力类型", "department_code": "部门编码",
               "case_type": "办件类型", "statutory_limit_days": "法定时限", "promised_limit_days": "承诺时限",
               "materials": "申请材料"}
    text = ",".join(aliases.values()) + "\r\n" + "GBK-1,个体工商户登记,行政许可,SJ,即办件,1,0,*申请书\r\n"
    result = import_catalogue("目录.csv", text.encode("gb18030"))
    assert result.created == ["GBK-1"]


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_row(app, hall, make_item):
    make_item(code="OLD-1", department=hall["SJ"])
    db.session.commit()
    rows = _rows(30)
    rows[0]["category"] = "不存在的类型"  # row 2
    rows[3]["promised_limit_days"] = 30  # row 5: promised > statutory
    rows[5]["department_code"] = "XX"  # row 7
    rows[6]["window_numbers"] = "A01;Z99"  # row 8
    rows[9]["join_rule"] = ""  # row 11: joint without a join rule
    rows[12]["statutory_limit_days"] = "二十"  # row 14
    rows[15]["code"] = rows[14]["code"]  # row 17: duplicate code in the file
    rows[16]["name"] = ""  # row 18
    rows[17]["acceptance_periods"] = "2026-03-31..2026-03-01"  # row 19
    rows[19]["step_limit_days"] = 6  # row 21: a department's share beyond the promised limit
    with pytest.raises(ImportRejected) as rejected:
        import_catalogue("bad.csv", _csv(rows))
    db.session.rollback()
    found = {(e.row, e.column) for e in rejected.value.errors}
    assert found == {
        (2, "category"),
        (5, "promised_limit_days"),
        (7, "department_code"),
        (8, "window_numbers"),
        (11, "join_rule"),
        (14, "statutory_limit_days"),
        (17, "code"),
        (18, "name"),
        (19, "acceptance_periods"),
        (21, "step_limit_days"),
    }
    messages = {(e.row, e.column): e.message for e in rejected.value.errors}
    assert "Z99" in messages[(8, "window_numbers")]
    assert "16" in messages[(17, "code")]  # names the row where the code first appeared
    assert _count() == 1  # only the item that was there before


def test_unknown_and_missing_columns_are_reported(app, hall):
    text = "code,name,materails\r\nX-1,名称,*申请书\r\n"
    with pytest.raises(ImportRejected) as rejected:
        import_catalogue("bad.csv", text.encode())
    columns = {e.column for e in rejected.value.errors}
    assert "materails" in columns
    assert {"category", "department_code", "case_type"} <= columns


def test_unreadable_files_are_rejected(app, hall):
    with pytest.raises(ImportRejected):
        import_catalogue("broken.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportRejected):
        import_catalogue("empty.csv", b"")


def test_an_xlsx_with_broken_sheet_xml_is_rejected_not_a_crash(app, hall):
    import zipfile

    good = io.BytesIO()
    Workbook().save(good)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]  # truncated XML
            target.writestr(info, data)
    with pytest.raises(ImportRejected):
        import_catalogue("broken.xlsx", broken.getvalue())


def test_a_tiny_xlsx_claiming_a_huge_sheet_is_rejected(app, hall):
    """Without streaming and caps this reads 3.2 billion padded cells (it never finishes)."""
    book = Workbook()
    book.active.append(list(COLUMNS))
    book.active.cell(row=200_000, column=16_000, value="x")  # declares A1:WNR200000
    content = io.BytesIO()
    book.save(content)
    with pytest.raises(ImportRejected) as rejected:
        import_catalogue("huge.xlsx", content.getvalue())
    assert rejected.value.errors


def test_export_then_import_changes_nothing(app, hall):
    import_catalogue("catalogue.csv", _csv(_rows(40)))
    db.session.commit()
    exported_csv = export_csv()
    exported_xlsx = export_xlsx()
    assert exported_csv.startswith(b"\xef\xbb\xbf")
    for name, content in (("again.csv", exported_csv), ("again.xlsx", exported_xlsx)):
        result = import_catalogue(name, content)
        assert (len(result.created), len(result.revised), len(result.unchanged)) == (0, 0, 40)
    assert _count() == 40


def test_reimport_with_changes_revises_only_changed_items(app, hall):
    import_catalogue("catalogue.csv", _csv(_rows(10)))
    db.session.commit()
    rows = _rows(12)
    rows[0]["promised_limit_days"] = 3
    rows[1]["materials"] = "*申请书"
    result = import_catalogue("catalogue.csv", _csv(rows))
    db.session.commit()
    assert sorted(result.revised) == ["SX-0001", "SX-0002"]
    assert sorted(result.created) == ["SX-0011", "SX-0012"]
    assert len(result.unchanged) == 8
    versions = db.session.execute(
        sa.select(Item.version, Item.status).where(Item.code == "SX-0001").order_by(Item.version)
    ).all()
    assert versions == [(1, ItemStatus.SUPERSEDED), (2, ItemStatus.PUBLISHED)]
    revised = db.session.scalar(sa.select(Item).where(Item.code == "SX-0002", Item.version == 2))
    assert [m.name for m in revised.materials] == ["申请书"]


def test_xlsx_export_has_one_row_per_published_item(app, hall, make_item):
    make_item(department=hall["SJ"], name="=HYPERLINK(\"http://evil\")")
    make_item(department=hall["SJ"], status=ItemStatus.DRAFT)
    db.session.commit()
    sheet = load_workbook(io.BytesIO(export_xlsx())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert len(rows) == 2
    assert rows[1][COLUMNS.index("name")].startswith("'=")  # text that looks like a formula is not a formula


def test_template_has_headers_only(app):
    text = export_csv(empty=True).decode("utf-8-sig")
    assert text.strip() == ",".join(COLUMNS)


# -- free text: the import cleans and limits text as the item form does (issue #7) ---------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_imported_names_and_texts_are_cleaned_like_typed_ones(app, hall, fmt):
    rows = _rows(2)
    rows[0].update(code="\ufeffSX-0001", name="\u202e事项\u200b一\u2066", fees="\u200b不收费\u2028（免费）",
                   materials="*\u200b申请书\u202e;\u2060;身份证复印件", department_code="S\u200bJ")
    if fmt == "csv":  # spreadsheets cannot hold control characters; a CSV can
        rows[1].update(name="事项\x07二\x1b", conditions="\x01条件\x7f")
    content = _csv(rows) if fmt == "csv" else _xlsx(rows)
    result = import_catalogue(f"catalogue.{fmt}", content)
    db.session.commit()
    assert result.created == ["SX-0001", "SX-0002"]
    first = db.session.scalar(sa.select(Item).where(Item.code == "SX-0001"))
    assert (first.name, first.fees, first.department.code) == ("事项一", "不收费\n（免费）", "SJ")
    assert [(m.name, m.is_key) for m in first.materials] == [("申请书", True), ("身份证复印件", False)]
    if fmt == "csv":
        second = db.session.scalar(sa.select(Item).where(Item.code == "SX-0002"))
        assert (second.name, second.conditions) == ("事项二", "条件")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_imported_name_of_invisible_characters_is_a_row_error(app, hall, fmt):
    rows = _rows(3)
    rows[1]["name"] = "\u202e\u200b\ufeff"  # row 3
    with pytest.raises(ImportRejected) as rejected:
        import_catalogue(f"catalogue.{fmt}", _csv(rows) if fmt == "csv" else _xlsx(rows))
    assert [(e.row, e.column) for e in rejected.value.errors] == [(3, "name")]
    assert _count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_over_long_imported_fields_are_row_errors_with_the_forms_limits(app, hall, fmt):
    from service_center.services.catalogue import MATERIAL_NAME_MAX, TEXT_LIMITS

    rows = _rows(6)
    rows[0]["name"] = "名" * (TEXT_LIMITS["name"] + 1)  # row 2
    rows[1]["fees"] = "费" * (TEXT_LIMITS["fees"] + 1)  # row 3
    rows[2]["legal_basis"] = "法" * (TEXT_LIMITS["legal_basis"] + 1)  # row 4
    rows[3]["conditions"] = "条" * (TEXT_LIMITS["conditions"] + 1)  # row 5
    rows[4]["materials"] = "*申请书;" + "材" * (MATERIAL_NAME_MAX + 1)  # row 6
    rows[5]["name"] = "名" * TEXT_LIMITS["name"] + "\u200b"  # row 7: at the limit once cleaned
    with pytest.raises(ImportRejected) as rejected:
        import_catalogue(f"catalogue.{fmt}", _csv(rows) if fmt == "csv" else _xlsx(rows))
    assert [(e.row, e.column) for e in rejected.value.errors] == [
        (2, "name"), (3, "fees"), (4, "legal_basis"), (5, "conditions"), (6, "materials")]
    assert _count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_keywords_round_trip_through_export_and_import(app, hall, fmt):
    rows = _rows(4)
    rows[0]["keywords"] = "营业执照；执照、开公司"
    # Text that looks like a formula comes back as it was (an uploaded sheet's own formula is its value).
    formula_like = "=SUM(A1)" if fmt == "csv" else "@开饭店"
    rows[1]["keywords"] = formula_like
    import_catalogue(f"catalogue.{fmt}", _csv(rows) if fmt == "csv" else _xlsx(rows))
    db.session.commit()
    stored = dict(db.session.execute(sa.select(Item.code, Item.keywords)).all())
    assert stored["SX-0001"] == "营业执照，执照，开公司"
    assert stored["SX-0002"] == formula_like
    assert stored["SX-0004"] == "俗称4，别名4"
    assert "yyzz" in db.session.scalar(sa.select(Item.search_text).where(Item.code == "SX-0001"))
    exported = export_csv() if fmt == "csv" else export_xlsx()
    if fmt == "csv":
        assert "营业执照，执照，开公司" in exported.decode("utf-8-sig")
    result = import_catalogue(f"again.{fmt}", exported)
    assert (len(result.created), len(result.revised), len(result.unchanged)) == (0, 0, 4)
    # A changed keyword is a change: a new version carrying it.
    rows[0]["keywords"] = "执照"
    result = import_catalogue(f"changed.{fmt}", _csv(rows) if fmt == "csv" else _xlsx(rows))
    db.session.commit()
    assert result.revised == ["SX-0001"]
    current = db.session.scalar(sa.select(Item).where(Item.code == "SX-0001", Item.status == ItemStatus.PUBLISHED))
    assert (current.version, current.keywords) == (2, "执照")
