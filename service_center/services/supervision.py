"""The supervision office's side of warning cards: its thresholds, and appeals (申诉) of cards.

The responsible department's head appeals a card with a reason; the supervision office upholds or revokes it
with a reason. A revoked card stays on record (cards are append-only) and drops out of the statistics
(:func:`service_center.queries.warnings.active_cards`).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..extensions import db
from ..models import AppealStatus, CardAppeal, ItemCategory, Role, User, WarningCard, WarningSetting, utcnow
from ..models.supervision import DEFAULT_SCOPE
from ..text import clean_text
from . import ServiceError

REASON_MAX = 2000
APPEAL_ROLES = frozenset({Role.DEPT_HEAD})
DECISION_ROLES = frozenset({Role.SUPERVISOR})
THRESHOLD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _reason(text: str, field: str) -> str:
    reason = clean_text(text or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason."), field=field)
    if len(reason) > REASON_MAX:
        raise ServiceError(_("At most %(n)d characters.", n=REASON_MAX), field=field)
    return reason


def may_appeal(card: WarningCard, user: User) -> bool:
    """The head of the card's responsible department may appeal it, once."""
    return user.role in APPEAL_ROLES and user.department_id == card.department_id and card.appeal is None


def appeal_card(card: WarningCard, user: User, reason: str, *, when: datetime | None = None) -> CardAppeal:
    """The responsible department appeals ``card`` (e.g. the applicant caused the delay). Flushes."""
    if user.role not in APPEAL_ROLES or user.department_id != card.department_id:
        raise ServiceError(_("Only the head of the responsible department may appeal this card."))
    if card.appeal is not None:
        raise ServiceError(_("This card has already been appealed."))
    appeal = CardAppeal(card=card, reason=_reason(reason, "reason"), appealed_by_id=user.id,
                        appealed_at=when or utcnow(), status=AppealStatus.PENDING)
    db.session.add(appeal)
    db.session.flush()
    return appeal


def decide_appeal(appeal: CardAppeal, user: User, *, revoke: bool, reason: str,
                  when: datetime | None = None) -> CardAppeal:
    """The supervision office upholds (the card stands) or revokes (the card stays on record, out of the
    statistics) an appeal, with a reason. Flushes."""
    if user.role not in DECISION_ROLES:
        raise ServiceError(_("Only the supervision office decides appeals."))
    if appeal.status != AppealStatus.PENDING:
        raise ServiceError(_("This appeal has already been decided."))
    appeal.decision_reason = _reason(reason, "decision_reason")
    appeal.status = AppealStatus.REVOKED if revoke else AppealStatus.UPHELD
    appeal.decided_by_id, appeal.decided_at = user.id, when or utcnow()
    db.session.flush()
    return appeal


def save_thresholds(thresholds: dict[str, int | None], user: User) -> None:
    """Set the reminder period (working days, 0 to 10) for every item (``default``) and per item category;
    ``None`` for a category removes its own value (the default applies). Applies from the next sweep on."""
    if user.role not in THRESHOLD_ROLES:
        raise ServiceError(_("Only the supervision office sets the warning thresholds."))
    scopes = {DEFAULT_SCOPE, *(c.value for c in ItemCategory)}
    for scope, days in thresholds.items():
        if scope not in scopes:
            raise ServiceError(_("Unknown category."), field=scope)
        row = db.session.get(WarningSetting, scope)
        if days is None and scope != DEFAULT_SCOPE:
            if row is not None:
                db.session.delete(row)
            continue
        if days is None or not 0 <= days <= 10:
            raise ServiceError(_("Between 0 and 10 working days."), field=scope)
        if row is None:
            db.session.add(WarningSetting(scope=scope, reminder_days=days, updated_by_id=user.id))
        elif row.reminder_days != days:
            row.reminder_days, row.updated_by_id = days, user.id
    db.session.flush()
