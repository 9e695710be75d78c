"""Concurrency on SQLite and PostgreSQL: threads with their own app context and session, committing like requests.

The data a test needs is committed before its threads start; the main thread's session is left alone while
they run (on SQLite its next query would begin IMMEDIATE and hold the write lock).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from service_center.extensions import db
from service_center.models import Case, CaseCounter, CaseEvent, CaseStep, Item, Role, StepStatus, User, Window
from service_center.services import Conflict, reception, steps
from service_center.services.core import Actor
from service_center.services.intake import Applicant
from service_center.services.refusals import ActionNotAllowed
from tests.services.conftest import at

RECEIPTS = 100
JOIN_ROUNDS = 5


def in_request(app: Flask, work: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    """Run ``work`` as one request would: its own app context and session, commit, or roll back on error."""
    with app.app_context():
        try:
            result = work()
            db.session.commit()
            return result, None
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            db.session.rollback()
            return None, exc
        finally:
            db.session.remove()


def run_together(app: Flask, works: list[Callable[[], Any]]) -> list[tuple[Any, BaseException | None]]:
    """Start one thread per piece of work, released at the same instant by a barrier."""
    barrier = threading.Barrier(len(works))
    results: list[tuple[Any, BaseException | None]] = [(None, None)] * len(works)

    def run(i: int, work: Callable[[], Any]) -> None:
        def lined_up() -> Any:
            barrier.wait(timeout=30)  # before the first query: the session has begun nothing yet
            return work()

        results[i] = in_request(app, lined_up)

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_concurrent_receipts_get_distinct_case_numbers(app, hall):
    item_id, window_id, clerk_id = hall.committed.id, hall.window.id, hall.clerk.id
    db.session.commit()

    def receive(n: int) -> str:
        def work() -> str:
            case = reception.receive_application(
                item=db.session.get(Item, item_id), window=db.session.get(Window, window_id),
                clerk=db.session.get(User, clerk_id), applicant=Applicant(f"申请人{n}"), when=at("2026-03-02"),
            )
            return case.number

        number, error = in_request(app, work)
        if error is not None:
            raise error
        return number

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(receive, range(RECEIPTS)))
    assert len(set(numbers)) == RECEIPTS
    assert sorted(numbers) == [f"SC20260302-{n:05d}" for n in range(1, RECEIPTS + 1)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == RECEIPTS
    assert db.session.get(CaseCounter, "SC20260302").last == RECEIPTS


def test_the_join_happens_once_when_the_last_two_departments_decide_together(app, hall):
    plan = []
    for _ in range(JOIN_ROUNDS):
        case = reception.accept(hall.receive(hall.joint), hall.actor("clerk"), when=at("2026-03-02"))
        by_department = {s.department_id: s.id for s in case.steps}
        steps.record_step_decision(by_department[hall.lead.id], hall.actor("reviewer"), "approve", "同意",
                                   when=at("2026-03-03"))
        plan.append((case.id, [(by_department[hall.other.id], hall.other_reviewer.id),
                               (by_department[hall.third.id], hall.third_reviewer.id)]))
    db.session.commit()

    def decide(step_id: int, user_id: int) -> Callable[[], Any]:
        def work() -> int:
            actor = Actor.staff(db.session.get(User, user_id))
            return steps.record_step_decision(step_id, actor, "approve", "同意", when=at("2026-03-04")).id

        return work

    outcomes = [run_together(app, [decide(*pair) for pair in pairs]) for _case_id, pairs in plan]

    db.session.expire_all()
    for (case_id, pairs), results in zip(plan, outcomes, strict=True):
        assert [error for _, error in results] == [None, None]
        case = db.session.get(Case, case_id)
        assert case.state == "consolidation"
        joins = db.session.scalar(sa.select(sa.func.count()).where(
            CaseEvent.case_id == case_id, CaseEvent.trigger == "complete_parallel_review"))
        assert joins == 1
        assert {db.session.get(CaseStep, step_id).status for step_id, _ in pairs} == {StepStatus.APPROVED}
        triggers = [e.trigger for e in case.events]
        assert triggers[-1] == "complete_parallel_review"  # after both decisions, never between them
        assert triggers.count("step_approve") == 3


@pytest.mark.parametrize("with_expected_version", [True, False], ids=["form-version", "no-version"])
def test_two_clerks_accepting_the_same_case_one_wins(app, hall, make_user, with_expected_version):
    second_clerk = make_user(Role.CLERK, windows=[hall.window], department=hall.lead)
    case = hall.receive()
    case_id, version = case.id, case.lock_version
    clerk_ids = [hall.clerk.id, second_clerk.id]
    db.session.commit()

    def accept(user_id: int) -> Callable[[], Any]:
        def work() -> str:
            case = db.session.get(Case, case_id)
            reception.accept(case, Actor.staff(db.session.get(User, user_id)), when=at("2026-03-02"),
                         expected_version=version if with_expected_version else None)
            return case.state

        return work

    results = run_together(app, [accept(uid) for uid in clerk_ids])
    errors = [error for _, error in results if error is not None]
    assert sorted(state for state, error in results if error is None) == ["under_review"]
    assert len(errors) == 1
    assert isinstance(errors[0], Conflict | ActionNotAllowed), repr(errors[0])
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.state == "under_review"
    assert [e.trigger for e in case.events] == ["receive", "accept", "start_review"]


def test_a_stale_form_version_is_a_conflict_and_changes_nothing(app, hall):
    case = hall.receive()
    form_version = case.lock_version  # the version the clerk's page was rendered with
    reception.request_supplement(case, hall.actor("clerk"), ["营业执照"], when=at("2026-03-02", 9))
    db.session.commit()
    before = (case.state, case.lock_version, case.supplement_notice_on, len(case.events))
    with pytest.raises(Conflict) as error:
        reception.refuse(case, hall.actor("clerk"), "材料不齐", when=at("2026-03-02", 11),
                         expected_version=form_version)
    assert error.value.status_code == 409
    assert error.value.code == "conflict"
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert (case.state, case.lock_version, case.supplement_notice_on,
            len(case.events)) == before
    reception.refuse(case, hall.actor("clerk"), "材料不齐", when=at("2026-03-02", 11),
                     expected_version=case.lock_version)
    assert case.state == "refused"


def test_a_stale_step_version_is_a_conflict(app, hall):
    case = reception.accept(hall.receive(hall.joint), hall.actor("clerk"), when=at("2026-03-02"))
    step = next(s for s in case.steps if s.department_id == hall.other.id)
    with pytest.raises(Conflict):
        steps.record_step_decision(step.id, hall.actor("other_reviewer"), "approve", "同意",
                                   expected_version=step.lock_version - 1, when=at("2026-03-03"))
    assert step.status == StepStatus.PENDING
    steps.record_step_decision(step.id, hall.actor("other_reviewer"), "approve", "同意",
                               expected_version=step.lock_version, when=at("2026-03-03"))
    assert step.status == StepStatus.APPROVED


def test_a_case_changed_underneath_is_a_conflict_not_a_lost_update(app, hall):
    """The in-memory case is stale (another transaction bumped its row): the write is refused, not lost."""
    case = hall.receive()
    db.session.commit()
    table = Case.__table__
    db.session.execute(table.update().where(table.c.id == case.id).values(lock_version=table.c.lock_version + 1,
                                                                          title="改了"))
    with pytest.raises(Conflict):  # the ORM still holds lock_version 1: the UPDATE matches no row
        reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert (case.state, case.title) == ("received", hall.committed.name)
    assert [e.trigger for e in case.events] == ["receive"]
