"""The demo's historical cases are real cases, made through the services, and seeding them twice adds nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from service_center.demo.cases import seed_demo_cases
from service_center.demo.seed import seed_demo
from service_center.extensions import db
from service_center.models import Case, CaseEvent, CaseStep


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_cases_cover_the_lifecycle_and_are_idempotent(app):
    seed_demo(echo=lambda _: None)
    today = date(2026, 11, 20)
    created = seed_demo_cases(today=today, days=30, per_day=(8, 12), echo=lambda _: None)
    db.session.commit()
    assert created == _count(Case) > 150
    states = dict(db.session.execute(sa.select(Case.state, sa.func.count()).group_by(Case.state)).all())
    assert states["closed"] > created / 2
    assert {"refused", "under_review"} <= set(states)
    # Every case has its receipt event first and its events in time order.
    first = db.session.execute(
        sa.select(CaseEvent.trigger).where(CaseEvent.id.in_(
            sa.select(sa.func.min(CaseEvent.id)).group_by(CaseEvent.case_id)))
    ).scalars().all()
    assert set(first) == {"receive"}
    # Joint cases fanned out to their departments.
    assert _count(CaseStep) > 0
    # Closed licensing cases carry their due dates, and some finished after the promised date.
    late = db.session.scalar(
        sa.select(sa.func.count()).where(Case.state == "closed", Case.decided_on > Case.due_promised))
    on_time = db.session.scalar(
        sa.select(sa.func.count()).where(Case.state == "closed", Case.decided_on <= Case.due_promised))
    assert on_time > late > 0
    assert all(c.received_on <= today for c in db.session.scalars(sa.select(Case)))

    assert seed_demo_cases(today=today, days=30, echo=lambda _: None) == 0
    assert _count(Case) == created
