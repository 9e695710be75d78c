"""The app's forms. Every form derives from :class:`Form`, so every text it stores is cleaned by one rule."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Optional, StopValidation

from ..text import clean_text


def _clean_line(value: object) -> object:
    return clean_text(value, single_line=True) if isinstance(value, str) else value


def _clean_lines(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


class _OptionalText(Optional):
    """Optional, with text of invisible characters only counted as empty, as blanks are."""

    def __init__(self) -> None:
        super().__init__()
        self.string_check = clean_text


class _InputRequiredText(InputRequired):
    """InputRequired, with text of blanks or invisible characters only counted as missing."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.raw_data and isinstance(field.raw_data[0], str) and not clean_text(field.raw_data[0]):
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("This field is required."))
        super().__call__(form, field)


def _for_text(validator: object) -> object:
    """The validators that read the raw input, made to read it cleaned (DataRequired reads the cleaned data)."""
    if type(validator) is Optional:
        return _OptionalText()
    if type(validator) is InputRequired:
        return _InputRequiredText(validator.message)
    return validator


class Form(FlaskForm):
    """A FlaskForm whose text fields store :func:`service_center.text.clean_text`'s text.

    Every text field (StringField and its kinds: one line; TextAreaField: line breaks kept) gets the cleaning
    as its first filter, so DataRequired refuses text made only of invisible characters exactly as it refuses
    blanks, Length counts what will be stored, and Optional and InputRequired see the same. Passwords and
    hidden fields are left as typed; a textarea parsed into other data (materials, periods) cleans while it
    parses.
    """

    class Meta:
        def bind_field(self, form: FlaskForm, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, (PasswordField, HiddenField)):
                clean = _clean_lines if issubclass(field_class, TextAreaField) else _clean_line
                options = {**options, "filters": [clean, *unbound_field.kwargs.get("filters", ())]}
                if unbound_field.kwargs.get("validators"):
                    options["validators"] = [_for_text(v) for v in unbound_field.kwargs["validators"]]
            return super().bind_field(form, unbound_field, options)  # type: ignore[misc]
