"""The complaint forms: the public complaint form, staff entry of complaints taken by phone or passed on from the
12345 hotline, and accepting a complaint with its answer limit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..services.complaints import ANSWER_DAYS_MAX, ANSWER_DAYS_MIN, SOURCE_LABELS
from ..text import CASE_TEXT_MAX
from . import Form
from .cases import ActionForm


class ComplaintForm(Form):
    """What the complainant tells: the complaint, what it is about (all optional), contact (optional)."""

    content = TextAreaField(_l("Your complaint"), validators=[InputRequired(), Length(max=CASE_TEXT_MAX)])
    about_case_number = StringField(_l("Case number (if about a case)"), validators=[Optional(), Length(max=40)])
    about_window = StringField(_l("Window (if about a window)"), validators=[Optional(), Length(max=100)])
    about_staff = StringField(_l("Member of staff (if about a person)"), validators=[Optional(), Length(max=100)])
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=30)])


class StaffComplaintForm(ComplaintForm):
    """A complaint taken by staff: how it came in, and the 12345 work-order number when passed on from there."""

    source = SelectField(_l("Came in by"), choices=[SelectChoice(k, v) for k, v in SOURCE_LABELS.items()],
                         validators=[InputRequired()])
    work_order_number = StringField(_l("12345 work-order number"), validators=[Optional(), Length(max=40)])


class AcceptComplaintForm(ActionForm):
    """Accepting a complaint sets the answer limit (5-10 working days)."""

    answer_days = IntegerField(_l("Answer within (working days)"), default=ANSWER_DAYS_MAX,
                               validators=[InputRequired(), NumberRange(ANSWER_DAYS_MIN, ANSWER_DAYS_MAX)])
