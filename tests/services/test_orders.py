"""Supervision orders (督办) through their whole life, their escalation (once), scope, and the daily inspection
(日巡查) job on working days only; outbox rows unique on re-runs. SQLite and PostgreSQL.

2026 calendar: the Spring Festival is off 2/15-2/23, Sat 2/14 and Sat 2/28 are make-up working days.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import (
    InspectionSummary,
    OrderEscalation,
    OrderStatus,
    OrderSubject,
    OutboxMessage,
    Role,
    SupervisionOrder,
)
from service_center.services import ServiceError, reception
from service_center.services.orders import (
    close_order,
    escalate_overdue_orders,
    issue_order,
    respond,
    send_back,
    take_inspection,
)
from service_center.services.warnings import raise_warning_cards
from tests.services.conftest import at


@pytest.fixture
def office(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.SUPERVISOR)


def _case(hall, day: str = "2026-03-02"):  # type: ignore[no-untyped-def]
    case = hall.receive(day=day)
    reception.accept(case, hall.actor("clerk"), when=at(day))
    return case


def _keys(kind_prefix: str) -> list[tuple[str, int]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(OutboxMessage.key, OutboxMessage.user_id).where(OutboxMessage.kind.like(f"{kind_prefix}%"))
        .order_by(OutboxMessage.key))]


def test_an_order_is_issued_answered_and_closed_with_its_notifications(hall, office):
    case = _case(hall, "2026-02-02")
    order = issue_order(office, case=case, expectation="请说明超期原因", response_days=3, when=at("2026-02-13"))
    # Fri 2/13 + 3 working days: Sat 2/14 (make-up), then the festival, Tue 2/24, Wed 2/25.
    assert (order.subject, order.department_id, order.due_on, order.status) == (
        OrderSubject.CASE, hall.lead.id, date(2026, 2, 25), OrderStatus.ISSUED)
    assert _keys("order_issued") == [(f"order:{order.id}:issued:user:{hall.head.id}", hall.head.id)]
    respond(order, hall.head, "已督促经办人办理", when=at("2026-02-24"))
    assert (order.status, order.response, order.responded_by_id) == (OrderStatus.ANSWERED, "已督促经办人办理",
                                                                     hall.head.id)
    assert sorted(uid for _k, uid in _keys("order_answered")) == sorted([office.id, hall.manager.id])
    close_order(order, office, when=at("2026-02-25"))
    assert (order.status, order.closed_by_id) == (OrderStatus.CLOSED, office.id)
    assert order.closed_at is not None
    with pytest.raises(ServiceError):
        close_order(order, office)
    with pytest.raises(ServiceError):
        respond(order, hall.head, "again")


def test_an_order_sent_back_gets_a_new_due_date_and_is_answered_again(hall, office):
    order = issue_order(office, department=hall.other, expectation="整改窗口秩序", response_days=2,
                        when=at("2026-03-02"))
    assert (order.subject, order.case_id, order.department_id, order.due_on) == (
        OrderSubject.DEPARTMENT, None, hall.other.id, date(2026, 3, 4))
    with pytest.raises(ServiceError):
        respond(order, hall.head, "不是本部门")
    with pytest.raises(ServiceError):
        send_back(order, office, "尚未答复")  # nothing answered yet


def test_send_back_then_close(hall, office, make_user):
    head = make_user(Role.DEPT_HEAD, department=hall.other)
    order = issue_order(office, department=hall.other, expectation="整改", response_days=2, when=at("2026-03-02"))
    respond(order, head, "已整改", when=at("2026-03-03"))
    with pytest.raises(ServiceError):
        send_back(order, office, "  ")
    send_back(order, office, "整改不到位", when=at("2026-03-05"))
    assert (order.status, order.return_note, order.times_returned, order.due_on) == (
        OrderStatus.RETURNED, "整改不到位", 1, date(2026, 3, 9))
    assert _keys("order_returned") == [(f"order:{order.id}:returned:1:user:{head.id}", head.id)]
    respond(order, head, "已再次整改", when=at("2026-03-06"))
    close_order(order, office)
    assert (order.status, order.response) == (OrderStatus.CLOSED, "已再次整改")
    assert len(_keys("order_answered")) == 4  # two answers, each to the supervisor and the manager


def test_scope_roles_and_input(hall, office, make_user):
    case = _case(hall)
    with pytest.raises(ServiceError):
        issue_order(hall.clerk, case=case, expectation="x", response_days=2)
    with pytest.raises(ServiceError):
        issue_order(hall.head, case=case, expectation="x", response_days=2)
    with pytest.raises(ServiceError) as bad:
        issue_order(office, case=case, expectation="x", response_days=0)
    assert bad.value.field == "response_days"
    with pytest.raises(ServiceError) as blank:
        issue_order(office, case=case, expectation="   ", response_days=2)
    assert blank.value.field == "expectation"
    order = issue_order(hall.manager, case=case, expectation="加快办理", response_days=2)
    other_head = make_user(Role.DEPT_HEAD, department=hall.other)
    for user in (other_head, hall.reviewer, office):
        with pytest.raises(ServiceError):
            respond(order, user, "答复")
    assert order.status == OrderStatus.ISSUED


def test_an_order_on_a_step_goes_to_the_steps_department(hall, office):
    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    db.session.flush()
    step = next((s for s in case.steps if s.department_id == hall.other.id), None)
    if step is None:
        pytest.skip("the joint item opens its steps later in its workflow")
    order = issue_order(office, step=step, expectation="请尽快会签", response_days=1)
    assert (order.subject, order.case_id, order.step_id, order.department_id) == (
        OrderSubject.STEP, case.id, step.id, hall.other.id)


def test_an_unanswered_order_escalates_once_never_twice(hall, office):
    case = _case(hall)
    order = issue_order(office, case=case, expectation="请说明", response_days=2, when=at("2026-03-02"))
    answered = issue_order(office, case=case, expectation="另一件", response_days=2, when=at("2026-03-02"))
    respond(answered, hall.head, "已答复", when=at("2026-03-03"))
    assert order.due_on == date(2026, 3, 4)
    assert escalate_overdue_orders(now=at("2026-03-04", 18)) == []  # due today: not yet
    raised = escalate_overdue_orders(now=at("2026-03-05", 9))
    assert len(raised) == 1
    rows_after_first = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    for day in ("2026-03-05", "2026-03-06", "2026-03-09"):
        assert escalate_overdue_orders(now=at(day, 15)) == []
    escalation = db.session.scalars(sa.select(OrderEscalation)).one()
    assert (escalation.order_id, escalation.level, escalation.rule, escalation.due_on, escalation.judged_on,
            escalation.department_id) == (order.id, "yellow", "order_overdue", date(2026, 3, 4), date(2026, 3, 5),
                                          hall.lead.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == rows_after_first
    assert sorted(uid for _k, uid in _keys("order_overdue")) == sorted([hall.head.id, office.id, hall.manager.id])
    respond(order, hall.head, "迟到的答复")  # an escalated order can still be answered and closed
    close_order(order, office)
    assert order.status == OrderStatus.CLOSED


def test_the_escalation_job_runs_once_per_period(app, hall, office):
    from service_center.jobs import run_job

    issue_order(office, case=_case(hall), expectation="请说明", response_days=1, when=at("2026-03-02"))
    db.session.commit()
    first = run_job("orders.escalate", now=at("2026-03-04", 10).replace(minute=1))
    later = run_job("orders.escalate", now=at("2026-03-04", 10).replace(minute=6))
    assert (first.run.counts, later.run.counts) == ({"escalated": 1}, {"escalated": 0})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderEscalation)) == 1


def test_the_inspection_summarises_new_cards_and_orders(hall, office):
    _case(hall, "2026-02-02")  # a yellow card once seen on 3/2 (promised 2/14)
    raise_warning_cards(now=at("2026-03-02", 7))
    overdue = issue_order(office, case=_case(hall), expectation="a", response_days=1, when=at("2026-02-26"))
    due_today = issue_order(office, department=hall.other, expectation="b", response_days=1, when=at("2026-02-28"))
    closed = issue_order(office, department=hall.lead, expectation="c", response_days=5, when=at("2026-03-02"))
    respond(closed, hall.head, "ok")
    close_order(closed, office)
    escalate_overdue_orders(now=at("2026-03-02", 7))
    assert (overdue.due_on, due_today.due_on) == (date(2026, 2, 27), date(2026, 3, 2))
    summary = take_inspection(day=date(2026, 3, 2), now=at("2026-03-02", 8))
    assert (summary.new_reminders, summary.new_yellow, summary.new_red, summary.new_escalations,
            summary.open_orders, summary.due_today, summary.overdue) == (0, 1, 0, 1, 2, 1, 1)
    notified = _keys("inspection")
    assert sorted(uid for _k, uid in notified) == sorted([office.id, hall.manager.id])
    assert take_inspection(day=date(2026, 3, 2), now=at("2026-03-02", 9)).id == summary.id
    assert _keys("inspection") == notified
    # The next inspection counts only what is new since this one.
    nxt = take_inspection(day=date(2026, 3, 3), now=at("2026-03-03", 8))
    assert (nxt.since, nxt.new_yellow, nxt.new_escalations, nxt.open_orders) == (summary.taken_at, 0, 0, 2)


def test_the_inspection_time_is_a_setting(app, monkeypatch):
    from service_center.jobs import get_job

    monkeypatch.setitem(app.config, "INSPECTION_CRON", "30 7 * * 1-5")
    assert get_job("supervision.inspection").cron_line() == "30 7 * * 1-5"


def test_the_inspection_job_runs_on_working_mornings_and_skips_holidays(app, hall, office):
    from service_center.jobs import get_job, run_job

    assert get_job("supervision.inspection").cron_line() == "0 8 * * *"
    db.session.commit()
    holiday = run_job("supervision.inspection", now=at("2026-02-17", 8).replace(minute=3))
    assert (holiday.status, holiday.run.counts) == ("ran", {"skipped": 1})
    make_up = run_job("supervision.inspection", now=at("2026-02-14", 8).replace(minute=3))  # a make-up Saturday
    assert make_up.run.counts == {"inspected": 1}
    first = run_job("supervision.inspection", now=at("2026-03-02", 9))
    again = run_job("supervision.inspection", now=at("2026-03-02", 11))  # the same period: done
    assert (first.status, again.status) == ("ran", "done")
    assert [s.day for s in db.session.scalars(sa.select(InspectionSummary).order_by(InspectionSummary.day))] == [
        date(2026, 2, 14), date(2026, 3, 2)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "inspection")) == 4  # two days, two office users
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupervisionOrder)) == 0
