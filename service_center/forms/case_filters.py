"""The case list's filters (/cases and its Excel export): read from the query string, never a 500.

A value that is not among a field's choices, a date that does not parse, or a range that ends before it
starts is a field error; that filter is then left out and the others still apply.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from ..case_labels import WARNING_LABELS
from ..queries.cases import CaseFilters
from . import Form

DATE_FIELDS = ("received_from", "received_to", "closed_from", "closed_to")


def ends_after_start(start_field: str):  # type: ignore[no-untyped-def]
    def check(form: CaseFilterForm, field: DateField) -> None:
        start = form[start_field].data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end of the range is before its start."))
    return check


class CaseFilterForm(Form):
    """Department, window, item, state, kind, warning level and two date ranges (the search box stays ``q``)."""

    class Meta:
        csrf = False  # a GET form: reading a list changes nothing

    department = SelectField(_l("Department"), default="")
    window = SelectField(_l("Window"), default="")
    item = SelectField(_l("Item"), default="")
    state = SelectField(_l("Status"), default="")
    kind = SelectField(_l("Case kind"), default="")
    due = SelectField(_l("Warning"), default="")
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received to"), validators=[Optional(), ends_after_start("received_from")])
    closed_from = DateField(_l("Closed from"), validators=[Optional()])
    closed_to = DateField(_l("Closed to"), validators=[Optional(), ends_after_start("closed_from")])

    @classmethod
    def for_list(cls, args: MultiDict, choices: dict[str, list[tuple[str, str]]],
                 *, with_kind: bool) -> CaseFilterForm:
        """The form over ``args`` with its choices (``department``, ``window``, ``item``, ``state``, ``kind``);
        without ``with_kind`` the kind field is dropped and its argument ignored."""
        form = cls(formdata=args)
        blanks = {
            "department": _l("All departments"), "window": _l("All windows"), "item": _l("All items"),
            "state": _l("All states"), "kind": _l("All kinds"), "due": _l("Any deadline"),
        }
        options = {**choices, "due": [(k, str(v)) for k, v in WARNING_LABELS.items()]}
        for name, blank in blanks.items():
            form[name].choices = [("", str(blank)), *options.get(name, [])]
        if not with_kind:
            del form.kind
        form.validate()
        return form

    def filters(self, q: str = "") -> CaseFilters:
        """The valid filters (a field with an error is left out)."""

        def value(name: str) -> str:
            field = self._fields.get(name)
            return "" if field is None or field.errors or field.data is None else str(field.data)

        def day(name: str):  # type: ignore[no-untyped-def]
            prefix = name.rsplit("_", 1)[0]  # a range with an error at either end is left out whole
            bad = self[f"{prefix}_from"].errors or self[f"{prefix}_to"].errors
            return None if bad else self[name].data

        def number(name: str) -> int | None:
            text = value(name)
            return int(text) if text else None

        return CaseFilters(
            q=q, department_id=number("department"), window_id=number("window"), item_code=value("item"),
            state=value("state"), kind=value("kind"), warning=value("due"),
            **{name: day(name) for name in DATE_FIELDS},
        )

    @property
    def active(self) -> bool:
        """Whether any filter has a value (valid or not), for the "clear" link."""
        return any(field.raw_data and field.raw_data[0] for field in self)
