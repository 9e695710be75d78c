"""Statistics: periods, scope (a head sees their department only, through figures and the drill-down), the
scheduled refresh and `flask stats rebuild` giving the same rows as a rebuild, including past days changed later."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import AppealStatus, CardAppeal, DailyStat, Role, WarningCard, WarningLevel, WarningRule
from service_center.models.statistics import DIMENSIONS, MEASURES
from service_center.queries.statistics import Breakdown, Period, cases_behind, figures, monthly_trend
from service_center.services.statistics import refresh_current, refresh_days
from tests.hall import TZ
from tests.services.stats_history import BASE, World, make_case, moment

MEASURES_BEHIND = ("received", "accepted", "closed", "overdue_open", "instant", "complaints")


@pytest.mark.parametrize(("period", "start", "end", "label"), [
    (Period.day(date(2026, 3, 4)), date(2026, 3, 4), date(2026, 3, 4), "2026-03-04"),
    (Period.week(date(2026, 3, 4)), date(2026, 3, 2), date(2026, 3, 8), "2026-W10"),
    (Period.week(date(2026, 3, 8)), date(2026, 3, 2), date(2026, 3, 8), "2026-W10"),
    (Period.month(2026, 2), date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
    (Period.quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
    (Period.year(2025), date(2025, 1, 1), date(2025, 12, 31), "2025"),
    (Period.custom(date(2026, 3, 1), date(2026, 3, 15)), date(2026, 3, 1), date(2026, 3, 15),
     "2026-03-01 – 2026-03-15"),
])
def test_periods(period: Period, start: date, end: date, label: str) -> None:
    assert (period.start, period.end, period.label) == (start, end, label)


def test_bad_periods() -> None:
    with pytest.raises(ValueError, match="quarter"):
        Period.quarter(2026, 5)
    with pytest.raises(ValueError, match="before"):
        Period.custom(date(2026, 3, 2), date(2026, 3, 1))


def _two_departments(world: World) -> None:
    """Cases at each window (two of department A, one of B): received, accepted, closed or overdue; a complaint."""
    for where in range(3):
        make_case(world, {"received": 0, "accept_after": 0, "promised": 2, "extra": 3, "close_after": 1},
                  where=where)
        make_case(world, {"received": 1, "accept_after": 0, "promised": 1, "extra": 0}, where=where)
        make_case(world, {"received": 2, "instant": True}, where=where)
        make_case(world, {"received": 3}, kind="complaint", where=where)
    refresh_days(BASE, BASE + timedelta(days=30))


def _count(select: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))


def test_a_head_sees_their_department_only(world: World, make_user) -> None:
    _two_departments(world)
    period = Period.month(2026, 3)
    own = world.head.department_id
    own_windows = {w for w, d in world.windows if d == own}
    other_window = next(w for w, d in world.windows if d != own)

    assert {f.key for f in figures(period, Breakdown.WINDOW, world.manager)} == {w for w, _ in world.windows}
    assert {f.key for f in figures(period, Breakdown.WINDOW, world.head)} == own_windows
    assert {f.key for f in figures(period, Breakdown.DEPARTMENT, world.head)} == {own}
    # complaints have no clerk: they count under None
    assert {f.key for f in figures(period, Breakdown.CLERK, world.head)} == {*world.clerks[:2], None}
    (centre,) = figures(period, Breakdown.CENTRE, world.head)
    (whole,) = figures(period, Breakdown.CENTRE, world.manager)
    assert (centre.received, whole.received) == (6, 9)
    assert sum(f.received for f in monthly_trend(2026, Breakdown.CENTRE, world.head)[2][1:]) == 6

    for measure in ("received", "accepted", "overdue_open", "instant"):
        assert _count(cases_behind(period, Breakdown.WINDOW, other_window, measure, world.manager)) > 0
        assert _count(cases_behind(period, Breakdown.WINDOW, other_window, measure, world.head)) == 0
        assert _count(cases_behind(period, Breakdown.CENTRE, None, measure, world.head)) == (
            getattr(centre, measure))
    department_b = next(d for _, d in world.windows if d != own)
    assert _count(cases_behind(period, Breakdown.DEPARTMENT, department_b, "received", world.head)) == 0
    assert figures(period, Breakdown.DEPARTMENT, world.head)[0].received == 6

    for role in (Role.CLERK, Role.REVIEWER):
        with pytest.raises(PermissionError):
            figures(period, Breakdown.CENTRE, make_user(role))
        with pytest.raises(PermissionError):
            cases_behind(period, Breakdown.CENTRE, None, "received", make_user(role))


def test_a_supervisor_sees_all_and_unknown_measures_are_refused(world: World, make_user) -> None:
    _two_departments(world)
    supervisor = make_user(Role.SUPERVISOR)
    period = Period.month(2026, 3)
    assert [f.received for f in figures(period, Breakdown.CENTRE, supervisor)] == [9]
    with pytest.raises(ValueError, match="no drill-down"):
        cases_behind(period, Breakdown.CENTRE, None, "everything", supervisor)


def test_monthly_trend_is_the_months_figures(world: World) -> None:
    _two_departments(world)
    window = world.windows[0][0]
    trend = monthly_trend(2026, Breakdown.WINDOW, world.manager, window)
    assert [p.label for p, _ in trend] == [f"2026-{m:02d}" for m in range(1, 13)]
    march = figures(Period.month(2026, 3), Breakdown.WINDOW, world.manager)
    assert trend[2][1] == next(f for f in march if f.key == window)
    assert all(f.received == 0 and f.key == window for p, f in trend if p.start.month != 3)


def test_an_empty_period_gives_a_centre_row_of_zeros(world: World) -> None:
    (centre,) = figures(Period.month(2025, 1), Breakdown.CENTRE, world.manager)
    assert (centre.received, centre.completion_rate, centre.satisfaction_rate) == (0, None, None)
    assert figures(Period.month(2025, 1), Breakdown.WINDOW, world.manager) == []


def _rows() -> list[tuple]:
    columns = [DailyStat.day, *(getattr(DailyStat, c) for c in (*DIMENSIONS, *MEASURES))]
    return sorted(db.session.execute(sa.select(*columns)).all(), key=repr)


def test_the_refresh_follows_past_days_changed_later(world: World) -> None:
    """A card revoked on appeal weeks later and a case accepted as of an earlier day (deemed acceptance) change
    past days; the next refresh rewrites them, so its rows equal a rebuild."""
    case = make_case(world, {"received": 0}, where=0)
    card = WarningCard(case_id=case.id, level=WarningLevel.RED, rule=WarningRule.STATUTORY_PASSED, due_on=BASE,
                       judged_on=BASE, working_days_over=1, window_id=case.window_id,
                       department_id=case.department_id, handler_id=case.first_contact_id, raised_at=moment(BASE, 10))
    db.session.add(card)
    first_run = datetime(2026, 4, 20, 9, tzinfo=TZ)
    refresh_days(BASE, first_run.date())
    db.session.commit()
    assert figures(Period.day(BASE), Breakdown.CENTRE, world.manager)[0].cards_red == 1

    db.session.add(CardAppeal(card_id=card.id, reason="r", appealed_by_id=world.manager.id,
                              status=AppealStatus.REVOKED, decided_at=datetime.now(TZ)))
    case.accepted_on = case.clock_start_on = BASE
    case.state = "accepted"
    db.session.commit()
    counts = refresh_current(datetime(2026, 4, 20, 9, 5, tzinfo=TZ), since=first_run)
    assert counts["days"] == 3  # today, yesterday and the changed day
    day = figures(Period.day(BASE), Breakdown.CENTRE, world.manager)[0]
    assert (day.cards_red, day.cards_revoked, day.accepted) == (0, 1, 1)
    incremental = _rows()
    refresh_days(BASE, first_run.date())
    assert _rows() == incremental


def test_a_rating_given_later_counts_on_the_day_the_case_closed(world: World) -> None:
    """Coverage counts a closed case on its closing day; the refresh after a rating weeks later rewrites that day."""
    from service_center.models import Rating, RatingChannel, RatingLevel

    case = make_case(world, {"received": 0, "accept_after": 0, "promised": 1, "extra": 1, "close_after": 1},
                     where=0)
    first_run = datetime(2026, 4, 20, 9, tzinfo=TZ)
    refresh_days(BASE, first_run.date())
    db.session.commit()
    assert figures(Period.day(case.closed_on), Breakdown.CENTRE, world.manager)[0].coverage_rate == 0
    db.session.add(Rating(case_id=case.id, channel=RatingChannel.TRACKING, level=RatingLevel.SATISFIED,
                          rated_at=datetime.now(TZ), window_id=case.window_id))
    db.session.commit()
    refresh_current(datetime(2026, 4, 20, 9, 5, tzinfo=TZ), since=first_run)
    assert figures(Period.day(case.closed_on), Breakdown.CENTRE, world.manager)[0].coverage_rate == 1


def test_rebuild_command(app, world: World) -> None:
    for where in range(3):
        make_case(world, {"received": where, "accept_after": 0, "promised": 1, "extra": 1, "close_after": 2},
                  where=where)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "rebuild", "--from", "2026-03-01", "--to", "2026-03-31"])
    assert result.exit_code == 0, result.output
    assert "rows" in result.output
    db.session.expire_all()
    built = _rows()
    assert sum(row[DIMENSIONS.__len__() + 1 + MEASURES.index("received")] for row in built) == 3
    again = runner.invoke(args=["stats", "rebuild", "--from", "2026-03-01", "--to", "2026-03-31"])
    assert again.exit_code == 0
    db.session.expire_all()
    assert _rows() == built  # idempotent
    bad = runner.invoke(args=["stats", "rebuild", "--from", "2026-03-31", "--to", "2026-03-01"])
    assert bad.exit_code == 2
    assert "--to" in bad.output


def test_the_jobs_keep_today_and_finalise_the_day_that_ended(world: World) -> None:
    from service_center.jobs import run_job

    make_case(world, {"received": 0, "accept_after": 0, "promised": 1, "extra": 0}, where=0)
    make_case(world, {"received": 1}, where=1)
    db.session.commit()
    first = run_job("stats.refresh", now=datetime(2026, 3, 3, 10, 1, tzinfo=TZ))
    assert (first.status, first.run.counts) == ("ran", {"days": 2, "rows": 2})  # 3/2 and 3/3, one row each
    make_case(world, {"received": 1}, where=2)  # received later the same day at another window
    db.session.commit()
    later = run_job("stats.refresh", now=datetime(2026, 3, 3, 10, 6, tzinfo=TZ))
    assert later.run.counts["rows"] == 3
    assert figures(Period.day(BASE + timedelta(days=1)), Breakdown.CENTRE, world.manager)[0].received == 2
    final = run_job("stats.finalise", now=datetime(2026, 3, 6, 0, 41, tzinfo=TZ))
    assert final.run.counts == {"rows": 1}  # 3/5: the case accepted 3/2 is overdue (promised 3/3)
    assert figures(Period.day(date(2026, 3, 5)), Breakdown.CENTRE, world.manager)[0].overdue_open == 1
    rows = _rows()
    refresh_days(BASE, date(2026, 3, 5))
    assert [r for r in _rows() if r[0] <= date(2026, 3, 3) or r[0] == date(2026, 3, 5)] == rows


def test_refreshes_at_once_write_each_row_once(app, world: World) -> None:
    """Four refreshes of the same days at the same instant (the job in two processes, a rebuild by hand): they
    take turns, and the rows are those of one refresh, none twice."""
    from tests.services.test_case_concurrency import run_together

    for where in range(3):
        make_case(world, {"received": where, "accept_after": 0, "promised": 1, "extra": 1, "close_after": 4},
                  where=where)
    refresh_days(BASE, BASE + timedelta(days=10))
    db.session.commit()
    once = _rows()
    results = run_together(app, [lambda: refresh_days(BASE, BASE + timedelta(days=10))] * 4)
    assert [error for _, error in results] == [None] * 4
    db.session.expire_all()
    assert _rows() == once
