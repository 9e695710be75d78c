"""Catalogue import and export as CSV (UTF-8 with BOM) and Excel (.xlsx).

One row per item; the header row uses the stable English keys of :data:`COLUMNS` (Chinese aliases are
accepted on import). An import is all or nothing: every row is checked first and any problem rejects the
whole file with the list of (row, column, reason); otherwise all rows are written in one transaction.
"""

from __future__ import annotations

import csv
import io
import itertools
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import CaseType, Department, Item, ItemCategory, ItemStatus, JoinRule, Window, utcnow
from ..models.catalogue import DEFAULT_PUBLISH_DAYS
from ..text import clean_text
from . import ServiceError
from .catalogue import (
    DISCLOSURE_WORKFLOW,
    MAX_LIMIT_DAYS,
    ItemData,
    Lookups,
    apply_data,
    check_code,
    check_item_data,
    current_items_by_code,
    flush_or_conflict,
    format_materials,
    format_periods,
    parse_materials,
    parse_periods,
    supersede_and_copy,
)

COLUMNS = (
    "code",
    "name",
    "keywords",
    "category",
    "department_code",
    "case_type",
    "workflow_key",
    "statutory_limit_days",
    "promised_limit_days",
    "fees",
    "legal_basis",
    "conditions",
    "materials",
    "window_numbers",
    "lead_department_code",
    "participating_department_codes",
    "join_rule",
    "step_limit_days",
    "acceptance_periods",
    "publish_results",
    "publish_days",
)
REQUIRED_COLUMNS = (
    "code",
    "name",
    "category",
    "department_code",
    "case_type",
    "statutory_limit_days",
    "promised_limit_days",
)
HEADER_ALIASES = {
    "编码": "code",
    "事项编码": "code",
    "名称": "name",
    "事项名称": "name",
    "关键词": "keywords",
    "俗称": "keywords",
    "类别": "category",
    "权力类型": "category",
    "事项类型": "category",
    "部门编码": "department_code",
    "实施部门编码": "department_code",
    "办件类型": "case_type",
    "流程": "workflow_key",
    "法定时限": "statutory_limit_days",
    "法定办结时限": "statutory_limit_days",
    "承诺时限": "promised_limit_days",
    "承诺办结时限": "promised_limit_days",
    "收费": "fees",
    "收费标准": "fees",
    "设定依据": "legal_basis",
    "法律依据": "legal_basis",
    "受理条件": "conditions",
    "申请条件": "conditions",
    "申请材料": "materials",
    "材料": "materials",
    "受理窗口": "window_numbers",
    "窗口": "window_numbers",
    "牵头部门编码": "lead_department_code",
    "参与部门编码": "participating_department_codes",
    "联办部门编码": "participating_department_codes",
    "汇总规则": "join_rule",
    "并联审查时限": "step_limit_days",
    "部门审查时限": "step_limit_days",
    "受理时段": "acceptance_periods",
    "受理期限": "acceptance_periods",
    "结果公示": "publish_results",
    "是否公示": "publish_results",
    "公示天数": "publish_days",
    "公示期限": "publish_days",
}
# The publish_results column: yes or no, in either language (an empty cell keeps the default, yes).
YES_NO = {"yes": True, "y": True, "true": True, "1": True, "是": True, "公示": True,
          "no": False, "n": False, "false": False, "0": False, "否": False, "不公示": False}
CATEGORY_ALIASES = {
    "行政许可": ItemCategory.LICENSING,
    "行政确认": ItemCategory.CONFIRMATION,
    "行政给付": ItemCategory.PAYMENT,
    "行政裁决": ItemCategory.RULING,
    "行政奖励": ItemCategory.REWARD,
    "公共服务": ItemCategory.PUBLIC_SERVICE,
    "其他行政权力": ItemCategory.OTHER,
    "其他": ItemCategory.OTHER,
}
CASE_TYPE_ALIASES = {
    "即办件": CaseType.INSTANT,
    "即办": CaseType.INSTANT,
    "承诺件": CaseType.COMMITTED,
    "承诺": CaseType.COMMITTED,
    "联办件": CaseType.JOINT,
    "并联审批件": CaseType.JOINT,
    "联办": CaseType.JOINT,
    "上报件": CaseType.FORWARDED,
    "上报": CaseType.FORWARDED,
}
JOIN_RULE_ALIASES = {
    "全部同意": JoinRule.ALL_APPROVE,
    "牵头部门汇总": JoinRule.LEAD_CONSOLIDATES,
    "牵头汇总": JoinRule.LEAD_CONSOLIDATES,
}
WORKFLOW_ALIASES = {"依申请公开": DISCLOSURE_WORKFLOW}
LIST_SEPARATOR = ";"
MAX_ROWS = 5000
_FORMULA_PREFIXES = ("=", "+", "-", "@")
# Columns whose text could be read as a formula by a spreadsheet; exported with a leading apostrophe.
_TEXT_COLUMNS = ("name", "keywords", "fees", "legal_basis", "conditions", "materials")


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file; ``row`` is the spreadsheet row number (the header is row 1)."""

    row: int
    column: str
    message: str


class ImportRejected(ServiceError):
    """The file has problems; nothing was imported."""

    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("The file was not imported: %(n)d problems found.", n=len(errors)))
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


# --- export ---


def _published_items() -> list[Item]:
    return list(
        db.session.scalars(
            sa.select(Item)
            .where(Item.status == ItemStatus.PUBLISHED)
            .options(
                selectinload(Item.department),
                selectinload(Item.lead_department),
                selectinload(Item.materials),
                selectinload(Item.acceptance_periods),
                selectinload(Item.windows),
                selectinload(Item.participating_departments),
            )
            .order_by(Item.code)
        )
    )


def item_row(item: Item) -> dict[str, object]:
    """One item as an export row keyed by :data:`COLUMNS`."""
    return {
        "code": item.code,
        "name": item.name,
        "keywords": item.keywords or "",
        "category": str(item.category),
        "department_code": item.department.code,
        "case_type": str(item.case_type),
        "workflow_key": item.workflow_key,
        "statutory_limit_days": item.statutory_limit_days,
        "promised_limit_days": item.promised_limit_days,
        "fees": item.fees or "",
        "legal_basis": item.legal_basis or "",
        "conditions": item.conditions or "",
        "materials": format_materials(ItemData.of(item).materials, LIST_SEPARATOR),
        "window_numbers": LIST_SEPARATOR.join(w.number for w in item.windows),
        "lead_department_code": item.lead_department.code if item.lead_department else "",
        "participating_department_codes": LIST_SEPARATOR.join(d.code for d in item.participating_departments),
        "join_rule": str(item.join_rule) if item.join_rule else "",
        "step_limit_days": item.step_limit_days if item.step_limit_days is not None else "",
        "acceptance_periods": format_periods(
            ((p.opens_on, p.closes_on) for p in item.acceptance_periods), LIST_SEPARATOR
        ),
        "publish_results": "yes" if item.publish_results else "no",
        "publish_days": item.publish_days,
    }


def _defused(column: str, value: object) -> object:
    """Keep spreadsheets from evaluating text as a formula (CSV injection); the import strips the quote. Text
    that starts with a quote gets one more, so that the import gives it back as it was."""
    if column in _TEXT_COLUMNS and isinstance(value, str) and value.startswith((*_FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def export_rows(*, empty: bool = False) -> list[dict[str, object]]:
    """The current published items as rows (none for the blank template)."""
    if empty:
        return []
    return [{c: _defused(c, v) for c, v in item_row(item).items()} for item in _published_items()]


def export_csv(*, empty: bool = False) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(export_rows(empty=empty))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(*, empty: bool = False) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "catalogue"
    sheet.append(list(COLUMNS))
    for row in export_rows(empty=empty):
        sheet.append([row[c] for c in COLUMNS])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading files ---


def _cell_text(value: object) -> str:
    """A cell as cleaned text (:func:`clean_text`, as the forms clean what is typed)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of an uploaded .xlsx or .csv file as text cells; raises ImportRejected if unreadable."""
    is_xlsx = content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")
    if is_xlsx:
        return _read_xlsx(content)
    if not filename.lower().endswith((".csv", ".txt")) and b"\x00" in content[:1024]:
        raise ImportRejected([RowError(0, "", _("Upload a .csv or .xlsx file."))])
    return _read_csv(content)


XLSX_MAX_UNCOMPRESSED = 64 * 1024 * 1024  # a 500-item catalogue is well under 1 MiB; refuse zip bombs


def _read_xlsx(content: bytes) -> list[list[str]]:
    """The first sheet's rows, read as streamed: the sheet's declared size is ignored (a tiny file may claim a
    billion cells), at most MAX_ROWS + 1 rows and a few more columns than the template has are read."""
    from openpyxl import load_workbook

    unreadable = ImportRejected([RowError(0, "", _("The Excel file could not be read."))])
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNCOMPRESSED:
                raise unreadable
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()
                rows = sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 10)
                return [[_cell_text(v) for v in row] for row in itertools.islice(rows, MAX_ROWS + 2)]
            finally:
                workbook.close()
    except ImportRejected:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to parse a foreign file is the file's fault
        raise unreadable from error


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese Windows saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowError(0, "", _("The CSV file must be encoded in UTF-8 or GBK."))])
    if "\x00" in text:  # not a text file (and PostgreSQL cannot store the character)
        raise ImportRejected([RowError(0, "", _("Upload a .csv or .xlsx file."))])
    # The delimiter is read from the header line only: cells may well contain ";" (material lists).
    header = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in header:
        delimiter = "\t" if "\t" in header else ";" if ";" in header else ","
    try:
        return [[_cell_text(cell) for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise ImportRejected([RowError(0, "", _("The CSV file could not be read: %(e)s", e=str(error)))]) from error


# --- parsing and checking rows ---


def _enum(value: str, enum_cls: type, aliases: dict) -> object:
    """The member for an English value or a Chinese alias (case-insensitive for English)."""
    if value in aliases:
        return aliases[value]
    try:
        return enum_cls(value.lower())
    except ValueError:
        return None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("；", LIST_SEPARATOR).replace("\n", LIST_SEPARATOR).split(
        LIST_SEPARATOR
    ) if part.strip()]


def _undefuse(value: str) -> str:
    if value.startswith("'") and value[1:2] and value[1:2] in (*_FORMULA_PREFIXES, "'"):
        return value[1:]
    return value


# ItemData field -> file column, for reporting the service's checks against the right column.
_FIELD_COLUMNS = {
    "department_id": "department_code",
    "lead_department_id": "lead_department_code",
    "participating_department_ids": "participating_department_codes",
    "window_ids": "window_numbers",
}


def _header(cells: list[str]) -> tuple[list[str | None], list[RowError]]:
    errors: list[RowError] = []
    columns: list[str | None] = []
    for cell in cells:
        key = clean_text(cell)
        name = key.lower() if key.lower() in COLUMNS else HEADER_ALIASES.get(key)
        if not key:
            columns.append(None)
            continue
        if name is None:
            errors.append(RowError(1, key, _("Unknown column.")))
        elif name in columns:
            errors.append(RowError(1, key, _("The column appears twice.")))
        columns.append(name)
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            errors.append(RowError(1, required, _("This column is missing.")))
    return columns, errors


def parse_catalogue(
    rows: list[list[str]], departments: dict[str, Department], windows: dict[str, Window]
) -> tuple[list[tuple[int, str, ItemData]], list[RowError]]:
    """Check every row; return the (row number, code, data) of each item and every problem found."""
    if not rows:
        return [], [RowError(0, "", _("The file is empty."))]
    columns, errors = _header(rows[0])
    if errors:
        return [], errors
    if len(rows) - 1 > MAX_ROWS:
        return [], [RowError(0, "", _("At most %(n)d items per file.", n=MAX_ROWS))]
    by_id = {d.id: d for d in departments.values()}
    windows_by_id = {w.id: w for w in windows.values()}
    parsed: list[tuple[int, str, ItemData]] = []
    first_row_of_code: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        values = {c: _undefuse(cells[i]) if i < len(cells) else "" for i, c in enumerate(columns) if c}
        row_errors: list[RowError] = []

        def problem(column: str, message: str, number: int = number, row_errors: list = row_errors) -> None:
            row_errors.append(RowError(number, column, message))

        for required in REQUIRED_COLUMNS:
            if not values.get(required):
                problem(required, _("A value is required."))
        code = values.get("code", "")
        if code:
            code_problem = check_code(code)
            if code_problem:
                problem("code", code_problem)
            elif code in first_row_of_code:
                first = first_row_of_code[code]
                problem("code", _("The code %(code)s is already in row %(row)d.", code=code, row=first))
            else:
                first_row_of_code[code] = number
        category = _enum(values.get("category", ""), ItemCategory, CATEGORY_ALIASES)
        if values.get("category") and category is None:
            problem("category", _("Unknown category %(value)s.", value=values["category"]))
        case_type = _enum(values.get("case_type", ""), CaseType, CASE_TYPE_ALIASES)
        if values.get("case_type") and case_type is None:
            problem("case_type", _("Unknown case type %(value)s.", value=values["case_type"]))
        join_rule = None
        if values.get("join_rule"):
            join_rule = _enum(values["join_rule"], JoinRule, JOIN_RULE_ALIASES)
            if join_rule is None:
                problem("join_rule", _("Unknown join rule %(value)s.", value=values["join_rule"]))
        limits = {}
        for column in ("statutory_limit_days", "promised_limit_days", "step_limit_days", "publish_days"):
            raw = values.get(column, "")
            if raw:
                try:
                    limits[column] = int(raw)
                except ValueError:
                    problem(column, _("A whole number of days is required.") if column == "publish_days"
                            else _("A whole number of working days is required."))
        publish_results = YES_NO.get(values.get("publish_results", "").strip().lower() or "yes")
        if publish_results is None:
            problem("publish_results", _("Yes or no (是 or 否)."))
        department = departments.get(values.get("department_code", ""))
        if values.get("department_code") and department is None:
            problem("department_code", _("Unknown department code %(value)s.", value=values["department_code"]))
        lead = None
        if values.get("lead_department_code"):
            lead = departments.get(values["lead_department_code"])
            if lead is None:
                value = values["lead_department_code"]
                problem("lead_department_code", _("Unknown department code %(value)s.", value=value))
        participating = _split(values.get("participating_department_codes", ""))
        unknown = [c for c in participating if c not in departments]
        if unknown:
            problem(
                "participating_department_codes", _("Unknown department codes: %(codes)s.", codes=", ".join(unknown))
            )
        numbers = _split(values.get("window_numbers", ""))
        unknown = [n for n in numbers if n not in windows]
        if unknown:
            problem("window_numbers", _("Unknown window numbers: %(numbers)s.", numbers=", ".join(unknown)))
        materials: tuple = ()
        try:
            materials = parse_materials(values.get("materials", ""))
        except ValueError as error:
            problem("materials", str(error))
        periods: tuple = ()
        try:
            periods = parse_periods(values.get("acceptance_periods", ""))
        except ValueError as error:
            problem("acceptance_periods", str(error))
        workflow_key = values.get("workflow_key", "")
        workflow_key = WORKFLOW_ALIASES.get(workflow_key, workflow_key.lower())
        # The cross-field checks run even when some cells are bad (with neutral stand-ins for those cells),
        # so one upload reports every problem of the row; stand-in problems are not reported twice.
        data = ItemData(
            name=values.get("name", ""),
            keywords=values.get("keywords", ""),
            category=category or ItemCategory.OTHER,
            department_id=department.id if department else -1,
            case_type=case_type or CaseType.COMMITTED,
            workflow_key=workflow_key,
            statutory_limit_days=limits.get("statutory_limit_days", MAX_LIMIT_DAYS),
            promised_limit_days=limits.get("promised_limit_days", 0),
            fees=values.get("fees", ""),
            legal_basis=values.get("legal_basis", ""),
            conditions=values.get("conditions", ""),
            lead_department_id=lead.id if lead else None,
            join_rule=join_rule,
            step_limit_days=limits.get("step_limit_days"),
            participating_department_ids=frozenset(departments[c].id for c in participating if c in departments),
            window_ids=frozenset(windows[n].id for n in numbers if n in windows),
            materials=materials,
            acceptance_periods=periods,
            publish_results=publish_results is not False,
            publish_days=limits.get("publish_days", DEFAULT_PUBLISH_DAYS),
        ).normalized()
        reported = {e.column for e in row_errors}
        if case_type is None:
            reported |= {"workflow_key", "lead_department_code", "participating_department_codes", "join_rule"}
        for field_name, message in check_item_data(data, by_id, windows_by_id):
            column = _FIELD_COLUMNS.get(field_name, field_name)
            if column not in reported:
                reported.add(column)
                problem(column, message)
        if not row_errors:
            parsed.append((number, code, data))
        errors.extend(row_errors)
    if not parsed and not errors:
        errors.append(RowError(0, "", _("The file has no items.")))
    return parsed, errors


# --- import ---


def import_catalogue(filename: str, content: bytes, *, now: datetime | None = None) -> ImportResult:
    """Import a whole catalogue file, all or nothing.

    New codes become published version 1; an existing published code whose data differs is revised into a
    new version (the old one superseded); identical rows are left alone; a code whose latest version is a
    draft has the draft updated and published. Raises :class:`ImportRejected` listing every bad row.
    """
    now = now or utcnow()
    rows = read_table(filename, content)
    lookups = Lookups.load()
    departments = {d.code: d for d in lookups.departments.values()}
    windows = {w.number: w for w in lookups.windows.values()}
    parsed, errors = parse_catalogue(rows, departments, windows)
    if errors:
        raise ImportRejected(errors)

    existing = current_items_by_code(code for _row, code, _data in parsed)
    retired = [RowError(row, "code", _("The item %(code)s is retired; a retired item is not changed or brought "
                                       "back. Give a new item a new code.", code=code))
               for row, code, _data in parsed if code in existing and existing[code].status == ItemStatus.RETIRED]
    if retired:
        raise ImportRejected(retired)
    result = ImportResult()
    to_revise: list[tuple[Item, ItemData]] = []
    for _row, code, data in parsed:
        item = existing.get(code)
        if item is None:
            new = Item(code=code, version=1, status=ItemStatus.PUBLISHED, published_at=now)
            apply_data(new, data, lookups)
            db.session.add(new)
            result.created.append(code)
        elif item.status == ItemStatus.DRAFT:
            apply_data(item, data, lookups)
            item.status = ItemStatus.PUBLISHED
            item.published_at = now
            result.revised.append(code)
        elif ItemData.of(item) == data:
            result.unchanged.append(code)
        else:
            to_revise.append((item, data))
            result.revised.append(code)
    flush_or_conflict()
    if to_revise:
        supersede_and_copy(to_revise, lookups, now)
    return result
