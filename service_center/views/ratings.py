"""Rating pages (好差评): the applicant's /rate (case number + query code, as tracking; reached from the
tracking result or the link / QR code /rate?number=...), the window's evaluator /evaluator/<window number>
(a signed-in tablet that shows the case just closed at that window and five big buttons), and a case's
ratings page for staff, where ratings given by phone or on paper are entered."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from workflows.registry import workflow_keys

from ..auth import OVERSIGHT_ROLES, STAFF_ROLES, roles_required
from ..extensions import db
from ..forms.ratings import (
    APPEAL_STATUS_LABELS,
    CHANNEL_LABELS,
    LEVEL_LABELS,
    PUBLIC_CHANNELS,
    EvaluatorForm,
    PublicRatingForm,
    RatingAppealDecisionForm,
    RatingAppealFilterForm,
    StaffRatingForm,
)
from ..forms.supervision import AppealForm
from ..masking import mask_name, mask_phone
from ..models import Case, CaseEvent, Rating, RatingChannel, Role, Window
from ..models.ratings import RatingAppeal, RatingAppealStatus
from ..queries.rating_appeals import appeals_of, rating_appeal_list
from ..services.clock import local_today
from ..services.core import APPLICANT, Actor
from ..services.ratings import (
    APPEAL_DECIDERS,
    APPLICATION_KIND,
    appeal_rating,
    case_ratings,
    decide_rating_appeal,
    may_appeal_rating,
    may_be_rated,
    rate,
    rated_on,
    sees_rater,
)
from ..throttle import lookup_throttle
from .cases.detail import load_case_in_scope
from .cases.track import find_tracked_case
from .pagination import paginate
from .saving import save_or_show

bp = Blueprint("ratings", __name__)


@bp.app_template_global()
def rating_open(case: Case) -> bool:
    """Whether the tracking result offers the rating form: a closed application not rated there yet."""
    return may_be_rated(case) and not rated_on(case, RatingChannel.TRACKING)


@bp.app_template_global()
def rating_levels() -> list[tuple[str, str]]:
    return [(level.value, str(label)) for level, label in LEVEL_LABELS.items()]


def _labels() -> dict[str, dict[str, str]]:
    return {"level": {k.value: str(v) for k, v in LEVEL_LABELS.items()},
            "channel": {k.value: str(v) for k, v in CHANNEL_LABELS.items()},
            "appeal": {k.value: str(v) for k, v in APPEAL_STATUS_LABELS.items()}}


@bp.route("/rate", methods=["GET", "POST"])
def rate_case() -> tuple[str, int] | Response:
    form = PublicRatingForm()
    if not form.is_submitted() and request.args.get("number"):  # the link or QR code on a slip or notice
        form.number.data = request.args["number"].strip()[:40]
    if form.validate_on_submit():
        if form.channel.data not in PUBLIC_CHANNELS:
            form.level.errors.append(_("Choose how the rating was given."))
        else:
            number = (form.number.data or "").strip().upper()
            throttle = lookup_throttle()  # the query code is a secret: guessing it here counts as on tracking
            refusal = throttle.admit(number)
            if refusal:
                abort(429, description=refusal)
            case = find_tracked_case(number, form.query_code.data or "")
            if case is None:
                refusal = throttle.count_failure(number, get_remote_address())
                if refusal:
                    abort(429, description=refusal)
                return render_template("ratings/rate.html", form=form, not_found=True), 404
            done = save_or_show(
                form, lambda: rate(case, form.channel.data, form.level.data, form.reason.data or "", actor=APPLICANT),
                saved=_("Thank you for your rating."), then=url_for("ratings.rate_case", rated=1),
                fields={"channel": "level"}, default_field="level")
            if done is not None:
                return done
    status = 400 if form.errors else 200
    return render_template("ratings/rate.html", form=form, not_found=False), status


@bp.route("/cases/<int:case_id>/ratings", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def case_ratings_page(case_id: int) -> tuple[str, int] | Response:
    """The case's ratings (the rater shown unmasked only to its handlers and the supervision office) and the
    staff entry of a rating given by phone or on paper."""
    case = load_case_in_scope(case_id)
    form = StaffRatingForm()
    if form.validate_on_submit():
        done = save_or_show(
            form, lambda: rate(case, form.channel.data, form.level.data, form.reason.data or "",
                               actor=Actor.staff(current_user)),
            saved=_("Rating recorded."), then=url_for("ratings.case_ratings_page", case_id=case.id),
            default_field="level")
        if done is not None:
            return done
    return _ratings_page(case, form)


def _ratings_page(case: Case, form: StaffRatingForm, appeal_form: AppealForm | None = None,
                  appealed: Rating | None = None) -> tuple[str, int]:
    """The case's ratings page; ``appeal_form`` with its errors under the rating ``appealed``."""
    unmasked = sees_rater(case, current_user)
    rater = {"name": case.applicant_name if unmasked else mask_name(case.applicant_name),
             "phone": case.applicant_phone if unmasked else mask_phone(case.applicant_phone)}
    ratings = case_ratings(case)
    appeals = appeals_of(ratings)
    appealable = {r.id for r in ratings if r.id not in appeals and may_appeal_rating(r, current_user)}
    failed = bool(form.errors or (appeal_form is not None and appeal_form.errors))
    return render_template("ratings/case_ratings.html", case=case, ratings=ratings, form=form, rater=rater,
                           labels=_labels(), may_rate=may_be_rated(case), appeals=appeals, appealable=appealable,
                           appeal_form=appeal_form or AppealForm(formdata=None),
                           appealed_id=appealed.id if appealed else None), 400 if failed else 200


@bp.route("/cases/<int:case_id>/ratings/<int:rating_id>/appeal", methods=["POST"])
@roles_required(Role.CLERK, Role.DEPT_HEAD)
def appeal(case_id: int, rating_id: int) -> tuple[str, int] | Response:
    """The window answering for a rating (a clerk of it, the head of its department) appeals it, once, with a
    reason (申诉); the supervision office decides."""
    case = load_case_in_scope(case_id)
    rating = db.first_or_404(sa.select(Rating).where(Rating.id == rating_id, Rating.case_id == case.id))
    if not may_appeal_rating(rating, current_user):
        abort(403)
    form = AppealForm()
    if form.validate_on_submit():
        done = save_or_show(form, lambda: appeal_rating(rating, current_user, form.reason.data or ""),
                            saved=_("Appeal submitted."), then=url_for("ratings.case_ratings_page", case_id=case.id),
                            default_field="reason")
        if done is not None:
            return done
    return _ratings_page(case, StaffRatingForm(formdata=None), form, rating)


@bp.route("/supervision/rating-appeals")
@roles_required(*APPEAL_DECIDERS)
def rating_appeals() -> tuple[str, int]:
    """The windows' appeals of ratings for the supervision office: the pending ones first, or by status."""
    form = RatingAppealFilterForm(formdata=request.args)
    form.validate()
    status = RatingAppealStatus(form.status.data if not form.status.errors else RatingAppealStatus.PENDING)
    page = paginate(rating_appeal_list(status))
    return render_template("ratings/appeals.html", form=form, page=page, status=status, labels=_labels()), (
        400 if form.errors else 200)


@bp.route("/supervision/rating-appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(*APPEAL_DECIDERS)
def rating_appeal(appeal_id: int) -> tuple[str, int] | Response:
    """One appeal with its rating and case; the office upholds or revokes it with a reason, confirmed."""
    appeal = db.get_or_404(RatingAppeal, appeal_id)
    form = RatingAppealDecisionForm()
    if form.validate_on_submit():
        done = save_or_show(
            form, lambda: decide_rating_appeal(appeal, current_user, upheld=form.decision.data == "uphold",
                                               reason=form.decision_reason.data or ""),
            saved=_("Decision recorded."), then=url_for("ratings.rating_appeal", appeal_id=appeal.id),
            default_field="decision_reason")
        if done is not None:
            return done
    return render_template("ratings/appeal.html", appeal=appeal, form=form, labels=_labels()), (
        400 if form.errors else 200)


def _last_closed(window: Window) -> Case | None:
    """The application closed last today at ``window`` (by the moment of its last event)."""
    last_at = sa.select(sa.func.max(CaseEvent.at)).where(CaseEvent.case_id == Case.id).scalar_subquery()
    return db.session.scalar(
        sa.select(Case).where(Case.window_id == window.id, Case.in_progress.is_(False),
                              Case.closed_on == local_today(),
                              Case.workflow_key.in_(workflow_keys(kind=APPLICATION_KIND)))
        .order_by(last_at.desc(), Case.id.desc()).limit(1))


@bp.route("/evaluator/<number>", methods=["GET", "POST"])
@roles_required(Role.CLERK, *OVERSIGHT_ROLES)
def evaluator(number: str) -> tuple[str, int] | Response:
    """The window's evaluator (评价器): a clerk of the window (or a manager) signs the tablet in."""
    window = db.one_or_404(sa.select(Window).where(Window.number == number))
    if current_user.role == Role.CLERK and window not in current_user.windows:
        abort(403)
    form = EvaluatorForm()
    if form.validate_on_submit():
        case = db.session.get(Case, int(form.case_id.data)) if (form.case_id.data or "").isdigit() else None
        if case is None or case.window_id != window.id:
            form.level.errors.append(_("That case was not closed at this window."))
        else:
            done = save_or_show(
                form, lambda: rate(case, RatingChannel.EVALUATOR, form.level.data or "", form.reason.data or "",
                                   actor=APPLICANT),
                saved=_("Thank you for your rating."), then=url_for("ratings.evaluator", number=window.number),
                fields={"channel": "level"}, default_field="level")
            if done is not None:
                return done
    case = _last_closed(window)
    waiting = case is None or rated_on(case, RatingChannel.EVALUATOR)
    if case is not None:
        form.case_id.data = str(case.id)
    return render_template("ratings/evaluator.html", window=window, case=None if waiting else case, form=form,
                           applicant=mask_name(case.applicant_name) if case is not None else "",
                           levels=_labels()["level"]), 400 if form.errors else 200
