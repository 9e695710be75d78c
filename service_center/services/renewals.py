"""Renewals (延续, 行政许可法 Art. 50): a renewal still undecided when the licence it renews expires counts as
granted. The scheduled sweep fires the definition's ``renewal_trigger`` for each such case, as the system,
with an event saying why. Renewals are few: each case goes through :func:`services.core.perform` in a savepoint
of its own, so one that cannot be handled is reported and the others go on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows import WorkflowError
from workflows.engine import definition_of

from ..extensions import db
from ..models import Case
from . import ServiceError
from .core import SYSTEM, action_time, flush, lock_case, perform
from .sweep_plans import SweepFailure
from .sweeps import SweepPart


def renewals_due(today: date) -> tuple[sa.ColumnElement[bool], ...]:
    """Accepted, undecided cases whose licence expired before ``today``."""
    return (Case.in_progress, Case.decided_on.is_(None), Case.clock_start_on.is_not(None),
            Case.licence_expires_on < today)


def grant_expired_renewals(*, when: datetime | None = None, commit: Callable[[], None] | None = None) -> SweepPart:
    """Grant by law every renewal still undecided when its licence expired; ``commit`` runs at the end."""
    now = action_time(when)
    query = sa.select(Case.id, Case.number).where(*renewals_due(now.date())).order_by(Case.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    part = SweepPart()
    for case_id, number in db.session.execute(query).all():
        try:
            with db.session.begin_nested():
                grant_renewal_by_law(lock_case(case_id), when=now)
            part.done += 1
        except (ServiceError, WorkflowError, sa.exc.DBAPIError) as exc:
            part.failed.append(SweepFailure(number, getattr(exc, "message", str(exc))))
    if commit is not None:
        commit()
    return part


def grant_renewal_by_law(case: Case, *, when: datetime | None = None) -> Case:
    """The renewal counts as granted (视为准予延续): the licence expired on ``case.licence_expires_on`` with no
    decision. Delivery is owed as after any grant."""
    trigger = definition_of(case).renewal_trigger
    if trigger is None:
        raise ServiceError(_("This kind of case does not renew a licence."))
    expired = case.licence_expires_on.isoformat()
    perform(case, trigger, SYSTEM, when=when, data={"licence_expires_on": expired},
            comment=_("The licence expired on %(day)s with no decision on its renewal: the renewal counts as "
                      "granted (Administrative Licensing Law, Art. 50).", day=expired))
    flush()
    return case
