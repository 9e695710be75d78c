"""Warning cards on the read side: the supervision office's list, each role's landing cards, and the one rule
statistics must use, :func:`active_cards` (revoked cards stay on record but never count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ..auth import OVERSIGHT_ROLES
from ..extensions import db
from ..models import AppealStatus, CardAppeal, Case, Role, User, WarningCard, user_windows
from .scope import visible_clause

CASE_STATES = ("open", "closed")
APPEAL_STATES = ("none", "pending", "upheld", "revoked")


def revoked() -> sa.Exists:
    """The card's appeal was granted: the supervision office revoked it."""
    return sa.exists().where(CardAppeal.card_id == WarningCard.id, CardAppeal.status == AppealStatus.REVOKED)


def active_cards() -> sa.Select:
    """Every card that counts: all but the revoked ones. Statistics (per window, department, period) start
    from this select and narrow it (``.where(...)``), or use :func:`counts_by_level`."""
    return sa.select(WarningCard).where(~revoked())


def counts_by_level(*conditions: sa.ColumnElement[bool]) -> dict[str, int]:
    """Active cards per level (reminder, yellow, red) under ``conditions``."""
    query = active_cards().with_only_columns(WarningCard.level, sa.func.count()).where(*conditions) \
        .group_by(WarningCard.level)
    return {str(level): n for level, n in db.session.execute(query)}


@dataclass(frozen=True)
class CardFilters:
    """What the card list is narrowed to (all optional, combined with AND). ``raised_from``/``raised_to``:
    local days, inclusive; ``case_open``: the case still open (True) or finished (False); ``appeal``: ``none``
    (never appealed), ``pending``, ``upheld`` or ``revoked``."""

    level: str = ""
    rule: str = ""
    department_id: int | None = None
    window_id: int | None = None
    raised_from: date | None = None
    raised_to: date | None = None
    case_open: bool | None = None
    appeal: str = ""
    number: str = ""


def _local_midnight(day: date) -> datetime:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return datetime.combine(day, time(), tzinfo=zone)


def card_scope(user: User) -> sa.ColumnElement[bool]:
    """The cards ``user`` may list: the oversight roles all; a department's head and reviewers their
    department's; a clerk those of their windows or handled by them."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    mine = WarningCard.handler_id == user.id
    if user.role in (Role.DEPT_HEAD, Role.REVIEWER) and user.department_id is not None:
        return sa.or_(WarningCard.department_id == user.department_id, mine)
    if user.role == Role.CLERK:
        windows = sa.select(user_windows.c.window_id).where(user_windows.c.user_id == user.id)
        return sa.or_(WarningCard.window_id.in_(windows), mine)
    return mine


def card_list_query(user: User, filters: CardFilters = CardFilters()) -> sa.Select:  # noqa: B008  (frozen)
    """The cards ``user`` may see, narrowed by ``filters``, newest first."""
    f = filters
    conditions: list[sa.ColumnElement[bool]] = [card_scope(user)]
    if f.level:
        conditions.append(WarningCard.level == f.level)
    if f.rule:
        conditions.append(WarningCard.rule == f.rule)
    if f.department_id is not None:
        conditions.append(WarningCard.department_id == f.department_id)
    if f.window_id is not None:
        conditions.append(WarningCard.window_id == f.window_id)
    if f.raised_from is not None:
        conditions.append(WarningCard.raised_at >= _local_midnight(f.raised_from))
    if f.raised_to is not None:
        conditions.append(WarningCard.raised_at < _local_midnight(f.raised_to + timedelta(days=1)))
    if f.case_open is not None:
        open_ = sa.select(Case.id).where(Case.in_progress)
        conditions.append(WarningCard.case_id.in_(open_) if f.case_open else WarningCard.case_id.not_in(open_))
    if f.appeal == "none":
        conditions.append(~sa.exists().where(CardAppeal.card_id == WarningCard.id))
    elif f.appeal:
        conditions.append(sa.exists().where(CardAppeal.card_id == WarningCard.id, CardAppeal.status == f.appeal))
    if f.number:
        conditions.append(WarningCard.case_id.in_(sa.select(Case.id).where(Case.number == f.number)))
    return (sa.select(WarningCard).where(*conditions)
            .options(selectinload(WarningCard.case), selectinload(WarningCard.department),
                     selectinload(WarningCard.window), selectinload(WarningCard.handler),
                     selectinload(WarningCard.appeal), selectinload(WarningCard.step))
            .order_by(WarningCard.raised_at.desc(), WarningCard.id.desc()))


def landing_cards(user: User, limit: int = 10) -> list[WarningCard]:
    """The latest active cards a user answers for (handler, window, department) or, for the oversight roles,
    the latest of all; on cases the user can see."""
    query = card_list_query(user).where(~revoked(), WarningCard.case_id.in_(
        sa.select(Case.id).where(visible_clause(user))))
    return list(db.session.scalars(query.limit(limit)))


def pending_appeals(user: User) -> int:
    """Appeals awaiting the supervision office (0 for everyone else)."""
    if user.role != Role.SUPERVISOR:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(CardAppeal)
                             .where(CardAppeal.status == AppealStatus.PENDING)) or 0
