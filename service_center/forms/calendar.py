"""Forms for the working-day calendar."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..models import CalendarDay
from ..text import max_length
from . import Form

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years the calendar pages show


class CalendarDayForm(Form):
    day = DateField(_l("Date"), validators=[DataRequired()])
    kind = RadioField(
        _l("This day is"),
        choices=[
            SelectChoice("off", _l("a day off (holiday or local closure)")),
            SelectChoice("work", _l("a working day (make-up day)")),
        ],
        default="off",
        validators=[DataRequired()],
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=max_length(CalendarDay.note))])

    def validate_day(self, field: DateField) -> None:
        """The calendar pages show the years 2000-2100 (as PublishYearForm): a day outside could not be seen."""
        if not date(FIRST_YEAR, 1, 1) <= field.data <= date(LAST_YEAR, 12, 31):
            raise ValidationError(_l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


class PublishYearForm(Form):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=FIRST_YEAR, max=LAST_YEAR)])
