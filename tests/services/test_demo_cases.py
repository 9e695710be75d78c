"""The demo's historical cases are real cases, made through the services, and seeding them twice adds nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from service_center.demo.cases import seed_demo_cases
from service_center.demo.seed import seed_demo
from service_center.extensions import db
from service_center.models import Case, CaseEvent, CaseExtension, CasePause, CaseStep
from service_center.queries.deadlines import Deadlines, has_overdue_step, open_pause, overdue_promised
from service_center.services.clock import work_calendar

TZ = ZoneInfo("Asia/Shanghai")
# The moments and dates that record what happened (due dates and the deemed-acceptance day are deadlines, which
# may well lie ahead).
HAPPENED_ON = (
    Case.received_on, Case.supplement_notice_on, Case.clock_start_on, Case.accepted_on, Case.decided_on,
    Case.delivered_on, Case.closed_on, CaseStep.started_on, CasePause.started_on, CasePause.ended_on,
    CaseExtension.requested_on, CaseExtension.decided_on,
)
HAPPENED_AT = (CaseEvent.at, Case.received_at, CaseStep.decided_at)


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_cases_cover_the_lifecycle_and_are_idempotent(app):
    seed_demo(echo=lambda _: None)
    today = date(2026, 11, 20)
    created = seed_demo_cases(now=datetime(2026, 11, 20, 18, 0, tzinfo=TZ), days=30, per_day=(8, 12),
                              echo=lambda _: None)
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

    assert seed_demo_cases(now=datetime(2026, 11, 20, 18, 0, tzinfo=TZ), days=30, echo=lambda _: None) == 0
    assert _count(Case) == created


def latest(column: sa.ColumnElement) -> object:
    return db.session.scalar(sa.select(sa.func.max(column)))


def assert_nothing_after(now: datetime) -> None:
    for column in HAPPENED_AT:
        assert latest(column) is None or latest(column) <= now, column
    for column in HAPPENED_ON:
        assert latest(column) is None or latest(column) <= now.date(), column


def test_demo_history_ends_now_and_leaves_open_cases_of_every_kind(app):
    """Run at 10:30 on a Friday: no event, decision or date after that (not even this afternoon's), and the
    cases whose next step is still to come stay open: overdue, due soon, paused, a department overrunning."""
    seed_demo(echo=lambda _: None)
    now = datetime(2026, 11, 20, 10, 30, tzinfo=TZ)
    created = seed_demo_cases(now=now, days=45, per_day=(10, 14), echo=lambda _: None)
    db.session.commit()
    assert created > 300
    assert_nothing_after(now)
    assert latest(CaseEvent.at) > datetime.combine(now.date(), time(9), TZ)  # this morning's work is there

    today = now.date()
    deadlines = Deadlines(today, work_calendar().add_working_days(today, 1))

    def cases(*where: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where))

    assert cases(overdue_promised(today)) > 0
    assert cases(deadlines.due_soon()) > 0
    assert cases(Case.in_progress, open_pause()) > 0
    assert cases(Case.state == "parallel_review", has_overdue_step(today)) > 0
    # Most of the history is finished: what is open was received within about one promised limit (20-30
    # working days) of now, a quarter of 45 days' cases at most.
    assert cases(Case.in_progress) < created / 4


def test_flask_demo_history_ends_at_the_current_time(app):
    """``flask demo`` generates up to the moment it runs, whatever the time of day."""
    from service_center.services.clock import local_now

    result = app.test_cli_runner().invoke(args=["demo", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert_nothing_after(local_now())


def test_flask_demo_derives_cards_and_statistics_as_the_scheduler_would(app):
    """`make run` starts no scheduler: the demo raises the warning cards as of now and builds the statistics rollup
    of its days, so the supervision and statistics pages show its history."""
    from service_center.models import DailyStat, WarningCard
    from service_center.queries.scope import applications
    from service_center.services.clock import local_now, local_today
    from service_center.services.statistics import refresh_days
    from service_center.services.warnings import raise_warning_cards

    result = app.test_cli_runner().invoke(args=["demo", "--days", "20"])
    assert result.exit_code == 0, result.output
    today = local_today()
    received = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        applications(), Case.received_on >= today - timedelta(days=20)))
    assert received > 0
    assert db.session.scalar(sa.select(sa.func.sum(DailyStat.received))) == received
    cards = db.session.scalar(sa.select(sa.func.count()).select_from(WarningCard))
    assert f"Warning cards raised: {cards}; statistics rollup:" in result.output
    # Nothing left for the scheduler's first run to add.
    assert raise_warning_cards(now=local_now(), notify=lambda ids: None).total == 0
    columns = [c for c in DailyStat.__table__.c if c.name != "id"]
    rows = sorted(tuple(r) for r in db.session.execute(sa.select(*columns)))
    refresh_days(today - timedelta(days=20), today)
    assert sorted(tuple(r) for r in db.session.execute(sa.select(*columns))) == rows
