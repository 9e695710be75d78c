"""Forms for departments and windows."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..models import Department, Window
from ..text import max_length
from . import Form


class DepartmentForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=max_length(Department.code)),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Letters, digits, - and _ only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=max_length(Department.name))])
    contact_phone = StringField(_l("Contact phone"),
                                validators=[Optional(), Length(max=max_length(Department.contact_phone))])
    head_name = StringField(_l("Head"), validators=[Optional(), Length(max=max_length(Department.head_name))])
    active = BooleanField(_l("Active"), default=True)


class WindowForm(Form):
    number = StringField(
        _l("Window number"),
        validators=[
            DataRequired(),
            Length(max=max_length(Window.number)),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Letters, digits and - only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=max_length(Window.name))])
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    hall_zone = StringField(_l("Hall zone"), validators=[Optional(), Length(max=max_length(Window.hall_zone))])
    opening_hours = StringField(_l("Opening hours"),
                                validators=[Optional(), Length(max=max_length(Window.opening_hours))])
    is_open = BooleanField(_l("Open"), default=True)
