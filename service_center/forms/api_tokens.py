"""Forms for machine access: a staff member's personal access token, an integration client and its keys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models.api import TokenScope
from ..services.api_tokens import PERSONAL_MAX_DAYS
from . import Form

SCOPE_CHOICES = [SelectChoice(TokenScope.READ.value, _l("Read only")),
                 SelectChoice(TokenScope.ACT.value, _l("Read and act on cases"))]


class TokenForm(Form):
    """A token: its name, scope and lifetime (required for personal tokens, optional for integration keys)."""

    name = StringField(_l("Name (what it is for)"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(_l("Scope"), choices=SCOPE_CHOICES, validators=[InputRequired()])
    days = IntegerField(_l("Valid for (days)"), default=90,
                        validators=[InputRequired(), NumberRange(1, PERSONAL_MAX_DAYS)])


class IntegrationKeyForm(TokenForm):
    days = IntegerField(_l("Valid for (days, empty: until revoked)"),
                        validators=[Optional(), NumberRange(1, 3650)])
