"""Departments and windows."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Department, Window
from ..text import clean_text
from . import ServiceError


def _ensure_unique(model: type, column: sa.Column, value: str, field: str, current_id: int | None) -> None:
    query = sa.select(model.id).where(column == value)
    if current_id is not None:
        query = query.where(model.id != current_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(_("%(value)s is already in use.", value=value), field=field)


def _trimmed(fields: dict[str, object]) -> dict[str, object]:
    """Text without surrounding blanks or invisible characters, so " 税务局 " cannot pass for a second 税务局;
    a name that is nothing else is refused."""
    cleaned = {key: clean_text(value, single_line=True) if isinstance(value, str) else value
               for key, value in fields.items()}
    if "name" in cleaned and not cleaned["name"]:
        raise ServiceError(_("The name is required."), field="name")
    return cleaned


def save_department(department: Department | None, **fields: object) -> Department:
    """Create (``department`` None) or update a department; code and name are unique."""
    fields = _trimmed(fields)
    current_id = department.id if department else None
    _ensure_unique(Department, Department.code, str(fields["code"]), "code", current_id)
    _ensure_unique(Department, Department.name, str(fields["name"]), "name", current_id)
    if department is None:
        department = Department()
        db.session.add(department)
    for key, value in fields.items():
        setattr(department, key, value)
    db.session.flush()
    return department


def save_window(window: Window | None, **fields: object) -> Window:
    """Create or update a window; window numbers are unique in the hall."""
    fields = _trimmed(fields)
    current_id = window.id if window else None
    _ensure_unique(Window, Window.number, str(fields["number"]), "number", current_id)
    if db.session.get(Department, fields["department_id"]) is None:
        raise ServiceError(_("Unknown department."), field="department_id")
    if window is None:
        window = Window()
        db.session.add(window)
    for key, value in fields.items():
        setattr(window, key, value)
    db.session.flush()
    return window
