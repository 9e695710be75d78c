"""Ratings (好差评, DOMAIN.md "Evaluation"): one per closed case per channel; a bad one opens its rectification.

Rates: the applicant on the tracking page, through the link or QR code of a receipt slip or notice, or on the
window's evaluator; staff entering a rating given by phone or on paper (recorded as ``entered_by``). Only a
closed application can be rated (not in progress, a ``closed_on`` day, a definition of kind ``application``).
A bad rating (不满意, 非常不满意) needs its reason and opens one rectification task (差评整改) for the window
that handled the case, recorded on the rating. Cases left unrated get 基本满意 from :func:`give_default_ratings`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from workflows.engine import definition_of
from workflows.registry import workflow_keys

from ..extensions import db
from ..models import BAD_LEVELS, STAFF_CHANNELS, Case, Rating, RatingChannel, RatingLevel, Role, User
from ..models.ratings import RatingAppeal, RatingAppealStatus
from ..text import clean_text
from . import ServiceError
from .clock import refresh_due_dates, work_calendar
from .complaints import open_rectification
from .core import SYSTEM, Actor, action_time, flush

APPLICATION_KIND = "application"
RATER_VISIBLE_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})  # the supervision office
APPEAL_DECIDERS = RATER_VISIBLE_ROLES  # who decides the windows' appeals of ratings


def may_be_rated(case: Case) -> bool:
    """Whether ``case`` is a closed application (the only cases rated)."""
    return (not case.in_progress and case.closed_on is not None
            and definition_of(case).kind == APPLICATION_KIND)


def _parse(enum_cls: type, value: object, field: str, message: str):  # type: ignore[no-untyped-def]
    try:
        return enum_cls(value)
    except ValueError:
        raise ServiceError(message, field=field) from None


def rate(case: Case, channel: RatingChannel | str, level: RatingLevel | str, reason: str = "", *,
         actor: Actor, when: datetime | None = None) -> Rating:
    """Record the rating of ``case`` on ``channel``; a bad level needs ``reason`` and opens a rectification.

    Staff channels (phone, paper) need a staff ``actor``, recorded as who entered it. The default channel is the
    job's alone. Once per case per channel: a second rating is a field error on ``channel``.
    """
    channel = _parse(RatingChannel, channel, "channel", _("Choose how the rating was given."))
    level = _parse(RatingLevel, level, "level", _("Choose one of the five levels."))
    if channel == RatingChannel.DEFAULT:
        raise ServiceError(_("Choose how the rating was given."), field="channel")
    if channel in STAFF_CHANNELS and actor.user is None:
        raise ServiceError(_("Only staff enter ratings given by phone or on paper."), field="channel")
    if not may_be_rated(case):
        raise ServiceError(_("Only a closed case can be rated."), field="level")
    reason = clean_text(reason) or ""
    if level in BAD_LEVELS and not reason:
        raise ServiceError(_("Tell us why you are not satisfied."), field="reason")
    now = action_time(when)
    if rated_on(case, channel):
        raise ServiceError(_("This case has already been rated this way."), field="channel")
    rating = Rating(case_id=case.id, channel=channel, level=level, reason=reason, rated_at=now,
                    entered_by_id=actor.user_id if channel in STAFF_CHANNELS else None, is_default=False,
                    window_id=case.window_id)
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError:  # rated on this channel by a concurrent request
        raise ServiceError(_("This case has already been rated this way."), field="channel") from None
    if level in BAD_LEVELS and case.window_id is not None:
        task = open_rectification(case, actor=actor if actor.user is not None else SYSTEM,
                                  reason=_("Bad rating: %(reason)s", reason=reason), when=now)
        days = current_app.config.get("RECTIFICATION_DAYS")
        if days is not None and int(days) != task.promised_limit_days:
            task.promised_limit_days = task.statutory_limit_days = int(days)
            refresh_due_dates(task, today=now.date(), calendar=work_calendar())
        rating.rectification_id = task.id
    flush()
    return rating


def give_default_ratings(*, now: datetime) -> int:
    """Give 基本满意 on the default channel to every closed application left unrated for RATING_DEFAULT_DAYS
    (calendar days after its close day); set-based and idempotent: one INSERT ... SELECT ... ON CONFLICT DO
    NOTHING, so a rerun or a concurrent run adds nothing. Returns how many were given."""
    now = action_time(now)
    cutoff = now.date() - timedelta(days=int(current_app.config.get("RATING_DEFAULT_DAYS", 7)))
    keys = workflow_keys(kind=APPLICATION_KIND)
    if not keys:
        return 0
    rated = sa.exists().where(Rating.case_id == Case.id)
    select = sa.select(
        Case.id, sa.literal(RatingChannel.DEFAULT.value), sa.literal(RatingLevel.BASIC.value), sa.literal(""),
        sa.literal(now, Rating.rated_at.type), sa.true(), Case.window_id,
    ).where(
        Case.in_progress.is_(False), Case.closed_on.is_not(None), Case.closed_on <= cutoff,
        Case.workflow_key.in_(keys), ~rated,
    )
    table = Rating.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).from_select(
        ["case_id", "channel", "level", "reason", "rated_at", "is_default", "window_id"], select,
    ).on_conflict_do_nothing().returning(table.c.id)
    return len(db.session.execute(statement).all())


def sees_rater(case: Case, user: User) -> bool:
    """Whether ``user`` may see who rated ``case`` unmasked: the supervision office, and whoever handled the case
    (acted on it: an event of theirs)."""
    if user.role in RATER_VISIBLE_ROLES:
        return True
    return any(event.actor_id == user.id for event in case.events)


def case_ratings(case: Case) -> list[Rating]:
    """The ratings of ``case``, oldest first."""
    return list(db.session.scalars(sa.select(Rating).where(Rating.case_id == case.id).order_by(Rating.id)))


def rated_on(case: Case, channel: RatingChannel) -> bool:
    return db.session.scalar(sa.select(Rating.id).where(Rating.case_id == case.id, Rating.channel == channel)) \
        is not None


def may_appeal_rating(rating: Rating, user: User) -> bool:
    """Whether ``user`` answers for ``rating``'s window and may appeal it: a clerk of the window, or the head of
    its department."""
    window = rating.window
    return window is not None and (
        (user.role == Role.CLERK and any(w.id == window.id for w in user.windows))
        or (user.role == Role.DEPT_HEAD and user.department_id == window.department_id))


def appeal_rating(rating: Rating, user: User, reason: str, *, when: datetime | None = None) -> RatingAppeal:
    """The responsible window (a clerk of it, or the head of its department) appeals a rating it considers
    malicious, with a reason; once per rating."""
    if not may_appeal_rating(rating, user):
        raise ServiceError(_("Only the window that answers for this rating may appeal it."), field="reason")
    reason = clean_text(reason) or ""
    if not reason:
        raise ServiceError(_("Give the reason for the appeal."), field="reason")
    if db.session.scalar(sa.select(RatingAppeal.id).where(RatingAppeal.rating_id == rating.id)) is not None:
        raise ServiceError(_("This rating has already been appealed."), field="reason")
    appeal = RatingAppeal(rating_id=rating.id, reason=reason, appealed_by_id=user.id, appealed_at=action_time(when))
    try:
        with db.session.begin_nested():
            db.session.add(appeal)
    except IntegrityError:  # appealed by a concurrent request (one appeal per rating, by its unique rating_id)
        raise ServiceError(_("This rating has already been appealed."), field="reason") from None
    return appeal


def decide_rating_appeal(appeal: RatingAppeal, user: User, *, upheld: bool, reason: str,
                         when: datetime | None = None) -> RatingAppeal:
    """The supervision office upholds (the rating stands) or revokes the rating, with a reason; once. Two
    decisions at the same moment: one conditional UPDATE each, so the second finds it decided."""
    if user.role not in APPEAL_DECIDERS:
        raise ServiceError(_("Only the supervision office decides appeals."), field="decision_reason")
    reason = clean_text(reason) or ""
    if not reason:
        raise ServiceError(_("Give the reason for the decision."), field="decision_reason")
    decided = db.session.execute(
        sa.update(RatingAppeal)
        .where(RatingAppeal.id == appeal.id, RatingAppeal.status == RatingAppealStatus.PENDING)
        .values(status=RatingAppealStatus.UPHELD if upheld else RatingAppealStatus.REVOKED,
                decided_by_id=user.id, decided_at=action_time(when), decision_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:
        raise ServiceError(_("This appeal has already been decided."), field="decision_reason")
    db.session.expire(appeal)
    return appeal
