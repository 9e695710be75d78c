"""The case list (/cases) and its Excel export: scoped by role, searched, filtered (department, window, item,
state, kind for the oversight roles, warning level, received and closed date ranges), by promised due date."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from flask import Response, render_template, request, url_for
from flask_login import current_user

from ...auth import OVERSIGHT_ROLES, STAFF_ROLES, roles_required
from ...case_export import export_filename, write_case_workbook
from ...case_labels import kind_choices, state_choices
from ...forms.case_filters import CaseFilterForm
from ...queries.cases import case_list_query, filter_choices
from ...queries.deadlines import Deadlines
from ...services.clock import local_today
from ..pagination import paginate, search_term
from . import bp

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_BYTES = 64 * 1024


def _filter_form() -> CaseFilterForm:
    choices = {**filter_choices(current_user), "state": state_choices(), "kind": kind_choices()}
    return CaseFilterForm.for_list(request.args, choices, with_kind=current_user.role in OVERSIGHT_ROLES)


def _list_page(form: CaseFilterForm, status: int = 200):  # type: ignore[no-untyped-def]
    q = search_term()
    deadlines = Deadlines.now()
    page = paginate(case_list_query(current_user, form.filters(q), deadlines=deadlines))
    kept = {k: v for k, v in request.args.items() if k != "page" and k != "endpoint" and not k.startswith("_")}
    return render_template(
        "cases/list.html", page=page, q=q, form=form, deadlines=deadlines, badges=deadlines.badges(page.items),
        export_url=url_for("cases.export", **kept),
    ), status


@bp.route("/cases")
@roles_required(*STAFF_ROLES)
def index():  # type: ignore[no-untyped-def]
    return _list_page(_filter_form())


@bp.route("/cases/export.xlsx")
@roles_required(*STAFF_ROLES)
def export():  # type: ignore[no-untyped-def]
    """Every case the list's filters match (not just a page), as Excel; a bad filter is a field error on the
    list (400), never a wider export than was asked for."""
    form = _filter_form()
    if form.errors:
        return _list_page(form, 400)
    file = write_case_workbook(current_user, form.filters(search_term()), Deadlines.now())
    return xlsx_download(file, export_filename(local_today()), fallback="cases.xlsx")


def xlsx_download(file: IO[bytes], name: str, *, fallback: str) -> Response:
    """An .xlsx file sent in pieces as an attachment named ``name`` (Chinese: the ASCII ``fallback`` for old
    browsers), closed once sent."""
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    response = Response(_chunks(file), mimetype=XLSX_MIMETYPE, direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{name.encode('ascii', 'ignore').decode().lstrip('-') or fallback}\"; "
        f"filename*=UTF-8''{quote(name)}")
    return response


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    """The file in pieces, closed when sent or when the client goes away (the server closes the iterator)."""
    try:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
    finally:
        file.close()
