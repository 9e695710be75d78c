"""The set-based sweeps: the same rows as the per-case services, isolation of bad cases, batches that commit on
their own, and (PostgreSQL) a killed run and two concurrent runs."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import gettext as _

from service_center.extensions import db
from service_center.models import (
    Case,
    CaseEvent,
    CaseExtension,
    CasePause,
    CaseStep,
    CaseType,
    JoinRule,
)
from service_center.scheduler import sweep
from service_center.services import clock_stops, core, decisions, reception, steps, sweeps
from tests.services.conftest import at

# Columns that differ between two twin cases by construction (identity, random code, wall-clock write time).
CASE_SKIP = {"id", "number", "query_code", "created_at", "updated_at"}


def case_row(case_id: int) -> dict:
    row = db.session.execute(sa.select(Case.__table__).where(Case.__table__.c.id == case_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in CASE_SKIP}


def rows_of(model, case_id: int, order, skip=("id", "case_id")) -> list[dict]:
    table = model.__table__
    rows = db.session.execute(sa.select(table).where(table.c.case_id == case_id).order_by(*order)).mappings()
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


def events_of(case_id: int) -> list[tuple]:
    """The events in order; a step is named by its department (step ids differ between twins)."""
    department = dict(db.session.execute(sa.select(CaseStep.id, CaseStep.department_id)
                                         .where(CaseStep.case_id == case_id)).all())
    return [(e.trigger, e.from_state, e.to_state, e.actor_role, e.actor_id, department.get(e.step_id), e.comment,
             e.data, e.at)
            for e in db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                                        .order_by(CaseEvent.id))]


def assert_twins(swept: Case, serviced: Case) -> None:
    """Every column of the case, its steps (by department), pauses, extensions, and its events."""
    swept_id, serviced_id = swept.id, serviced.id
    db.session.expire_all()
    assert case_row(swept_id) == case_row(serviced_id)
    by_department = (CaseStep.__table__.c.department_id,)
    assert rows_of(CaseStep, swept_id, by_department) == rows_of(CaseStep, serviced_id, by_department)
    step_order = [s["department_id"] for s in rows_of(CaseStep, swept_id, (CaseStep.__table__.c.id,))]
    assert step_order == [s["department_id"] for s in rows_of(CaseStep, serviced_id, (CaseStep.__table__.c.id,))]
    for model in (CasePause, CaseExtension):
        order = (model.__table__.c.id,)
        assert rows_of(model, swept_id, order) == rows_of(model, serviced_id, order)
    assert events_of(swept_id) == events_of(serviced_id)


def joint_item_without_lead(hall, make_item, **fields):
    """A joint item whose participating departments do not list the lead (the lead takes part anyway)."""
    item = make_item(department=hall.lead, case_type=CaseType.JOINT, statutory_limit_days=45,
                     promised_limit_days=30, join_rule=JoinRule.LEAD_CONSOLIDATES, **fields)
    item.participating_departments = [hall.other, hall.third]
    item.windows = [hall.window]
    db.session.flush()
    return item


def test_deemed_acceptance_writes_what_the_per_case_service_writes(hall, make_item):
    """Twins (committed, joint, joint with step limit and the lead not listed, forwarded), deemed on two days:
    one of each by the sweep, the other by reception.deem_accepted at the same moment."""
    joint_short = joint_item_without_lead(hall, make_item, step_limit_days=7)
    items = (hall.committed, hall.joint, joint_short, hall.forwarded)
    days = (("2026-02-11", "2026-02-26"), ("2026-09-24", "2026-10-12"), ("2026-12-01", "2026-12-09"))
    twins = []
    for received, swept_on in days:
        for item in items:
            pair = (hall.receive(item, day=received), hall.receive(item, day=received))
            twins.append((pair, swept_on))
    db.session.flush()
    for swept_on in sorted({t[1] for t in twins}):
        for (_swept, serviced), day in twins:
            if day == swept_on:
                reception.deem_accepted(serviced, when=at(swept_on, 1))
        part = sweeps.sweep_deemed_acceptance(when=at(swept_on, 1))
        assert (part.done, part.failed) == (len(items), [])
    for (swept, serviced), _day in twins:
        assert_twins(swept, serviced)
    joint = next(pair[0] for pair, _day in twins if pair[0].item_id == joint_short.id)
    assert [(s.department_id, s.is_lead, s.limit_days) for s in joint.steps] == [
        (hall.lead.id, True, 7), (hall.other.id, False, 7), (hall.third.id, False, 7)]
    assert sweeps.sweep_deemed_acceptance(when=at("2026-12-31")).done == 0  # idempotent


def gaps_reason(case: Case) -> str:
    return _(sweeps.GAPS_REASON, day=case.due_gaps.isoformat(), names="、".join(case.outstanding_materials))


def test_termination_writes_what_decisions_terminate_writes(hall):
    """Twins accepted with gaps (committed; joint with one share decided, a pending extension and a running
    special procedure), terminated by the sweep and by decisions.terminate as the system."""
    twins = []
    for item in (hall.committed, hall.joint):
        pair = []
        for _n in range(2):
            case = hall.receive(item, day="2026-03-02")
            reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], gaps_due=date(2026, 3, 10),
                                       commitment_signed=True, when=at("2026-03-02"))
            if item is hall.joint:
                other = next(s for s in case.steps if s.department_id == hall.other.id)
                steps.record_step_decision(other.id, hall.actor("other_reviewer"), "approve", "同意",
                                           when=at("2026-03-03"))
                clock_stops.request_extension(case, hall.actor("head"), 5, "需要现场核查", when=at("2026-03-04"))
                hall.start_procedure(case, hall.actor("head"), "inspection", reason="现场检验",
                                                    when=at("2026-03-05"))
            pair.append(case)
        twins.append(pair)
    db.session.flush()
    for _swept, serviced in twins:
        decisions.terminate(serviced, core.SYSTEM, gaps_reason(serviced), when=at("2026-03-11", 1))
    part = sweeps.sweep_lapsed_gaps(when=at("2026-03-11", 1))
    assert (part.done, part.failed) == (2, [])
    for swept, serviced in twins:
        assert_twins(swept, serviced)
    joint = twins[1][0]
    assert sorted(s.status for s in joint.steps) == ["approved", "cancelled", "cancelled"]
    assert [e.status for e in joint.extensions] == ["rejected"]
    assert [p.ended_on for p in joint.pauses] == [date(2026, 3, 11)]
    assert sweeps.sweep_lapsed_gaps(when=at("2026-03-12")).done == 0  # idempotent


def test_a_case_with_an_unknown_workflow_version_is_reported_and_the_rest_go_on(app, hall):
    due = [hall.receive(day="2026-03-02") for _n in range(5)]
    lapsed = hall.receive(day="2026-03-02")
    reception.accept_with_gaps(lapsed, hall.actor("clerk"), ["身份证复印件"], gaps_due=date(2026, 3, 10),
                               commitment_signed=True, when=at("2026-03-02"))
    db.session.flush()
    bad = due[2]
    db.session.execute(sa.update(Case).where(Case.id == bad.id).values(workflow_version=99))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cases", "sweep"])  # today: long after 3/10
    assert result.exit_code == 0, result.output
    assert "4 applications deemed accepted" in result.output
    assert "1 cases terminated" in result.output
    assert f"{bad.number}: committed v99, state 'received': workflow 'committed' has no version 99" in result.output
    db.session.expire_all()
    assert [c.state for c in due] == ["under_review"] * 2 + ["received"] + ["under_review"] * 2
    assert lapsed.state == "terminated"


def test_the_sweep_command_fails_only_when_everything_failed(app, hall):
    case = hall.receive(day="2026-03-02")
    db.session.flush()
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(state="supplement_requested"))
    db.session.commit()  # a state no notice led to: accept is not possible from it
    result = app.test_cli_runner().invoke(args=["cases", "sweep"])
    assert result.exit_code == 1
    assert "0 applications deemed accepted" in result.output
    assert f"{case.number}: committed v{case.workflow_version}, state 'supplement_requested': " in result.output


def test_a_joint_case_that_cannot_fan_out_is_reported_alone(hall, make_item):
    lonely = make_item(department=hall.lead, case_type=CaseType.JOINT, statutory_limit_days=45,
                       promised_limit_days=30, join_rule=JoinRule.LEAD_CONSOLIDATES)
    lonely.participating_departments = [hall.lead]
    lonely.windows = [hall.window]
    bad = hall.receive(lonely, day="2026-03-02")
    good = hall.receive(hall.joint, day="2026-03-02")
    db.session.flush()
    part = sweeps.sweep_deemed_acceptance(when=at("2026-03-10"))
    assert part.done == 1
    assert [(f.number, f.reason) for f in part.failed] == [
        (bad.number, _("A joint case needs at least two departments."))]
    assert (bad.state, good.state, len(good.steps)) == ("received", "parallel_review", 3)
    assert db.session.scalar(sa.select(sa.func.count()).where(CaseEvent.case_id == bad.id)) == 1  # receipt only


def test_each_batch_commits_on_its_own(hall):
    cases = [hall.receive(day="2026-03-02") for _n in range(5)]
    db.session.flush()
    commits = []
    part = sweeps.sweep_deemed_acceptance(when=at("2026-03-10"), batch_size=2,
                                          commit=lambda: commits.append(db.session.commit()))
    assert (part.done, len(commits)) == (5, 3)
    assert {c.state for c in cases} == {"under_review"}


def accept_events() -> dict[int, int]:
    return dict(db.session.execute(sa.select(CaseEvent.case_id, sa.func.count()).where(CaseEvent.trigger == "accept")
                                   .group_by(CaseEvent.case_id)).all())


def test_a_killed_run_loses_one_batch_which_the_next_run_takes(app, hall, backend):
    if backend != "postgresql":
        pytest.skip("the kill of a backend holding claimed rows is PostgreSQL's")
    cases = [hall.receive(day="2026-03-02") for _n in range(6)]
    db.session.commit()
    claimed, release, pids, errors = threading.Event(), threading.Event(), [], []

    def killed_run() -> None:
        with app.app_context():
            calls = []

            def commit() -> None:
                calls.append(1)
                if len(calls) == 2:  # the second batch is claimed and written, not committed
                    pids.append(db.session.scalar(sa.text("select pg_backend_pid()")))
                    claimed.set()
                    release.wait(10)
                db.session.commit()

            try:
                sweeps.sweep_deemed_acceptance(when=at("2026-03-10"), batch_size=2, commit=commit)
            except sa.exc.DBAPIError as exc:
                errors.append(exc)
            finally:
                try:
                    db.session.remove()
                except sa.exc.DBAPIError:
                    pass

    runner = threading.Thread(target=killed_run)
    runner.start()
    assert claimed.wait(10)
    db.session.execute(sa.select(sa.func.pg_terminate_backend(pids[0])))
    db.session.commit()
    release.set()
    runner.join(10)
    assert errors, "the killed run's commit must fail"
    db.session.expire_all()
    assert sorted(c.state for c in cases) == ["received"] * 4 + ["under_review"] * 2  # the first batch stays
    part = sweeps.sweep_deemed_acceptance(when=at("2026-03-10"), commit=db.session.commit)
    assert (part.done, part.failed) == (4, [])
    assert accept_events() == {c.id: 1 for c in cases}


def test_two_concurrent_runs_never_handle_a_case_twice(app, hall):
    cases = [hall.receive(item, day="2026-03-02") for _n in range(12) for item in (hall.committed, hall.joint)]
    db.session.commit()
    start, done = threading.Barrier(2), []

    def run() -> None:
        with app.app_context():
            start.wait(10)

            def commit() -> None:
                db.session.commit()
                time.sleep(0.01)  # let the other run claim in between

            try:
                done.append(sweeps.sweep_deemed_acceptance(when=at("2026-03-10"), batch_size=3, commit=commit).done)
            finally:
                db.session.remove()

    runners = [threading.Thread(target=run) for _n in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(30)
    assert sum(done) == len(cases)
    db.session.expire_all()
    assert accept_events() == {c.id: 1 for c in cases}
    steps_per_case = dict(db.session.execute(sa.select(CaseStep.case_id, sa.func.count()).group_by(CaseStep.case_id))
                          .all())
    assert steps_per_case == {c.id: 3 for c in cases if c.workflow_key == "joint"}


def test_the_scheduler_sweep_reports_failures_with_the_counts(app, hall):
    hall.receive(day="2026-03-02")
    db.session.commit()
    result = sweep()
    assert (result.deemed_accepted, result.terminated, result.failed, result.everything_failed) == (1, 0, (), False)
