"""The scheduler process: the daily sweep job, and `flask cases scheduler` (its blocking loop stubbed)."""

from __future__ import annotations

from datetime import date

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from service_center.extensions import db
from service_center.scheduler import SWEEP_JOB_ID, _scheduled_sweep, schedule_jobs
from tests.services.conftest import at


def test_the_sweep_is_scheduled_daily_at_the_configured_time_in_the_centres_zone(app, monkeypatch):
    monkeypatch.setitem(app.config, "SWEEP_CRON", "15 1 * * *")
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_jobs(app, scheduler)
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == [SWEEP_JOB_ID]
    trigger = jobs[0].trigger
    fields = {f.name: str(f) for f in trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("1", "15", "*")
    assert str(trigger.timezone) == "Asia/Shanghai"
    assert (jobs[0].coalesce, jobs[0].max_instances) == (True, 1)


def test_the_scheduled_job_sweeps_in_a_context_of_its_own(app, hall):
    case = hall.receive(day="2026-03-02")
    db.session.commit()
    _scheduled_sweep(app)
    db.session.expire_all()
    assert (case.state, case.clock_start_on) == ("under_review", date(2026, 3, 2))


def test_the_scheduler_command_sweeps_at_start_and_runs_the_loop(app, hall, monkeypatch):
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
    assert "1 applications deemed accepted" in result.output
    assert "1 cases terminated" in result.output
    assert "scheduler running: case sweep at '30 0 * * *' (Asia/Shanghai)" in result.output
    assert [[job.id for job in jobs] for jobs in started] == [[SWEEP_JOB_ID]]
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
