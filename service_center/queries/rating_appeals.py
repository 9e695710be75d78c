"""The windows' appeals of ratings (好差评申诉) as the supervision office reviews them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Rating
from ..models.ratings import RatingAppeal, RatingAppealStatus


def rating_appeal_list(status: RatingAppealStatus) -> sa.Select:
    """Appeals in ``status`` with their rating, its case and window and who appealed: the oldest pending first
    (the next to decide), decided ones newest decision first."""
    order = (RatingAppeal.appealed_at.asc() if status == RatingAppealStatus.PENDING
             else RatingAppeal.decided_at.desc())
    return (
        sa.select(RatingAppeal)
        .where(RatingAppeal.status == status)
        .options(joinedload(RatingAppeal.rating).joinedload(Rating.case),
                 joinedload(RatingAppeal.rating).joinedload(Rating.window),
                 joinedload(RatingAppeal.appealed_by), joinedload(RatingAppeal.decided_by))
        .order_by(order, RatingAppeal.id)
    )


def appeals_of(ratings: list[Rating]) -> dict[int, RatingAppeal]:
    """The appeal of each of ``ratings`` that has one, by rating id (one query)."""
    if not ratings:
        return {}
    rows = db.session.scalars(sa.select(RatingAppeal).where(RatingAppeal.rating_id.in_([r.id for r in ratings])))
    return {appeal.rating_id: appeal for appeal in rows}
