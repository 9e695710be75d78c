"""Forms for the working-day calendar."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CalendarDayForm(FlaskForm):
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
    note = StringField(_l("Note"), validators=[Optional(), Length(max=100)])


class PublishYearForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
