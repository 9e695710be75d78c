"""The job registry and runner: periods, each (job, period) done once, crashed and failed runs redone, missed
periods caught up, failures isolated; several scheduler processes and a killed one on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.jobs import JOBS, JobContext, JobError, get_job, register_job, run_job, tick
from service_center.jobs.runner import run_lock
from service_center.models import CaseEvent, JobOutcome, JobRun, OutboxMessage
from tests.services.conftest import TZ, at


@pytest.fixture
def test_jobs():
    """Registers jobs for one test only (``add(name, function, every=... | cron=...)``); yields ``add`` and the
    contexts the jobs were called with."""
    calls: list[JobContext] = []

    def add(name, function=None, **schedule):
        def record(ctx):
            calls.append(ctx)
            return function(ctx) if function else {"done": 1}

        record.__qualname__ = f"test_{name}"
        register_job(name, description="a test job", **(schedule or {"every": timedelta(minutes=5)}))(record)
        return name

    yield add, calls
    for name in [n for n in JOBS if n.startswith("test.")]:
        del JOBS[name]


def runs(job=None):
    query = sa.select(JobRun).order_by(JobRun.id).execution_options(populate_existing=True)
    if job:
        query = query.where(JobRun.job == job)
    return list(db.session.scalars(query))


# -- periods ---------------------------------------------------------------------------------------------------


def test_periods_of_an_interval_start_at_local_midnight_and_of_a_cron_at_its_last_firing(app, test_jobs):
    add, _calls = test_jobs
    every = get_job(add("test.every", every=timedelta(minutes=5)))
    assert every.period_start(at("2026-03-10", 10).replace(minute=7)) == at("2026-03-10", 10).replace(minute=5)
    daily = get_job(add("test.daily", cron="30 0 * * *"))
    assert daily.period_start(at("2026-03-10", 0).replace(minute=10)) == at("2026-03-09", 0).replace(minute=30)
    assert daily.period_start(at("2026-03-10", 9)) == at("2026-03-10", 0).replace(minute=30)
    monthly = get_job(add("test.monthly", cron="0 8 1 * *"))
    assert monthly.period_start(at("2026-03-10")) == at("2026-03-01", 8)
    assert daily.period_from_key("2026-03-10T00:30", TZ) == at("2026-03-10", 0).replace(minute=30)
    with pytest.raises(JobError, match="the period it falls in is 2026-03-09T00:30"):
        daily.period_from_key("2026-03-10T00:00", TZ)
    with pytest.raises(JobError, match="is not a period"):
        daily.period_from_key("yesterday", TZ)
    with pytest.raises(ValueError, match="exactly one"):
        register_job("test.both", every=timedelta(minutes=1), cron="* * * * *", description="")
    assert get_job("cases.deemed_acceptance").cron_line() == app.config["SWEEP_CRON"]


# -- once per period -------------------------------------------------------------------------------------------


def test_a_period_runs_once_and_its_run_is_recorded(app, test_jobs):
    add, calls = test_jobs
    name = add("test.once", lambda ctx: {"handled": 3})
    first = run_job(name, now=at("2026-03-10", 10))
    again = run_job(name, now=at("2026-03-10", 10).replace(minute=4))
    later = run_job(name, now=at("2026-03-10", 10).replace(minute=5))
    assert (first.status, again.status, later.status) == ("ran", "done", "ran")
    assert [c.period for c in calls] == ["2026-03-10T10:00", "2026-03-10T10:05"]
    assert calls[0].now == at("2026-03-10", 10)
    assert calls[0].now.tzinfo is not None
    run = runs(name)[0]
    assert (run.period, run.outcome, run.counts, run.attempts, run.error) == (
        "2026-03-10T10:00", JobOutcome.OK, {"handled": 3}, 1, "")
    assert run.finished_at is not None


def test_a_failing_case_is_reported_and_the_run_goes_on(app, test_jobs):
    add, _calls = test_jobs

    def work(ctx):
        ctx.failed("SC-1", "cannot accept from state x")
        return {"handled": 2}

    name = add("test.partial", work)
    result = run_job(name, now=at("2026-03-10"))
    run = runs(name)[0]
    assert (result.status, run.outcome, run.counts) == ("ran", JobOutcome.PARTIAL, {"handled": 2, "failed": 1})
    assert [(f.subject, f.reason) for f in run.failures] == [("SC-1", "cannot accept from state x")]
    assert run_job(name, now=at("2026-03-10")).status == "done"  # partial is done


def test_a_failed_run_is_redone_by_the_next_ticks_up_to_its_attempts(app, test_jobs):
    add, calls = test_jobs

    def broken(ctx):
        db.session.add(JobRun(job="test.side-effect", period=ctx.period, counts={}, error="", runner=""))
        db.session.flush()
        raise RuntimeError("database went away")

    name = add("test.broken", broken)
    for _n in range(4):
        tick(name, now=at("2026-03-10"))
    run = runs(name)[0]
    assert (len(calls), run.attempts, run.outcome) == (3, 3, JobOutcome.FAILED)
    assert "RuntimeError: database went away" in run.error
    assert runs("test.side-effect") == []  # the failed attempt's work was rolled back


def test_a_crashed_run_is_redone_when_its_lock_is_free_but_not_while_it_is_held(app, test_jobs):
    add, calls = test_jobs
    name = add("test.crash")
    db.session.add(JobRun(job=name, period="2026-03-10T10:00", started_at=at("2026-03-10"), counts={}, error="",
                          runner="gone:1"))
    db.session.commit()
    with run_lock(name, "2026-03-10T10:00") as held:
        assert held
        assert run_job(name, now=at("2026-03-10")).status == "busy"
    assert calls == []
    result = run_job(name, now=at("2026-03-10"))
    run = runs(name)[0]
    assert (result.status, run.attempts, run.outcome, len(calls)) == ("ran", 2, JobOutcome.OK, 1)


def test_missed_periods_latest_only_or_all_in_order(app, test_jobs):
    add, calls = test_jobs
    latest = add("test.latest", every=timedelta(hours=1))
    every = add("test.all", cron="0 8 * * *")
    JOBS[every] = JOBS[every].__class__(**{**JOBS[every].__dict__, "catch_up": "all"})
    tick(latest, now=at("2026-03-10", 9))
    tick(every, now=at("2026-03-10", 9))
    calls.clear()
    tick(latest, now=at("2026-03-10", 15))
    tick(every, now=at("2026-03-13", 9))
    assert [(c.job, c.period) for c in calls] == [
        ("test.latest", "2026-03-10T15:00"),
        ("test.all", "2026-03-11T08:00"), ("test.all", "2026-03-12T08:00"), ("test.all", "2026-03-13T08:00"),
    ]


def test_run_job_refuses_an_unknown_job_or_period(app):
    with pytest.raises(JobError, match="no job named"):
        run_job("nope")
    with pytest.raises(JobError, match="not a period of cases.deemed_acceptance"):
        run_job("cases.deemed_acceptance", "2026-03-10T09:00")


# -- the sweeps as jobs ------------------------------------------------------------------------------------------


def outbox_per_case() -> dict[int, int]:
    return dict(db.session.execute(sa.select(OutboxMessage.case_id, sa.func.count()).group_by(OutboxMessage.case_id))
                .all())


def accept_events() -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(CaseEvent.case_id, sa.func.count()).where(CaseEvent.trigger == "accept")
        .group_by(CaseEvent.case_id)).all())


def test_the_deemed_acceptance_job_accepts_and_tells_each_applicant_once(app, hall):
    cases = [hall.receive(day="2026-03-02") for _n in range(3)]
    db.session.commit()
    first = run_job("cases.deemed_acceptance", now=at("2026-03-10"))
    assert first.run.counts == {"deemed_accepted": 3, "notified": 3}
    db.session.execute(sa.delete(JobRun))  # even a forgotten run row: the work and the messages are not repeated
    db.session.commit()
    again = run_job("cases.deemed_acceptance", now=at("2026-03-10"))
    assert again.run.counts == {"deemed_accepted": 0, "notified": 0}
    assert accept_events() == {c.id: 1 for c in cases}
    assert outbox_per_case() == {c.id: 1 for c in cases}
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.case_id == cases[0].id))
    assert (message.kind, message.channel, message.address, message.template) == (
        "accepted", "sms", "13800000000", "case.accepted")
    assert (message.params["number"], message.params["accepted_on"]) == (cases[0].number, "2026-03-02")


# -- several processes, and a killed one (PostgreSQL) ------------------------------------------------------------


def _scheduler_process(url, barrier, results, when, slow_commit):
    """A scheduler process of its own (spawned: its own interpreter and connections)."""
    from service_center import create_app
    from service_center.jobs import builtin, run_job
    from service_center.jobs.registry import JobContext

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    original = builtin.sweep_deemed_acceptance
    builtin.sweep_deemed_acceptance = lambda **kw: original(batch_size=2, **kw)
    if slow_commit is not None:
        commit = JobContext.commit

        def signal_then_wait(ctx):
            commit(ctx)
            slow_commit.set()  # one batch committed: the parent kills us now
            time.sleep(60)

        JobContext.commit = signal_then_wait
    with app.app_context():
        if barrier is not None:
            barrier.wait(30)
        results.put(run_job("cases.deemed_acceptance", now=when).status)


@pytest.mark.parametrize("processes", [2, 4])
def test_several_scheduler_processes_do_a_period_once(app, hall, backend, processes):
    if backend != "postgresql":
        pytest.skip("processes on several machines share a PostgreSQL server")
    cases = [hall.receive(item, day="2026-03-02") for _n in range(5) for item in (hall.committed, hall.joint)]
    db.session.commit()
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(processes), spawn.Queue()
    url = db.engine.url.render_as_string(hide_password=False)
    workers = [spawn.Process(target=_scheduler_process, args=(url, barrier, results, at("2026-03-10"), None))
               for _n in range(processes)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(90)
    statuses = sorted(results.get(timeout=5) for _n in range(processes))
    assert statuses.count("ran") == 1
    assert set(statuses) <= {"ran", "busy", "done"}
    (run,) = runs("cases.deemed_acceptance")
    assert (run.outcome, run.counts, run.attempts) == (JobOutcome.OK, {"deemed_accepted": 10, "notified": 10}, 1)
    db.session.expire_all()
    assert all(c.accepted_on is not None for c in cases)
    assert accept_events() == {c.id: 1 for c in cases}
    assert outbox_per_case() == {c.id: 1 for c in cases}


def test_a_run_killed_halfway_is_completed_by_the_next_with_no_duplicates(app, hall, backend):
    if backend != "postgresql":
        pytest.skip("SIGKILL of a process holding a PostgreSQL advisory lock")
    cases = [hall.receive(day="2026-03-02") for _n in range(6)]
    db.session.commit()
    spawn = multiprocessing.get_context("spawn")
    committed, results = spawn.Event(), spawn.Queue()
    url = db.engine.url.render_as_string(hide_password=False)
    worker = spawn.Process(target=_scheduler_process, args=(url, None, results, at("2026-03-10"), committed))
    worker.start()
    assert committed.wait(60), "the first batch was never committed"
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(10)
    db.session.expire_all()
    (crashed,) = runs("cases.deemed_acceptance")
    assert (crashed.finished_at, crashed.attempts) == (None, 1)
    assert sum(c.accepted_on is not None for c in cases) == 2  # one batch of two
    assert len(outbox_per_case()) == 2  # told in the batch's own transaction
    redo = None
    for _n in range(50):  # the server notices the dead connection and frees the lock
        redo = tick("cases.deemed_acceptance", now=at("2026-03-10", 11))[0]
        if redo.status != "busy":
            break
        time.sleep(0.1)
    assert redo.status == "ran"
    (run,) = runs("cases.deemed_acceptance")
    assert (run.attempts, run.outcome, run.counts) == (2, JobOutcome.OK, {"deemed_accepted": 4, "notified": 4})
    db.session.expire_all()
    assert all(c.accepted_on is not None for c in cases)
    assert accept_events() == {c.id: 1 for c in cases}
    assert outbox_per_case() == {c.id: 1 for c in cases}


# -- the CLI ----------------------------------------------------------------------------------------------------


def test_flask_jobs_list_shows_each_job_its_schedule_and_last_run(app, hall):
    hall.receive(day="2026-03-02")
    db.session.commit()
    run_job("cases.deemed_acceptance", now=at("2026-03-10"))
    output = app.test_cli_runner().invoke(args=["jobs", "list"]).output
    lines = output.splitlines()
    sweep = next(line for line in lines if line.startswith("cases.deemed_acceptance"))
    assert "cron 30 0 * * *" in sweep  # the setting, not its name
    assert "last 2026-03-10T00:30 ok {'deemed_accepted': 1, 'notified': 1}" in sweep
    sender = next(line for line in lines if line.startswith("outbox.send"))
    assert "every 0:01:00" in sender
    assert "never run" in sender


def test_flask_jobs_run_runs_a_period_once_and_refuses_bad_input(app, hall, test_jobs):
    add, _calls = test_jobs
    hall.receive(day="2026-03-02")
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run", "cases.deemed_acceptance", "--period", "2026-12-01T00:30"])
    assert first.exit_code == 0, first.output
    assert "cases.deemed_acceptance 2026-12-01T00:30: ok {'deemed_accepted': 1, 'notified': 1}" in first.output
    again = runner.invoke(args=["jobs", "run", "cases.deemed_acceptance", "--period", "2026-12-01T00:30"])
    assert "2026-12-01T00:30: done: ok {'deemed_accepted': 1, 'notified': 1}" in again.output
    wrong = runner.invoke(args=["jobs", "run", "cases.deemed_acceptance", "--period", "2026-12-01T09:00"])
    assert wrong.exit_code == 2
    assert "the period it falls in is 2026-12-01T00:30" in wrong.output
    assert runner.invoke(args=["jobs", "run", "no.such.job"]).exit_code == 2

    def fail(ctx):
        raise RuntimeError("boom")

    add("test.fails", fail)
    failed = runner.invoke(args=["jobs", "run", "test.fails"])
    assert failed.exit_code == 1
    assert "RuntimeError: boom" in failed.output


# -- abandoned disclosure requests ------------------------------------------------------------------------------


def test_a_request_not_supplemented_in_its_period_is_abandoned_once_by_the_job(app, hall):
    from service_center.models import Case
    from service_center.services import reception

    waiting, old_version, supplemented = (hall.receive(hall.disclosure, day="2026-03-02") for _n in range(3))
    for case in (waiting, old_version, supplemented):
        reception.request_supplement(case, hall.actor("clerk"), ["申请内容描述"], when=at("2026-03-03"))
    reception.record_supplement(supplemented, hall.actor("clerk"), when=at("2026-03-20"))
    db.session.flush()
    db.session.execute(sa.update(Case).where(Case.id == old_version.id).values(workflow_version=2))
    db.session.commit()
    # 15 working days after Tue 3/3: Tue 3/24 is the last day; abandoned from Wed 3/25 on.
    assert run_job("disclosure.abandoned", now=at("2026-03-24", 9)).run.counts == {"abandoned": 0}
    first = run_job("disclosure.abandoned", now=at("2026-03-25", 9))
    assert first.run.counts == {"abandoned": 1}
    assert run_job("disclosure.abandoned", "2026-03-26T00:30", now=at("2026-03-26", 9)).run.counts == {
        "abandoned": 0}
    db.session.expire_all()
    assert (waiting.state, waiting.outcome, waiting.in_progress) == ("withdrawn", "abandoned", False)
    event = waiting.events[-1]
    assert (event.trigger, event.actor_role, event.data) == ("abandon", "system", {"supplement_due": "2026-03-24"})
    assert "2026-03-24" in event.comment
    assert (old_version.state, supplemented.state) == ("supplement_requested", "processing")
    told = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.case_id == waiting.id)
                              .order_by(OutboxMessage.id)).all()
    assert [m.kind for m in told] == ["supplement", "ended"]
    assert told[1].params["outcome"] == "视为放弃申请"
