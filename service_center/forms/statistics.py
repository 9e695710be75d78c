"""The statistics pages' selectors, read from the query string (GET forms: reading changes nothing, no CSRF).

A value that does not parse or is not among the choices is a field error (the page answers 400 with it); a
field left empty takes its default (this month, today, this quarter).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, MonthField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, StopValidation, ValidationError

from ..queries.statistics import Breakdown, Period
from ..services.clock import local_today
from ..statistics_table import MEASURE_LABELS
from . import Form

PERIOD_KINDS = {"day": _l("Day"), "week": _l("Week"), "month": _l("Month"), "quarter": _l("Quarter"),
                "custom": _l("Custom range")}
BREAKDOWNS = {Breakdown.WINDOW.value: _l("By window"), Breakdown.DEPARTMENT.value: _l("By department"),
              Breakdown.ITEM.value: _l("By item"), Breakdown.CLERK.value: _l("By clerk")}


def _choices(labels: dict[str, object]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]
MAX_CUSTOM_DAYS = 2 * 366  # a custom range longer than two years is refused
YEARS = NumberRange(2000, 2100)


def _within_years(form: Form, field: DateField) -> None:
    """Dates from 2000 to 2100 only (a week or a range past year 9999 cannot be counted)."""
    if field.data is not None and not YEARS.min <= field.data.year <= YEARS.max:
        raise ValidationError(_l("Choose a date between %(first)d and %(last)d.", first=YEARS.min, last=YEARS.max))


def _this_month() -> date:
    return local_today().replace(day=1)


class _GetForm(Form):
    class Meta:
        csrf = False

    @classmethod
    def from_args(cls, args: MultiDict) -> _GetForm:
        form = cls(formdata=args)
        form.validate()
        return form


class MonthForm(_GetForm):
    """One month (the scorecard and the monthly bulletin); this month by default."""

    month = MonthField(_l("Month"), validators=[Optional(), _within_years], default=_this_month)

    def month_period(self) -> Period:
        chosen = self.month.data or _this_month()
        return Period.month(chosen.year, chosen.month)


def _needed_for_custom(form: StatisticsForm, field: DateField) -> None:
    """A custom range needs both its days (before Optional() lets a blank one through)."""
    if form.period.data == "custom" and not (field.raw_data and field.raw_data[0].strip()):
        field.errors[:] = []
        raise StopValidation(_l("Choose the first and the last day of the range."))


def _range_ends_after_start(form: StatisticsForm, field: DateField) -> None:
    if form.period.data != "custom" or field.data is None or form.start.data is None:
        return
    if field.data < form.start.data:
        raise ValidationError(_l("The end of the range is before its start."))
    if (field.data - form.start.data).days >= MAX_CUSTOM_DAYS:
        raise ValidationError(_l("A range may span at most %(days)d days.", days=MAX_CUSTOM_DAYS))


class StatisticsForm(MonthForm):
    """The dashboard's period (day, week, month, quarter or a custom range) and breakdown."""

    period = SelectField(_l("Period"), choices=_choices(PERIOD_KINDS), default="month")
    breakdown = SelectField(_l("Breakdown"), choices=_choices(BREAKDOWNS), default=Breakdown.WINDOW.value)
    day = DateField(_l("Day"), validators=[Optional(), _within_years], default=local_today)
    year = IntegerField(_l("Year"), validators=[Optional(), YEARS], default=lambda: local_today().year)
    quarter = SelectField(_l("Quarter"), choices=[SelectChoice(str(q), f"Q{q}") for q in range(1, 5)],
                          default=lambda: str((local_today().month - 1) // 3 + 1))
    start = DateField(_l("From"), validators=[_needed_for_custom, Optional(), _within_years])
    end = DateField(_l("To"), validators=[_needed_for_custom, Optional(), _within_years, _range_ends_after_start])

    def period_chosen(self) -> Period:
        """The chosen period (call only when the form has no errors)."""
        kind = self.period.data
        today = local_today()
        if kind == "day":
            return Period.day(self.day.data or today)
        if kind == "week":
            return Period.week(self.day.data or today)
        if kind == "quarter":
            return Period.quarter(self.year.data or today.year, int(self.quarter.data))
        if kind == "custom":
            return Period.custom(self.start.data, self.end.data)
        return self.month_period()

    def breakdown_chosen(self) -> Breakdown:
        return Breakdown(self.breakdown.data)


class DrillDownForm(StatisticsForm):
    """The period, the group (a breakdown and its key; the centre's totals have no key) and the measure whose
    cases are listed."""

    breakdown = SelectField(_l("Breakdown"), choices=_choices({Breakdown.CENTRE.value: _l("Whole centre"),
                                                                **BREAKDOWNS}), default=Breakdown.CENTRE.value)
    key = IntegerField(_l("Group"), validators=[Optional(), NumberRange(1, 2**31 - 1)])
    measure = SelectField(_l("Figure"), choices=_choices(MEASURE_LABELS))
