"""The forms of supervision orders (督办): issuing, responding, closing (confirmed), sending back, the list's
filters (a GET form, never a 500)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..services.orders import RESPONSE_DAYS_MAX, TEXT_MAX
from . import Form


class IssueOrderForm(Form):
    """``target``: on a case, the whole case (its lead department) or one of its steps; else a department."""

    target = SelectField(_l("Addressed to"), validators=[InputRequired()])
    expectation = TextAreaField(_l("What is expected"), validators=[InputRequired(), Length(max=TEXT_MAX)])
    response_days = IntegerField(_l("Respond within (working days)"), default=5,
                                 validators=[InputRequired(), NumberRange(1, RESPONSE_DAYS_MAX)])


class RespondForm(Form):
    response = TextAreaField(_l("Response"), validators=[InputRequired(), Length(max=TEXT_MAX)])


class CloseOrderForm(Form):
    confirm = BooleanField(_l("I accept the response and close the order"),
                           validators=[DataRequired(_l("Confirm to close the order."))])


class SendBackForm(Form):
    note = TextAreaField(_l("Why it is sent back"), validators=[InputRequired(), Length(max=TEXT_MAX)])


class OrderFilterForm(Form):
    class Meta:
        csrf = False  # a GET form: reading a list changes nothing

    status = SelectField(_l("Status"), default="")
    department = SelectField(_l("Department"), default="")
    overdue = SelectField(_l("Overdue"), default="",
                          choices=[SelectChoice("", "—"), SelectChoice("yes", _l("Overdue only"))])
