"""Forms for catalogue items and the catalogue import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..labels import CASE_TYPE_LABELS, CATEGORY_LABELS, JOIN_RULE_LABELS
from ..models import CaseType, Item, ItemCategory, JoinRule
from ..models.catalogue import DEFAULT_PUBLISH_DAYS
from ..services.catalogue import (
    CODE_MAX,
    DISCLOSURE_WORKFLOW,
    MAX_LIMIT_DAYS,
    MAX_PUBLISH_DAYS,
    TEXT_LIMITS,
    ItemData,
    format_materials,
    format_periods,
    parse_materials,
    parse_periods,
)
from . import Form

MATERIALS_HELP = _l(
    "One material per line. Start a line with * to mark a key material (关键材料); after a | comes the "
    "material's note, e.g. \"*Application form | original, 1 copy\"."
)
PERIODS_HELP = _l(
    "Leave empty to accept all year. Otherwise one period per line as YYYY-MM-DD..YYYY-MM-DD, "
    "e.g. 2025-03-01..2025-03-31."
)


class MaterialsField(TextAreaField):
    """A textarea holding materials one per line; ``data`` is a tuple of MaterialSpec."""

    def process_formdata(self, valuelist: list) -> None:
        self.data = ()
        if valuelist:
            self.raw_text = valuelist[0]
            self.data = parse_materials(valuelist[0])  # ValueError becomes a field error

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return format_materials(self.data or ())


class PeriodsField(TextAreaField):
    """A textarea holding acceptance periods one per line; ``data`` is a tuple of (opens_on, closes_on)."""

    def process_formdata(self, valuelist: list) -> None:
        self.data = ()
        if valuelist:
            self.raw_text = valuelist[0]
            self.data = parse_periods(valuelist[0])

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return format_periods(self.data or ())


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(member.value, text) for member, text in labels.items()]


class ItemForm(Form):
    code = StringField(
        _l("Item code"),
        validators=[DataRequired(), Length(max=CODE_MAX)],
        description=_l("Letters, digits, '.', '-' and '_'. Cannot be changed later."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=TEXT_LIMITS["name"])])
    keywords = StringField(
        _l("Keywords and common names"),
        validators=[Optional(), Length(max=TEXT_LIMITS["keywords"])],
        description=_l("Other words people search the guide for, separated by commas (e.g. 营业执照, 执照)."),
    )
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS), validators=[DataRequired()])
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    case_type = SelectField(_l("Case type"), choices=_choices(CASE_TYPE_LABELS), validators=[DataRequired()])
    workflow_key = SelectField(
        _l("Workflow"),
        choices=[
            SelectChoice("", _l("Default for the case type")),
            SelectChoice(DISCLOSURE_WORKFLOW, _l("Information disclosure on request")),
        ],
        default="",
    )
    statutory_limit_days = IntegerField(
        _l("Statutory time limit (working days)"), validators=[InputRequired(), NumberRange(0, MAX_LIMIT_DAYS)]
    )
    promised_limit_days = IntegerField(
        _l("Promised time limit (working days)"), validators=[InputRequired(), NumberRange(0, MAX_LIMIT_DAYS)]
    )
    fees = TextAreaField(_l("Fees"), validators=[Optional(), Length(max=TEXT_LIMITS["fees"])])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=TEXT_LIMITS["legal_basis"])])
    conditions = TextAreaField(_l("Conditions"), validators=[Optional(), Length(max=TEXT_LIMITS["conditions"])])
    materials = MaterialsField(_l("Materials"), description=MATERIALS_HELP)
    window_ids = SelectMultipleField(_l("Windows that accept the item"), coerce=int)
    # The selects whose "—" choice means none: no Optional(), which would let any value made of blanks past
    # the choice check (JoinRule(" ") then failed with a 500); a missing value is the "—" default.
    lead_department_id = SelectField(_l("Lead department"), coerce=int, default=0)
    join_rule = SelectField(_l("Join rule"), choices=[SelectChoice("", "—"), *_choices(JOIN_RULE_LABELS)], default="")
    participating_department_ids = SelectMultipleField(
        _l("Participating departments (the lead included)"), coerce=int
    )
    step_limit_days = IntegerField(
        _l("Parallel review limit (working days)"),
        validators=[Optional(), NumberRange(1, MAX_LIMIT_DAYS)],
        description=_l("Each department's share of the review; the lead consolidates in the rest of the promised "
                       "limit. Empty: the promised limit."),
    )
    acceptance_periods = PeriodsField(_l("Acceptance periods"), description=PERIODS_HELP)
    publish_results = BooleanField(_l("Publish the decisions (办件结果公示)"), default=True)
    publish_days = IntegerField(
        _l("Days a decision stays published"), default=DEFAULT_PUBLISH_DAYS,
        validators=[Optional(), NumberRange(1, MAX_PUBLISH_DAYS)],
        description=_l("Counted in calendar days from the day of the decision; empty: %(n)d.", n=DEFAULT_PUBLISH_DAYS),
    )

    def set_choices(self, departments: list, windows: list) -> None:
        """Fill the department and window selects (active rows, plus whatever the item already uses)."""
        department_choices = [SelectChoice(d.id, f"{d.code} {d.name}") for d in departments]
        self.department_id.choices = department_choices
        self.lead_department_id.choices = [SelectChoice(0, "—"), *department_choices]
        self.participating_department_ids.choices = department_choices
        self.window_ids.choices = [SelectChoice(w.id, f"{w.number} {w.name}") for w in windows]

    def fill_from(self, item: Item) -> None:
        """Prefill a GET form from an existing version (the code field is removed when editing)."""
        data = ItemData.of(item)
        self.name.data = data.name
        self.keywords.data = data.keywords
        self.category.data = data.category.value
        self.department_id.data = data.department_id
        self.case_type.data = data.case_type.value
        self.workflow_key.data = data.workflow_key if data.workflow_key == DISCLOSURE_WORKFLOW else ""
        self.statutory_limit_days.data = data.statutory_limit_days
        self.promised_limit_days.data = data.promised_limit_days
        self.fees.data = data.fees
        self.legal_basis.data = data.legal_basis
        self.conditions.data = data.conditions
        self.materials.data = data.materials
        self.window_ids.data = sorted(data.window_ids)
        self.lead_department_id.data = data.lead_department_id or 0
        self.join_rule.data = data.join_rule.value if data.join_rule else ""
        self.participating_department_ids.data = sorted(data.participating_department_ids)
        self.step_limit_days.data = data.step_limit_days
        self.acceptance_periods.data = data.acceptance_periods
        self.publish_results.data = data.publish_results
        self.publish_days.data = data.publish_days

    def to_data(self) -> ItemData:
        return ItemData(
            name=self.name.data or "",
            category=ItemCategory(self.category.data),
            department_id=self.department_id.data,
            case_type=CaseType(self.case_type.data),
            workflow_key=self.workflow_key.data or "",
            keywords=self.keywords.data or "",
            statutory_limit_days=self.statutory_limit_days.data,
            promised_limit_days=self.promised_limit_days.data,
            fees=self.fees.data or "",
            legal_basis=self.legal_basis.data or "",
            conditions=self.conditions.data or "",
            lead_department_id=self.lead_department_id.data or None,
            join_rule=JoinRule(self.join_rule.data) if self.join_rule.data else None,
            participating_department_ids=frozenset(self.participating_department_ids.data or ()),
            step_limit_days=self.step_limit_days.data,
            window_ids=frozenset(self.window_ids.data or ()),
            materials=self.materials.data or (),
            acceptance_periods=self.acceptance_periods.data or (),
            publish_results=bool(self.publish_results.data),
            publish_days=DEFAULT_PUBLISH_DAYS if self.publish_days.data is None else self.publish_days.data,
        )


class ImportForm(Form):
    file = FileField(
        _l("Catalogue file (.csv or .xlsx)"),
        validators=[FileRequired()],
        description=_l("One row per item with the columns of the export. Nothing is saved unless every row is valid."),
    )
