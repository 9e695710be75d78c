"""The warning sweep (电子监察): each rule on a frozen clock across the 2026 Spring Festival (off 2/15-2/23,
make-up working days Sat 2/14 and Sat 2/28), with pauses, extensions, late closes, overrunning steps,
repeated sweeps and calendar changes; thresholds; appeals through their whole life. SQLite and PostgreSQL.

A committed case accepted Mon 2/2 (promised 10, statutory 20 working days) is due Sat 2/14 (a make-up
working day) on the promised limit and Fri 3/6 on the statutory one.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import (
    AppealStatus,
    Case,
    ItemCategory,
    OutboxMessage,
    Role,
    WarningCard,
    WarningLevel,
    WarningRule,
)
from service_center.queries.warnings import active_cards, counts_by_level
from service_center.services import ServiceError, clock_stops, decisions, reception, steps
from service_center.services.clock import set_calendar_day
from service_center.services.supervision import appeal_card, decide_appeal, save_thresholds
from service_center.services.warnings import raise_warning_cards
from tests.services.conftest import at


def _accepted(hall, day: str = "2026-02-02", item=None) -> Case:  # type: ignore[no-untyped-def]
    case = hall.receive(item, day=day)
    reception.accept(case, hall.actor("clerk"), when=at(day))
    return case


def sweep(day: str, hour: int = 10):  # type: ignore[no-untyped-def]
    counts = raise_warning_cards(now=at(day, hour))
    db.session.flush()
    return counts


def cards(case: Case | None = None) -> list[tuple[str, str, date, date, int]]:
    query = sa.select(WarningCard.rule, WarningCard.level, WarningCard.due_on, WarningCard.judged_on,
                      WarningCard.working_days_over).order_by(WarningCard.id)
    if case is not None:
        query = query.where(WarningCard.case_id == case.id)
    return [tuple(row) for row in db.session.execute(query)]


def test_the_spring_festival_case_gets_a_reminder_then_a_yellow_then_a_red_card_once_each(hall):
    case = _accepted(hall)
    assert (case.due_promised, case.due_statutory) == (date(2026, 2, 14), date(2026, 3, 6))
    assert sweep("2026-02-12").total == 0  # 2 working days left (Fri 2/13, Sat 2/14)
    assert sweep("2026-02-13").raised == {"promised_soon": 1}
    assert sweep("2026-02-14").total == 0  # due today: the reminder was raised once
    assert sweep("2026-02-16").raised == {"promised_passed": 1}  # a holiday: overdue, 0 working days over
    sweep("2026-02-24")
    sweep("2026-03-06")
    sweep("2026-03-09")  # Mon: past the statutory limit by one working day
    sweep("2026-03-09", hour=15)
    assert cards(case) == [
        ("promised_soon", "reminder", date(2026, 2, 14), date(2026, 2, 13), -1),
        ("promised_passed", "yellow", date(2026, 2, 14), date(2026, 2, 16), 0),
        ("statutory_passed", "red", date(2026, 3, 6), date(2026, 3, 9), 1),
    ]
    card = db.session.scalars(sa.select(WarningCard).where(WarningCard.rule == WarningRule.STATUTORY_PASSED)).one()
    assert (card.window_id, card.department_id, card.handler_id) == (hall.window.id, hall.lead.id, hall.clerk.id)


def test_first_seen_after_the_festival_the_yellow_card_counts_the_make_up_day_not_the_holiday(hall):
    case = _accepted(hall)
    sweep("2026-02-25")
    assert cards(case) == [("promised_passed", "yellow", date(2026, 2, 14), date(2026, 2, 25), 2)]


def test_a_case_first_seen_past_both_limits_gets_the_red_card_only(hall):
    case = _accepted(hall)
    sweep("2026-03-10")
    assert cards(case) == [("statutory_passed", "red", date(2026, 3, 6), date(2026, 3, 10), 2)]


def test_a_running_special_procedure_hides_the_due_date_and_its_end_moves_it(hall):
    case = _accepted(hall)
    hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="检验", when=at("2026-02-12"))
    assert sweep("2026-02-13").total == 0  # no reminder: the clock stands
    assert sweep("2026-02-26").total == 0  # the due date passed during the procedure
    clock_stops.end_special_procedure(case, hall.actor("reviewer"), result="合格", when=at("2026-03-02"))
    assert case.due_promised > date(2026, 3, 3)
    sweep("2026-03-03")
    assert [rule for rule, *_ in cards(case)] in ([], ["promised_soon"])  # never a yellow card


def test_an_extension_moves_the_yellow_card_to_the_new_date(hall):
    case = _accepted(hall)
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "情况复杂", when=at("2026-02-10"))
    clock_stops.approve_extension(case, hall.actor("head"), when=at("2026-02-10"))
    assert case.due_promised == date(2026, 2, 28)  # the make-up Saturday
    assert sweep("2026-02-24").raised == {}
    sweep("2026-03-02")
    assert cards(case) == [("promised_passed", "yellow", date(2026, 2, 28), date(2026, 3, 2), 1)]


def test_a_case_decided_late_is_judged_by_its_decision_day_never_by_today(hall):
    case = _accepted(hall)
    decisions.decide(case, hall.actor("head"), grant=False, reason="不符合条件", when=at("2026-02-26"))
    sweep("2026-03-20")  # past the statutory date too, but the clock stopped on 2/26
    assert cards(case) == [("promised_passed", "yellow", date(2026, 2, 14), date(2026, 2, 26), 3)]
    assert sweep("2026-03-23").total == 0


def test_a_case_withdrawn_after_the_statutory_date_is_judged_by_its_close(hall):
    case = _accepted(hall)
    decisions.withdraw(case, hall.actor("clerk"), "申请人撤回", when=at("2026-03-10"))
    sweep("2026-03-12")
    assert cards(case) == [("statutory_passed", "red", date(2026, 3, 6), date(2026, 3, 10), 2)]


def test_a_case_finished_before_the_lookback_is_not_judged_again(app, hall):
    case = _accepted(hall)
    decisions.decide(case, hall.actor("head"), grant=False, reason="不符合条件", when=at("2026-02-26"))
    sweep("2026-05-20")  # 31 days back by default
    assert cards(case) == []


def test_a_step_that_overran_is_a_yellow_card_of_its_department_while_the_case_is_on_time(hall):
    hall.joint.step_limit_days = 5
    case = _accepted(hall, day="2026-03-02", item=hall.joint)
    by_dept = {s.department_id: s for s in case.steps}
    assert {s.due_on for s in case.steps} == {date(2026, 3, 9)}
    steps.record_step_decision(by_dept[hall.lead.id].id, hall.actor("reviewer"), "approve", "同意",
                               when=at("2026-03-05"))
    by_dept[hall.other.id].assignee_id = hall.other_reviewer.id
    db.session.flush()
    sweep("2026-03-10")
    sweep("2026-03-11")
    rows = db.session.execute(sa.select(WarningCard.step_id, WarningCard.department_id, WarningCard.handler_id,
                                        WarningCard.rule, WarningCard.working_days_over)
                              .order_by(WarningCard.department_id)).all()
    assert sorted(rows) == sorted([
        (by_dept[hall.other.id].id, hall.other.id, hall.other_reviewer.id, "step_overran", 1),
        (by_dept[hall.third.id].id, hall.third.id, None, "step_overran", 1),
    ])
    assert case.due_promised > date(2026, 3, 11)  # the case itself is on time


def test_delivery_past_its_date_is_a_yellow_card_open_or_delivered(hall):
    open_case, delivered = _accepted(hall), _accepted(hall)
    for case in (open_case, delivered):
        decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-02-10"))
    assert open_case.due_delivery == date(2026, 3, 2)
    decisions.deliver(delivered, hall.actor("clerk"), when=at("2026-03-04"))
    sweep("2026-03-06")
    assert cards(open_case) == [("delivery_late", "yellow", date(2026, 3, 2), date(2026, 3, 6), 4)]
    assert cards(delivered) == [("delivery_late", "yellow", date(2026, 3, 2), date(2026, 3, 4), 2)]


def test_a_calendar_change_that_moves_a_due_date_raises_nothing_again(hall):
    case = _accepted(hall)
    sweep("2026-02-24")
    set_calendar_day(date(2026, 2, 10), False, "停电闭厅", today=date(2026, 2, 24))
    db.session.refresh(case)
    assert case.due_promised == date(2026, 2, 24)
    assert sweep("2026-02-25").total == 0
    assert cards(case) == [("promised_passed", "yellow", date(2026, 2, 14), date(2026, 2, 24), 1)]


def test_cards_are_append_only(hall):
    _accepted(hall)
    sweep("2026-02-24")
    db.session.commit()
    card = db.session.scalars(sa.select(WarningCard)).one()
    card.working_days_over = 0
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    card = db.session.scalars(sa.select(WarningCard)).one()
    db.session.delete(card)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_the_reminder_period_per_category_applies_from_the_next_sweep(hall, make_user):
    supervisor = make_user(Role.SUPERVISOR)
    licensing, other = _accepted(hall), _accepted(hall, item=hall.forwarded)
    hall.forwarded.category = ItemCategory.CONFIRMATION
    db.session.flush()
    assert sweep("2026-02-11").total == 0
    save_thresholds({"default": 1, "licensing": 3}, supervisor)
    sweep("2026-02-11")
    assert cards(licensing) == [("promised_soon", "reminder", date(2026, 2, 14), date(2026, 2, 11), -3)]
    assert cards(other) == []
    with pytest.raises(ServiceError):
        save_thresholds({"default": 11}, supervisor)
    with pytest.raises(ServiceError):
        save_thresholds({"default": 2}, hall.clerk)
    save_thresholds({"licensing": None}, supervisor)
    assert sweep("2026-02-12").total == 0  # back to the default: 2 working days left


def test_the_handler_and_the_department_head_hear_of_each_card_once(hall):
    _accepted(hall)
    sweep("2026-02-24")
    sweep("2026-02-24", hour=11)
    card = db.session.scalars(sa.select(WarningCard)).one()
    rows = db.session.execute(sa.select(OutboxMessage.key, OutboxMessage.user_id, OutboxMessage.template)
                              .where(OutboxMessage.kind == "warning_card")).all()
    assert sorted(rows) == sorted([
        (f"card:{card.id}:user:{hall.clerk.id}", hall.clerk.id, "card.promised_passed"),
        (f"card:{card.id}:user:{hall.head.id}", hall.head.id, "card.promised_passed"),
    ])


def test_an_appeal_through_its_whole_life(hall, make_user):
    supervisor = make_user(Role.SUPERVISOR)
    first, second = _accepted(hall), _accepted(hall)
    sweep("2026-02-24")
    card_of = {c.case_id: c for c in db.session.scalars(sa.select(WarningCard))}
    one, two = card_of[first.id], card_of[second.id]
    with pytest.raises(ServiceError):
        appeal_card(one, hall.clerk, "申请人原因")  # not the department's head
    with pytest.raises(ServiceError):
        appeal_card(one, hall.head, "   ")  # no reason
    appeal = appeal_card(one, hall.head, "申请人迟迟未补交材料", when=at("2026-02-25"))
    with pytest.raises(ServiceError):
        appeal_card(one, hall.head, "再次申诉")
    with pytest.raises(ServiceError):
        decide_appeal(appeal, hall.head, revoke=True, reason="自己撤销")
    with pytest.raises(ServiceError):
        decide_appeal(appeal, supervisor, revoke=True, reason="")
    decide_appeal(appeal, supervisor, revoke=True, reason="经核实属申请人原因", when=at("2026-02-26"))
    with pytest.raises(ServiceError):
        decide_appeal(appeal, supervisor, revoke=False, reason="改变主意")
    upheld = appeal_card(two, hall.head, "系统故障", when=at("2026-02-25"))
    decide_appeal(upheld, supervisor, revoke=False, reason="理由不成立")
    db.session.expire_all()
    assert (one.appeal.status, one.appeal.decision_reason) == (AppealStatus.REVOKED, "经核实属申请人原因")
    assert two.appeal.status == AppealStatus.UPHELD
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WarningCard)) == 2  # revoked stays on record
    assert [c.id for c in db.session.scalars(active_cards())] == [two.id]
    assert counts_by_level() == {WarningLevel.YELLOW.value: 1}


def test_the_warnings_job_runs_each_period_once_and_raises_each_card_once(app, hall):
    from service_center.jobs import get_job, run_job

    assert get_job("warnings").cron_line() == app.config["WARNINGS_CRON"] == "*/5 * * * *"
    _accepted(hall)
    db.session.commit()
    first = run_job("warnings", now=at("2026-02-24", 10).replace(minute=2))
    again = run_job("warnings", now=at("2026-02-24", 10).replace(minute=4))  # the same period
    later = run_job("warnings", now=at("2026-02-24", 10).replace(minute=7))  # the next one: nothing new
    assert (first.status, again.status, later.status) == ("ran", "done", "ran")
    assert first.run.counts == {"raised": 1, "promised_passed": 1}
    assert later.run.counts == {"raised": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WarningCard)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "warning_card")) == 2
