"""The case list as an Excel workbook (办件清单): every row the filters match within the user's scope.

Rows are read in batches (``yield_per``) and appended to a write-only workbook, which keeps them in a
temporary file rather than in memory; the file is then sent as it is. Headers, states and warnings are
always in Chinese (the workbook is filed and passed on, whatever the clerk's interface language), and the
applicant's identity number is masked as on the public pages (:mod:`.masking`); phones are left out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from workflows.registry import get_definition

from .case_labels import WARNING_LABELS
from .extensions import db
from .labels import flow_label
from .masking import mask_id_number
from .models import User
from .queries.cases import CaseFilters, case_export_query
from .queries.deadlines import Deadlines

COLUMNS = (  # (header, width)
    (_l("Case number"), 24), (_l("Item"), 30), (_l("Applicant"), 16), (_l("ID number"), 22),
    (_l("Department"), 18), (_l("Window"), 16), (_l("Status"), 12), (_l("Received"), 12),
    (_l("Accepted"), 12), (_l("Promised by"), 12), (_l("Statutory limit"), 12), (_l("Closed on"), 12),
    (_l("Warning"), 14), (_l("Paused"), 8),
)
BATCH = 1000  # rows fetched per round trip
SPOOL_BYTES = 8 * 1024 * 1024  # a workbook larger than this goes to disk


def _warning(row: Any) -> str:
    """The page's badge, with the red card named apart from the yellow one."""
    level = ("statutory_overdue" if row.statutory_late else "overdue" if row.late
             else "step_overdue" if row.step_late else "soon" if row.soon else "")
    return str(WARNING_LABELS[level]) if level else ""


def _values(row: Any, state_label: str) -> list[object]:
    window = f"{row.window_number} {row.window_name}" if row.window_number else ""
    return [
        row.number, row.item_name or row.title, row.applicant_name, mask_id_number(row.applicant_id_number),
        row.department_name, window, state_label, row.received_on, row.accepted_on, row.due_promised,
        row.due_statutory, row.closed_on, _warning(row), str(WARNING_LABELS["paused"]) if row.paused else "",
    ]


def typed_cells(sheet: WriteOnlyWorksheet, values: Iterable[object]) -> list[WriteOnlyCell]:
    """A write-only row of ``values``: text stays text (never a formula), dates read as dates."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: "=..." is never read as a formula
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        cells.append(cell)
    return cells


def export_filename(today: date) -> str:
    """The workbook's name, in Chinese like its contents: 办件清单-2026-03-02.xlsx."""
    with force_locale("zh_CN"):
        return f"{_l('Case list')}-{today.isoformat()}.xlsx"


def write_case_workbook(user: User, filters: CaseFilters, deadlines: Deadlines) -> IO[bytes]:
    """The matching cases as an .xlsx file, rewound, ready to send (the caller closes it)."""
    workbook = Workbook(write_only=True)
    with force_locale("zh_CN"):
        sheet = workbook.create_sheet(title=str(_l("Cases")))
        for index, (_header, width) in enumerate(COLUMNS):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"
        sheet.append(typed_cells(sheet, [str(header) for header, _width in COLUMNS]))
        states: dict[tuple[str, int, str], str] = {}
        rows = db.session.execute(case_export_query(user, filters, deadlines=deadlines),
                                  execution_options={"yield_per": BATCH})
        for row in rows:
            key = (row.workflow_key, row.workflow_version, row.state)
            if key not in states:
                states[key] = flow_label(get_definition(row.workflow_key, row.workflow_version), row.state)
            sheet.append(typed_cells(sheet, _values(row, states[key])))
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (handed to the response)
    workbook.save(file)
    file.seek(0)
    return file
