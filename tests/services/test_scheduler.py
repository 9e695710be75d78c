"""The scheduler process: the registry's jobs ticked, and `flask cases scheduler` (its blocking loop stubbed)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from service_center.extensions import db
from service_center.jobs import load_jobs
from service_center.models import JobRun
from service_center.scheduler import _scheduled_tick, schedule_jobs
from tests.services.conftest import at


def test_every_registered_job_is_ticked_in_the_centres_zone(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_TICK_SECONDS", 30)
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(app, scheduler)
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == [f"job:{name}" for name in load_jobs()]
    assert {"job:cases.deemed_acceptance", "job:cases.lapsed_gaps", "job:outbox.send"} <= {job.id for job in jobs}
    assert jobs[0].trigger.interval == timedelta(seconds=30)
    assert (jobs[0].coalesce, jobs[0].max_instances) == (True, 1)


def test_a_tick_runs_the_jobs_period_in_a_context_of_its_own(app, hall):
    case = hall.receive(day="2026-03-02")
    db.session.commit()
    _scheduled_tick(app, "cases.deemed_acceptance")
    db.session.expire_all()
    assert (case.state, case.clock_start_on) == ("under_review", date(2026, 3, 2))
    (run,) = db.session.scalars(sa.select(JobRun)).all()
    assert (run.job, run.outcome, run.counts["deemed_accepted"]) == ("cases.deemed_acceptance", "ok", 1)


def test_the_scheduler_command_runs_what_is_due_at_start_and_runs_the_loop(app, hall, monkeypatch):
    started = []
    monkeypatch.setattr(BlockingScheduler, "start", lambda self: started.append(self.get_jobs()))
    case = hall.receive(day="2026-03-02")
    cases_to_terminate = hall.receive(day="2026-03-02")
    from service_center.services import reception

    reception.accept_with_gaps(cases_to_terminate, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                           when=at("2026-03-02"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cases", "scheduler", "--now"])
    assert result.exit_code == 0, result.output
    assert "cases.deemed_acceptance " in result.output
    assert "'deemed_accepted': 1" in result.output
    assert "'terminated': 1" in result.output
    assert f"scheduler running: {len(load_jobs())} jobs ticked every 60 s (Asia/Shanghai)" in result.output
    assert [[job.id for job in jobs] for jobs in started] == [[f"job:{name}" for name in load_jobs()]]
    db.session.expire_all()
    assert (case.state, cases_to_terminate.state) == ("under_review", "terminated")


def test_a_part_that_stops_is_reported_and_the_other_part_still_runs(app, hall, monkeypatch):
    from service_center import scheduler
    from service_center.services import reception

    def broken(**_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(scheduler, "sweep_deemed_acceptance", broken)
    lapsed = hall.receive(day="2026-03-02")
    reception.accept_with_gaps(lapsed, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                               when=at("2026-03-02"))
    db.session.commit()
    result = scheduler.sweep()
    assert (result.deemed_accepted, result.terminated, result.everything_failed) == (0, 1, False)
    assert [f.reason for f in result.failed] == ["the deemed acceptance sweep stopped: database went away"]
    db.session.expire_all()
    assert lapsed.state == "terminated"
