"""Forms for staff accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..labels import ROLE_LABELS
from ..models import User
from ..services.accounts import MIN_PASSWORD_LENGTH
from ..text import max_length
from . import Form

ROLE_CHOICES = [SelectChoice(role.value, text) for role, text in ROLE_LABELS.items()]


class _AssignmentFields(Form):
    display_name = StringField(_l("Display name"),
                               validators=[DataRequired(), Length(max=max_length(User.display_name))])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    department_id = SelectField(
        _l("Department"),
        coerce=int,
        description=_l("Required for reviewers and department heads; a clerk's defaults to their first window's."),
    )
    window_ids = SelectMultipleField(
        _l("Windows"), coerce=int, description=_l("The windows a clerk serves (at least one for clerks).")
    )

    def set_choices(self, departments: list, windows: list) -> None:
        self.department_id.choices = [
            SelectChoice(0, "—"),
            *(SelectChoice(d.id, f"{d.code} {d.name}") for d in departments),
        ]
        self.window_ids.choices = [SelectChoice(w.id, f"{w.number} {w.name}") for w in windows]


def _password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("Password"),
            validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
            description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
        ),
        PasswordField(
            _l("Repeat the password"),
            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        ),
    )


class UserCreateForm(_AssignmentFields):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(max=max_length(User.username)),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, '.', '-' and '_' only.")),
        ],
    )
    password, password_confirm = _password_fields()


class UserEditForm(_AssignmentFields):
    active = BooleanField(_l("Active (may sign in)"), default=True)


class IntegrationClientForm(_AssignmentFields):
    """Another system (kiosk, provincial platform ...), with the role and scope its API keys act in."""

    display_name = StringField(_l("System name"), validators=[DataRequired(), Length(max=100)])


class PasswordResetForm(Form):
    password, password_confirm = _password_fields()
