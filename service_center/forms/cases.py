"""Forms for the case pages: receiving an application, the action forms on a case, public tracking.

Every action form carries the ``lock_version`` the case page was rendered with (optimistic locking) and is
rendered with a prefix (the trigger), so several forms can share one page without clashing ids.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..case_labels import APPLICANT_KIND_LABELS, PROCEDURE_LABELS
from ..models import ApplicantKind, Case, ProcedureType
from ..text import CASE_TEXT_MAX, max_length
from . import Form


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (several choices at once)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# -- receipt at the counter ---------------------------------------------------------------------------------------


def applicant_fields(*, contact_required: bool) -> tuple[Field, Field, Field, Field]:
    """The applicant's fields, at the counter (ID number and phone optional) and online (both required: nobody
    sees the applicant, and notices go to the phone): kind, name, ID number, phone. The service checks the ID
    number for the kind."""
    first = DataRequired() if contact_required else Optional()
    return (
        SelectField(
            _l("Applicant type"),
            choices=[SelectChoice(k.value, APPLICANT_KIND_LABELS[k]) for k in ApplicantKind],
            default=ApplicantKind.PERSON.value,
        ),
        StringField(_l("Applicant name"),
                    validators=[DataRequired(), Length(max=max_length(Case.applicant_name))]),
        StringField(
            _l("ID number / unified social credit code"),
            validators=[first, Length(max=max_length(Case.applicant_id_number)),
                        Regexp(r"^[0-9A-Za-z-]+$", message=_l("Letters and digits only."))],
        ),
        StringField(
            _l("Phone"), validators=[first, Length(max=max_length(Case.applicant_phone)),
                                     Regexp(r"^[0-9+() -]+$", message=_l("Digits only."))]
        ),
    )


class ReceiveForm(Form):
    """收件: the window, the item, the applicant."""

    window = SelectField(_l("Window"), coerce=int, validators=[InputRequired()])
    item = SelectField(_l("Item"), coerce=int, validators=[InputRequired(message=_l("Choose the item."))])
    applicant_kind, applicant_name, applicant_id_number, applicant_phone = applicant_fields(contact_required=False)
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=max_length(Case.title))])
    licence_expires_on = DateField(_l("Renewal: the licence expires on (optional)"), validators=[Optional()])


# -- actions on a case --------------------------------------------------------------------------------------------


class ActionForm(Form):
    """An action with an optional comment."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=CASE_TEXT_MAX)])


class ReasonForm(Form):
    """An action that must record its reasons (refuse, deny, terminate, return, reject ...)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    reason = TextAreaField(_l("Reasons"), validators=[DataRequired(message=_l("Give the reasons.")),
                                                      Length(max=CASE_TEXT_MAX)])


class OptionalReasonForm(Form):
    """An action whose reason may be left out (withdrawal at the applicant's request)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    reason = TextAreaField(_l("Reasons (optional)"), validators=[Optional(), Length(max=CASE_TEXT_MAX)])


class NoteForm(Form):
    """An action that records a required note (opinion, answer, call-back note, rectification measures)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[DataRequired(message=_l("Write the note.")),
                                                 Length(max=CASE_TEXT_MAX)])


class AcceptForm(ActionForm):
    """受理 (also once the supplement is complete); for a joint case the participating departments can be
    adjusted."""

    departments = SelectMultipleField(_l("Participating departments"), coerce=int, validators=[Optional()])


class SupplementForm(ActionForm):
    """一次性告知: every missing or defective material at once."""

    missing_materials = MultiCheckboxField(_l("Missing or defective materials"), validators=[Optional()])
    other_materials = TextAreaField(_l("Other missing materials (one per line)"),
                                    validators=[Optional(), Length(max=CASE_TEXT_MAX)])


class GapsForm(AcceptForm):
    """容缺受理: which non-key materials are missing, until when, and the signed commitment."""

    missing_materials = MultiCheckboxField(_l("Missing non-key materials"), validators=[Optional()])
    gaps_due = DateField(_l("Materials due by"), validators=[Optional()])
    commitment_signed = BooleanField(_l("The applicant signed the commitment letter"))


class ProcedureRequestForm(Form):
    """特别程序申请: the type, the reasons and the expected length; the head of the department or a manager
    approves it, and the clock stops from the day it is approved."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    procedure_type = SelectField(
        _l("Procedure"), choices=[SelectChoice(p.value, PROCEDURE_LABELS[p]) for p in ProcedureType]
    )
    expected_days = IntegerField(_l("Expected working days"), default=0,
                                 validators=[InputRequired(), NumberRange(min=0, max=365)])
    reason = TextAreaField(_l("Reasons"), validators=[DataRequired(message=_l("Give the reasons.")),
                                                      Length(max=CASE_TEXT_MAX)])


class ProcedureForm(ProcedureRequestForm):
    """特别程序 (licensing before version 4, a disclosure consultation): it starts at once and the clock stops
    while it runs; the handler names who approved it."""

    approver_id = SelectField(_l("Approved by"), coerce=int, validators=[InputRequired()])
    applicant_notified = BooleanField(_l("The applicant has been told in writing"), default=False)


class ResultForm(Form):
    """The end of a special procedure, with its result (结论)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    result = TextAreaField(_l("Result of the procedure"),
                           validators=[DataRequired(message=_l("Record the result of the procedure.")),
                                       Length(max=CASE_TEXT_MAX)])


class OpinionForm(Form):
    """The reviewer's opinion (承办人审查意见) for the head, who decides."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    opinion = TextAreaField(_l("Review opinion"), validators=[DataRequired(message=_l("Write your opinion.")),
                                                              Length(max=CASE_TEXT_MAX)])


class ExtensionForm(Form):
    """延期: how many working days and why (the applicant is told)."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    days = IntegerField(_l("Working days"), validators=[InputRequired(), NumberRange(min=1, max=60)])
    reason = TextAreaField(_l("Reasons"), validators=[DataRequired(message=_l("Give the reasons.")),
                                                      Length(max=CASE_TEXT_MAX)])


class AnswerTypeForm(ActionForm):
    """The answer to an information-disclosure request."""

    answer_type = SelectField(_l("Answer"), choices=[
        SelectChoice("disclosed", _l("Disclosed")),
        SelectChoice("partly_disclosed", _l("Partly disclosed")),
        SelectChoice("not_disclosed", _l("Not disclosed")),
        SelectChoice("not_held", _l("Information not held")),
        SelectChoice("not_handled", _l("Not handled as a disclosure request")),
    ])


class StepDecisionForm(Form):
    """A department's decision on its share of a parallel approval."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    decision = SelectField(_l("Decision"), choices=[
        SelectChoice("approve", _l("Approve")),
        SelectChoice("reject", _l("Reject")),
        SelectChoice("return", _l("Return for supplement")),
    ])
    opinion = TextAreaField(_l("Opinion"), validators=[DataRequired(message=_l("Write the department's opinion.")),
                                                       Length(max=CASE_TEXT_MAX)])


# -- public tracking ----------------------------------------------------------------------------------------------


class TrackForm(Form):
    """Case number + query code, as printed on the receipt."""

    number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=max_length(Case.number))])
    query_code = StringField(_l("Query code"), validators=[DataRequired(), Length(max=max_length(Case.query_code))])
