"""The statistics pages as Excel workbooks: the dashboard's table, the scorecard, the monthly bulletin and the
cases behind a figure. Headers are in Chinese (the workbooks are filed and passed on); every figure comes from
the same :class:`.statistics_table.Column` as on the page, so both hold the same numbers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import joinedload

from .case_export import BATCH, SPOOL_BYTES, typed_cells
from .extensions import db
from .labels import workflow_label
from .masking import mask_name
from .models import Case
from .statistics_table import Column


@dataclass
class Sheet:
    """One table: its title, columns, rows (Figures or Scores) and an optional totals row."""

    title: Any
    columns: Sequence[Column]
    rows: Iterable[Any]
    totals: Any | None = None
    heading: list[Any] = field(default_factory=list)  # lines above the table (lazy strings, e.g. the period)


@dataclass
class CaseSheet:
    """A list of cases (a select of Case rows); applicants' names masked when ``masked``."""

    title: Any
    cases: sa.Select
    masked: bool = True


CASE_HEADERS = (  # (header, width)
    (_l("Case number"), 24), (_l("Item"), 30), (_l("Applicant"), 12), (_l("Department"), 18),
    (_l("Window"), 16), (_l("Status"), 12), (_l("Received"), 12), (_l("Accepted"), 12),
    (_l("Promised by"), 12), (_l("Closed on"), 12),
)


def _table(workbook: Workbook, sheet: Sheet) -> None:
    ws = workbook.create_sheet(title=str(sheet.title)[:31])
    for index, column in enumerate(sheet.columns):
        ws.column_dimensions[get_column_letter(index + 1)].width = 28 if column.kind == "text" else 12
    for line in sheet.heading:
        ws.append(typed_cells(ws, [str(line)]))
    ws.append(typed_cells(ws, [column.excel_header for column in sheet.columns]))
    for row in sheet.rows:
        ws.append(typed_cells(ws, [column.value(row) for column in sheet.columns]))
    if sheet.totals is not None:
        ws.append(typed_cells(ws, [column.value(sheet.totals) for column in sheet.columns]))


def _case_values(case: Case, masked: bool) -> list[object]:
    window = f"{case.window.number} {case.window.name}" if case.window else ""
    return [case.number, case.item.name if case.item else case.title,
            mask_name(case.applicant_name) if masked else case.applicant_name, case.department.name, window,
            workflow_label(case, case.state), case.received_on, case.accepted_on, case.due_promised,
            case.closed_on]


def _case_list(workbook: Workbook, sheet: CaseSheet) -> None:
    ws = workbook.create_sheet(title=str(sheet.title)[:31])
    for index, (_header, width) in enumerate(CASE_HEADERS):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    ws.freeze_panes = "A2"
    ws.append(typed_cells(ws, [str(header) for header, _width in CASE_HEADERS]))
    query = sheet.cases.options(joinedload(Case.item), joinedload(Case.window), joinedload(Case.department))
    for case in db.session.scalars(query, execution_options={"yield_per": BATCH}):
        ws.append(typed_cells(ws, _case_values(case, sheet.masked)))


def write_workbook(sheets: Iterable[Sheet | CaseSheet]) -> IO[bytes]:
    """The sheets as one .xlsx file, rewound (the caller sends and closes it)."""
    workbook = Workbook(write_only=True)
    with force_locale("zh_CN"):
        for sheet in sheets:
            if isinstance(sheet, CaseSheet):
                _case_list(workbook, sheet)
            else:
                _table(workbook, sheet)
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (handed to the response)
    workbook.save(file)
    file.seek(0)
    return file
