"""Requests abandoned after the supplement period (视为放弃申请, 政府信息公开条例 Art. 30).

A definition that declares ``supplement_days`` and ``abandon_trigger`` (disclosure requests from version 3)
gives the applicant that many working days after the notice to supplement (counted from the day after
``supplement_notice_on``, as every limit). A request still waiting in a state its abandon trigger leaves from,
once the last of those days has ended, is abandoned by the system: one case at a time, each in a savepoint,
so a case that cannot be handled is reported and the others go on. Idempotent: an abandoned case no longer
waits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows import WorkflowError
from workflows.registry import all_definitions

from ..extensions import db
from ..models import Case
from . import ServiceError
from .clock import work_calendar
from .core import SYSTEM, action_time, flush, lock_case, perform

ABANDON_REASON = ("No supplement arrived by %(day)s, the end of the %(days)s working days given by the notice of "
                  "%(notice)s: the request counts as abandoned (视为放弃申请).")


def supplement_deadline(notice_on: date, days: int) -> date:
    """The last day the supplement may arrive: the ``days``-th working day after the notice."""
    return work_calendar().add_working_days(notice_on, days)


def abandon_lapsed_supplements(*, when: datetime | None = None, failed: Callable[[str, str], None],
                               commit: Callable[[], None] | None = None) -> int:
    """Abandon every request whose supplement period ended before today; returns how many. ``failed(number,
    reason)`` hears of a case that could not be abandoned; ``commit`` runs after each definition's cases."""
    now = action_time(when)
    today = now.date()
    done = 0
    for definition in all_definitions():
        if definition.abandon_trigger is None or definition.supplement_days is None:
            continue
        sources = {s for t in definition.transitions if t.trigger == definition.abandon_trigger for s in t.sources}
        waiting = db.session.execute(
            sa.select(Case.id, Case.number, Case.supplement_notice_on)
            .where(Case.workflow_key == definition.key, Case.workflow_version == definition.version,
                   Case.in_progress, Case.state.in_(sorted(sources)), Case.supplement_notice_on < today)
            .order_by(Case.id)
        ).all()
        for case_id, number, notice_on in waiting:
            deadline = supplement_deadline(notice_on, definition.supplement_days)
            if deadline >= today:
                continue
            reason = _(ABANDON_REASON, day=deadline.isoformat(), days=definition.supplement_days,
                       notice=notice_on.isoformat())
            try:
                with db.session.begin_nested():
                    case = lock_case(case_id)
                    perform(case, definition.abandon_trigger, SYSTEM, when=now, comment=reason,
                            data={"supplement_due": deadline})
                    flush()
                done += 1
            except (ServiceError, WorkflowError, sa.exc.SQLAlchemyError) as exc:
                failed(number, str(exc))
        if commit is not None:
            commit()
    return done
