"""The supervision office's forms: the card list's filters (a GET form, never a 500), an appeal, the decision
on an appeal, and the warning thresholds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..models import ItemCategory, WarningLevel, WarningRule
from ..queries.warnings import APPEAL_STATES, CASE_STATES, CardFilters
from ..services.supervision import REASON_MAX
from . import Form


class CardFilterForm(Form):
    """Level, rule, department, window, the period the cards were raised in, the case's state, the appeal."""

    class Meta:
        csrf = False  # a GET form: reading a list changes nothing

    level = SelectField(_l("Level"), default="")
    rule = SelectField(_l("Rule"), default="")
    department = SelectField(_l("Department"), default="")
    window = SelectField(_l("Window"), default="")
    raised_from = DateField(_l("Raised from"), validators=[Optional()])
    raised_to = DateField(_l("Raised to"), validators=[Optional()])
    state = SelectField(_l("Case"), default="")
    appeal = SelectField(_l("Appeal"), default="")

    def validate_raised_to(self, field: DateField) -> None:
        start = self.raised_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end of the range is before its start."))

    @classmethod
    def for_list(cls, args: MultiDict, *, departments: list[tuple[str, str]], windows: list[tuple[str, str]],
                 labels: dict[str, dict[str, str]]) -> CardFilterForm:
        form = cls(formdata=args)
        choices = {
            "level": (_l("All levels"), [(m.value, labels["level"][m.value]) for m in WarningLevel]),
            "rule": (_l("All rules"), [(m.value, labels["rule"][m.value]) for m in WarningRule]),
            "department": (_l("All departments"), departments),
            "window": (_l("All windows"), windows),
            "state": (_l("Open or closed"), [(s, labels["state"][s]) for s in CASE_STATES]),
            "appeal": (_l("Appealed or not"), [(s, labels["appeal"][s]) for s in APPEAL_STATES]),
        }
        for name, (blank, options) in choices.items():
            form[name].choices = [SelectChoice("", str(blank)), *(SelectChoice(v, str(t)) for v, t in options)]
        form.validate()
        return form

    def filters(self) -> CardFilters:
        """The valid filters (a field with an error is left out; a bad range is left out whole)."""

        def value(name: str) -> str:
            field = self[name]
            return "" if field.errors or field.data is None else str(field.data)

        bad_range = bool(self.raised_from.errors or self.raised_to.errors)
        return CardFilters(
            level=value("level"), rule=value("rule"),
            department_id=int(value("department")) if value("department") else None,
            window_id=int(value("window")) if value("window") else None,
            raised_from=None if bad_range else self.raised_from.data,
            raised_to=None if bad_range else self.raised_to.data,
            case_open={"open": True, "closed": False}.get(value("state")), appeal=value("appeal"),
        )


class AppealForm(Form):
    reason = TextAreaField(_l("Reason for the appeal"), validators=[InputRequired(), Length(max=REASON_MAX)])


class AppealDecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("uphold", _l("Uphold the card")),
                                                   SelectChoice("revoke", _l("Revoke the card"))],
                          validators=[InputRequired()])
    decision_reason = TextAreaField(_l("Reason for the decision"),
                                    validators=[InputRequired(), Length(max=REASON_MAX)])


def _days(label: object, required: bool = False) -> IntegerField:
    first = InputRequired() if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=0, max=10)])


class ThresholdsForm(Form):
    """The reminder period in working days: the default, and per item category (blank: the default)."""

    default = _days(_l("Reminder: working days left on the promised limit"), required=True)
    licensing = _days(_l("Administrative licensing"))
    confirmation = _days(_l("Administrative confirmation"))
    payment = _days(_l("Administrative payment"))
    ruling = _days(_l("Administrative ruling"))
    reward = _days(_l("Administrative reward"))
    public_service = _days(_l("Public service"))
    other = _days(_l("Other administrative power"))

    CATEGORIES = tuple(c.value for c in ItemCategory)
