"""The window's pre-review queue (网上预审): online applications waiting in a state their definition declares
``online_review_states``, within the user's scope (a clerk: the windows they serve), oldest submission first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from workflows.registry import all_definitions

from ..extensions import db
from ..models import Case, CaseFile, OnlineApplication, User
from .scope import visible_clause


def online_review_states() -> frozenset[str]:
    """Every state some registered definition declares as waiting for the online pre-review."""
    return frozenset(s for d in all_definitions() for s in d.online_review_states)


def pre_review_queue(user: User, *, limit: int = 200) -> list[tuple[Case, OnlineApplication]]:
    """The online applications ``user`` sees that wait for pre-review, with their submission (one query)."""
    rows = db.session.execute(
        sa.select(Case, OnlineApplication)
        .join(OnlineApplication, OnlineApplication.case_id == Case.id)
        .where(visible_clause(user), Case.in_progress, Case.state.in_(sorted(online_review_states())))
        .options(joinedload(Case.item), joinedload(Case.window))
        .order_by(OnlineApplication.submitted_at, Case.id)
        .limit(limit)
    ).all()
    return [(case, online) for case, online in rows]


def case_files(case_id: int) -> list[CaseFile]:
    """A case's uploaded files in upload order."""
    return list(db.session.scalars(sa.select(CaseFile).where(CaseFile.case_id == case_id)
                                   .order_by(CaseFile.uploaded_at, CaseFile.id)))
