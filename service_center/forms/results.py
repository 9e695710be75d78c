"""The published results' filters (/results): read from the query string, never a 500.

A department that is not among the choices, a date that does not parse, or a range that ends before it starts
is a field error (the page answers 400); that filter is then left out and the others still apply.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..queries.results import ResultFilters
from . import Form
from .case_filters import ends_after_start

SEARCH_MAX = 100


class ResultFilterForm(Form):
    """Item (name, common name, pinyin initials or code), department, and the decision's date range."""

    class Meta:
        csrf = False  # a GET form: reading a list changes nothing

    item = StringField(_l("Item"), validators=[Optional(), Length(max=SEARCH_MAX)])
    department = SelectField(_l("Department"), default="")
    decided_from = DateField(_l("Decided from"), validators=[Optional()])
    decided_to = DateField(_l("Decided to"), validators=[Optional(), ends_after_start("decided_from")])

    @classmethod
    def over(cls, args: MultiDict, departments: list[tuple[str, str]]) -> ResultFilterForm:
        """The form over ``args``, validated, with the departments (id, name) to choose from."""
        form = cls(formdata=args)
        form.department.choices = [("", str(_l("All departments"))), *departments]
        form.validate()
        return form

    def filters(self) -> ResultFilters:
        """The valid filters (a field with an error, or a date range with one at either end, is left out)."""
        dates_bad = bool(self.decided_from.errors or self.decided_to.errors)
        department = self.department.data if not self.department.errors else ""
        return ResultFilters(
            item="" if self.item.errors else (self.item.data or "").strip(),
            department_id=int(department) if department else None,
            decided_from=None if dates_bad else self.decided_from.data,
            decided_to=None if dates_bad else self.decided_to.data,
        )
