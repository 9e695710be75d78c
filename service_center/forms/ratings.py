"""The rating forms (好差评): the applicant's (tracking page, link or QR code), the window's evaluator, and staff
entry of a rating given by phone or on paper. The services check the rest (closed case, reason, once per channel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..models import Case, RatingChannel, RatingLevel
from ..models.ratings import RatingAppealStatus
from ..text import max_length
from . import Form

REASON_MAX = 1000
LEVEL_LABELS = {
    RatingLevel.VERY_SATISFIED: _l("Very satisfied"),
    RatingLevel.SATISFIED: _l("Satisfied"),
    RatingLevel.BASIC: _l("Basically satisfied"),
    RatingLevel.DISSATISFIED: _l("Dissatisfied"),
    RatingLevel.VERY_DISSATISFIED: _l("Very dissatisfied"),
}
CHANNEL_LABELS = {
    RatingChannel.TRACKING: _l("Tracking page"),
    RatingChannel.LINK: _l("Link or QR code"),
    RatingChannel.EVALUATOR: _l("Window evaluator"),
    RatingChannel.PHONE: _l("By phone (entered by staff)"),
    RatingChannel.PAPER: _l("On paper (entered by staff)"),
    RatingChannel.DEFAULT: _l("Default (unrated)"),
}
PUBLIC_CHANNELS = (RatingChannel.TRACKING.value, RatingChannel.LINK.value)


def _levels() -> list[SelectChoice]:
    return [SelectChoice(level.value, label) for level, label in LEVEL_LABELS.items()]


class _RatingFields(Form):
    level = RadioField(_l("Your rating"), choices=_levels(), validators=[InputRequired(_l("Choose a rating."))])
    reason = TextAreaField(_l("Reason (required if not satisfied)"), validators=[Length(max=REASON_MAX)])


class PublicRatingForm(_RatingFields):
    """Case number + query code, as tracking asks; ``channel`` says where the applicant came from."""

    number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=max_length(Case.number))])
    query_code = StringField(_l("Query code"), validators=[DataRequired(), Length(max=max_length(Case.query_code))])
    channel = HiddenField(default=RatingChannel.LINK.value)


class StaffRatingForm(_RatingFields):
    channel = SelectField(_l("Given"), choices=[SelectChoice(c.value, CHANNEL_LABELS[c])
                                                for c in (RatingChannel.PHONE, RatingChannel.PAPER)],
                          validators=[InputRequired()])


class EvaluatorForm(Form):
    """Five big buttons (each submits ``level``) for the case shown, and the reason a bad one needs."""

    case_id = HiddenField(validators=[DataRequired()])
    level = StringField()  # the button pressed
    reason = TextAreaField(_l("Reason (required if not satisfied)"), validators=[Length(max=REASON_MAX)])


APPEAL_STATUS_LABELS = {
    RatingAppealStatus.PENDING: _l("Appeal pending"),
    RatingAppealStatus.UPHELD: _l("Upheld"),
    RatingAppealStatus.REVOKED: _l("Revoked"),
}


class RatingAppealDecisionForm(Form):
    """The supervision office's decision on a window's appeal of a rating: irreversible, so confirmed."""

    decision = RadioField(_l("Decision"), choices=[SelectChoice("uphold", _l("Uphold the rating")),
                                                   SelectChoice("revoke", _l("Revoke the rating"))],
                          validators=[InputRequired(_l("Choose uphold or revoke."))])
    decision_reason = TextAreaField(_l("Reason for the decision"),
                                    validators=[InputRequired(), Length(max=REASON_MAX)])
    confirm = BooleanField(_l("I have checked the case; this decision cannot be changed"),
                           validators=[DataRequired(_l("Confirm the decision."))])


class RatingAppealFilterForm(Form):
    """The appeals list's status (a GET form: an unknown status is a field error, the pending ones are shown)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default=RatingAppealStatus.PENDING.value,
                         choices=[SelectChoice(s.value, label) for s, label in APPEAL_STATUS_LABELS.items()])
