"""The scheduled sweeps of the case book: deemed acceptance (视为受理) of applications whose notice period
ended with no notice, and termination of cases whose 容缺 materials never arrived."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows import available_triggers

from ..extensions import db
from ..models import Case
from .core import SYSTEM, action_time
from .decisions import terminate
from .reception import deem_accepted


def _claimed(*conditions: sa.ColumnElement[bool]) -> Iterable[Case]:
    """The cases a sweep handles, claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's write
    transactions are serial), so two schedulers never handle one case."""
    query = sa.select(Case).where(*conditions).order_by(Case.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query)


def apply_deemed_acceptance(*, when: datetime | None = None) -> int:
    """Deem accepted every received case whose notice period ended before today; returns how many."""
    now = action_time(when)
    count = 0
    for case in _claimed(Case.in_progress, Case.clock_start_on.is_(None), Case.supplement_notice_on.is_(None),
                         Case.deemed_acceptance_on < now.date()):
        if "accept" in available_triggers(case, "system"):
            deem_accepted(case, when=now)
            count += 1
    return count


def terminate_lapsed_gaps(*, when: datetime | None = None) -> int:
    """Terminate every undecided case whose 容缺 materials were due before today and never arrived; returns how
    many."""
    now = action_time(when)
    count = 0
    for case in _claimed(Case.in_progress, Case.decided_on.is_(None), Case.due_gaps < now.date()):
        if case.outstanding_materials and "terminate" in available_triggers(case, "system"):
            terminate(case, SYSTEM, _("The materials promised at the acceptance with gaps (容缺受理) did not arrive "
                                      "by %(day)s: %(names)s.", day=case.due_gaps.isoformat(),
                                      names="、".join(case.outstanding_materials)), when=now)
            count += 1
    return count
