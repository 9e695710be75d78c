"""Rules found in review: deemed acceptance at the counter, returned shares, leaving review, late extensions,
one-time notices, instant items, rectification send-back, calendar changes of receipt and delivery dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, CaseEvent, ExtensionStatus, JoinRule, Role, StepStatus
from service_center.queries.deadlines import overdue_promised, overdue_statutory
from service_center.services import ServiceError, clock_stops, complaints, core, decisions, reception, steps, sweeps
from service_center.services.clock import read_clock, set_calendar_day
from service_center.services.refusals import ActionNotAllowed
from tests.services.conftest import at


def _joint(hall, rule: JoinRule = JoinRule.ALL_APPROVE):
    hall.joint.join_rule = rule
    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    return case, {s.department_id: s for s in case.steps}


# -- deemed acceptance (Art. 32) at the counter ------------------------------------------------------------------

def test_accepting_after_the_notice_period_starts_the_clock_on_the_receipt_day(hall):
    case = hall.receive(day="2026-03-02")  # last day for a notice: Mon 3/9
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-20"))
    assert case.clock_start_on == case.accepted_on == date(2026, 3, 2)
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 16), date(2026, 3, 30))
    accept_event = next(e for e in case.events if e.trigger == "accept")
    assert accept_event.data == {"deemed": True}


def test_accepting_on_the_last_notice_day_starts_the_clock_that_day(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-09"))
    assert case.clock_start_on == date(2026, 3, 9)


def test_refusal_after_the_notice_period_is_refused_and_changes_nothing(hall):
    case = hall.receive(day="2026-03-02")
    with pytest.raises(ActionNotAllowed):
        reception.refuse(case, hall.actor("clerk"), "不属于受理范围", when=at("2026-03-10"))
    assert case.state == "received"
    assert [e.trigger for e in case.events] == ["receive"]


def test_accept_with_gaps_after_the_notice_period_counts_from_receipt(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                           when=at("2026-03-12"))
    assert case.clock_start_on == date(2026, 3, 2)
    assert case.due_gaps == case.due_promised == date(2026, 3, 16)


def test_instant_cases_have_no_notice_period(hall):
    case = hall.receive(hall.instant)
    assert case.deemed_acceptance_on is None


# -- joint shares ----------------------------------------------------------------------------------------------

def test_a_returned_share_is_not_done_and_blocks_the_join_until_its_supplement(hall):
    case, by_dept = _joint(hall)
    steps.record_step_decision(by_dept[hall.other.id].id, hall.actor("other_reviewer"), "return", "缺图纸",
                               when=at("2026-03-03"))
    steps.record_step_decision(by_dept[hall.lead.id].id, hall.actor("reviewer"), "approve", "同意",
                               when=at("2026-03-03"))
    steps.record_step_decision(by_dept[hall.third.id].id, hall.actor("third_reviewer"), "approve", "同意",
                               when=at("2026-03-03"))
    assert case.state == "parallel_review"
    steps.record_step_supplement(by_dept[hall.other.id].id, hall.actor("clerk"), when=at("2026-03-05"))
    assert by_dept[hall.other.id].status == StepStatus.PENDING
    steps.record_step_decision(by_dept[hall.other.id].id, hall.actor("other_reviewer"), "approve", "同意",
                               when=at("2026-03-06"))
    assert case.state == "consolidation"
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-09"))
    assert case.state == "granted"


def test_a_supplement_after_the_review_is_over_is_refused(hall):
    case, by_dept = _joint(hall)
    steps.record_step_decision(by_dept[hall.other.id].id, hall.actor("other_reviewer"), "return", "缺图纸",
                               when=at("2026-03-03"))
    decisions.withdraw(case, hall.actor("clerk"), "申请人撤回", when=at("2026-03-04"))
    with pytest.raises(ServiceError):
        steps.record_step_supplement(by_dept[hall.other.id].id, hall.actor("clerk"), when=at("2026-03-05"))


def test_withdrawal_cancels_open_shares_and_lets_a_pending_extension_lapse(hall):
    case, by_dept = _joint(hall)
    steps.record_step_decision(by_dept[hall.lead.id].id, hall.actor("reviewer"), "approve", "同意",
                               when=at("2026-03-03"))
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "情况复杂", when=at("2026-03-03"))
    decisions.withdraw(case, hall.actor("clerk"), "申请人撤回", when=at("2026-03-04"))
    assert sorted(s.status for s in case.steps) == sorted(
        [StepStatus.APPROVED, StepStatus.CANCELLED, StepStatus.CANCELLED])
    assert [e.status for e in case.extensions] == [ExtensionStatus.REJECTED]


# -- extensions and notices -------------------------------------------------------------------------------------

def test_no_extension_once_the_statutory_limit_has_passed(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))  # statutory due Mon 3/30
    with pytest.raises(ActionNotAllowed):
        clock_stops.request_extension(case, hall.actor("reviewer"), 5, "情况复杂", when=at("2026-03-31"))
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "情况复杂", when=at("2026-03-30"))
    with pytest.raises(ActionNotAllowed):
        clock_stops.approve_extension(case, hall.actor("head"), when=at("2026-03-31"))
    assert case.due_statutory == date(2026, 3, 30)


def test_the_supplement_notice_is_given_once_for_disclosure_requests_too(hall):
    case = hall.receive(hall.disclosure, day="2026-03-02")
    reception.request_supplement(case, hall.actor("reviewer"), ["申请内容描述不明确"], when=at("2026-03-03"))
    reception.record_supplement(case, hall.actor("reviewer"), when=at("2026-03-05"))
    with pytest.raises(ActionNotAllowed):
        reception.request_supplement(case, hall.actor("reviewer"), ["再次补正"], when=at("2026-03-06"))
    assert case.clock_start_on == date(2026, 3, 5)


# -- rectification, calendar, time zones ------------------------------------------------------------------------

def test_a_rectification_sent_back_runs_its_clock_again(hall):
    case = hall.receive(hall.instant)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-02"))
    task = complaints.open_rectification(case, actor=hall.actor("manager"), reason="差评：等待时间过长",
                                         when=at("2026-03-02"))
    for trigger, note in (("call_back", "已回访"), ("record_rectification", "增开窗口"), ("report_back", "")):
        complaints.advance_rectification(task, hall.actor("clerk"), trigger, note, when=at("2026-03-05"))
    supervisor = core.Actor(hall.manager, "supervisor")
    complaints.advance_rectification(task, supervisor, "send_back", "整改不到位", when=at("2026-03-06"))
    db.session.flush()
    assert task.decided_on is None
    assert db.session.scalar(sa.select(Case.id).where(overdue_promised(date(2026, 4, 30)))) == task.id


def test_a_calendar_change_moves_the_notice_period_and_the_delivery_date(hall):
    waiting = hall.receive(day="2026-03-02")  # notice due by Mon 3/9
    granted = hall.receive(day="2026-03-02")
    reception.accept(granted, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(granted, hall.actor("head"), grant=True, when=at("2026-03-03"))  # delivery due Tue 3/17
    set_calendar_day(date(2026, 3, 4), False, "停电", today=date(2026, 3, 4))
    assert waiting.deemed_acceptance_on == date(2026, 3, 10)
    assert granted.due_delivery == date(2026, 3, 18)


def test_an_action_time_in_another_zone_counts_on_the_local_day(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=datetime(2026, 3, 2, 17, 30, tzinfo=UTC))  # 3/3 01:30 local
    assert case.accepted_on == date(2026, 3, 3)
    last = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)).all()[-1]
    assert last.at.astimezone(UTC).hour == 17


def test_the_sweep_command_deems_old_applications_accepted_once(app, hall):
    old = hall.receive(day="2026-03-02")
    noticed = hall.receive(day="2026-03-02")
    reception.request_supplement(noticed, hall.actor("clerk"), ["营业执照副本"], when=at("2026-03-03"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cases", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 applications deemed accepted" in result.output
    db.session.expire_all()
    assert (old.state, old.clock_start_on) == ("under_review", date(2026, 3, 2))
    assert noticed.state == "supplement_requested"
    again = runner.invoke(args=["cases", "sweep"]).output  # the period is done: reported, not repeated
    assert "1 applications deemed accepted (period " in again
    assert "already done)" in again
    assert len(old.events) == 3  # received, accepted, into review: once


def test_the_sweep_terminates_cases_whose_gap_materials_never_came(app, hall):
    lapsed, arrived, not_yet = (hall.receive(day="2026-03-02") for _ in range(3))
    for case, due in ((lapsed, "2026-03-10"), (arrived, "2026-03-10"), (not_yet, "2026-03-16")):
        reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], gaps_due=date.fromisoformat(due),
                               commitment_signed=True, when=at("2026-03-02"))
    reception.record_gap_materials(arrived, hall.actor("clerk"), when=at("2026-03-09"))
    db.session.commit()
    assert sweeps.terminate_lapsed_gaps(when=at("2026-03-10")) == 0  # the due day itself still counts
    assert sweeps.terminate_lapsed_gaps(when=at("2026-03-11")) == 1
    assert sweeps.terminate_lapsed_gaps(when=at("2026-03-11")) == 0  # idempotent
    assert (lapsed.state, lapsed.outcome, lapsed.in_progress) == ("terminated", "terminated", False)
    event = lapsed.events[-1]
    assert (event.trigger, event.actor_role) == ("terminate", "system")
    assert "身份证复印件" in event.comment
    assert (arrived.state, not_yet.state) == ("under_review", "under_review")
    output = app.test_cli_runner().invoke(args=["cases", "sweep"]).output  # today: long after 3/16
    assert "1 cases terminated" in output
    db.session.expire_all()
    assert not_yet.state == "terminated"


@pytest.mark.parametrize(("kind", "procedure"), [("committed", "consultation"), ("disclosure", "inspection")])
def test_each_kind_pauses_only_for_its_own_procedures(hall, kind, procedure):
    case = hall.receive(getattr(hall, kind), day="2026-03-02")
    if kind == "committed":
        reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    else:
        core.perform(case, "start_processing", hall.actor("reviewer"), when=at("2026-03-02"))
    with pytest.raises(ServiceError):
        hall.start_procedure(case, hall.actor("reviewer"), procedure, reason="x", when=at("2026-03-03"))
    assert case.pauses == []


# -- the clock around pauses and decisions ---------------------------------------------------------------------

def _ids(condition) -> set[int]:
    return set(db.session.scalars(sa.select(Case.id).where(condition)))


@pytest.mark.parametrize(
    ("pause_day", "overdue_on_4_2"),
    [
        ("2026-03-09", set()),  # before both due dates (3/16, 3/30): the clock stopped in time
        ("2026-03-20", {"promised"}),  # after the promised due date, before the statutory one
        ("2026-04-01", {"promised", "statutory"}),  # after both: an overdue case stays overdue
    ],
)
def test_a_special_procedure_started_late_does_not_hide_an_overrun(hall, pause_day, overdue_on_4_2):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="检验", when=at(pause_day))
    day = date(2026, 4, 2)
    found = {name for name, rule in (("promised", overdue_promised), ("statutory", overdue_statutory))
             if case.id in _ids(rule(day))}
    assert found == overdue_on_4_2


def test_an_extension_may_be_asked_during_a_long_special_procedure(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))  # statutory 3/30
    hall.start_procedure(case, hall.actor("reviewer"), "expert_review", reason="专家评审",
                                  when=at("2026-03-20"))  # 14 of 20 statutory days used; the clock stands
    extension = clock_stops.request_extension(case, hall.actor("reviewer"), 5, "专家评审时间长", when=at("2026-04-15"))
    assert extension.status == ExtensionStatus.PENDING


def test_the_clock_reading_stops_at_the_decision(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    assert read_clock(case, today=date(2026, 3, 5)).used == 3
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-05"))
    assert case.in_progress  # granted, not yet delivered
    assert read_clock(case, today=date(2026, 4, 15)) is None


def _supplement_asked_during_a_consultation(hall) -> Case:
    case = hall.receive(hall.disclosure, day="2026-03-02")
    core.perform(case, "start_processing", hall.actor("reviewer"), when=at("2026-03-02"))
    clock_stops.start_special_procedure(case, hall.actor("reviewer"), "consultation", reason="征求第三方意见",
                                  when=at("2026-03-04"))
    reception.request_supplement(case, hall.actor("reviewer"), ["申请内容描述不清"], when=at("2026-03-05"))
    return case


def test_a_disclosure_supplement_during_a_consultation_ends_it_and_the_count_restarts(hall):
    case = _supplement_asked_during_a_consultation(hall)
    assert [(p.started_on, p.ended_on) for p in case.pauses] == [(date(2026, 3, 4), date(2026, 3, 5))]
    reception.record_supplement(case, hall.actor("clerk"), when=at("2026-03-10"))
    assert case.clock_start_on == date(2026, 3, 10)
    assert case.due_promised == date(2026, 4, 8)  # 20 working days after 3/10 (Qingming 4/4-4/6 off)
    assert case.id in _ids(overdue_promised(date(2026, 5, 29)))


def test_an_abandoned_disclosure_request_leaves_no_pause_open(hall):
    case = _supplement_asked_during_a_consultation(hall)
    decisions.abandon_disclosure(case, hall.actor("clerk"), when=at("2026-04-20"))
    assert not case.in_progress
    assert all(p.ended_on is not None for p in case.pauses)


@pytest.mark.parametrize(
    "act",
    [
        pytest.param(lambda hall, case: reception.refuse(case, hall.actor("clerk"), "理由", when=at("2026-03-20")),
                     id="refuse"),
        pytest.param(lambda hall, case: reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件"],
                                                                 when=at("2026-03-20")), id="request_supplement"),
        pytest.param(lambda hall, case: decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-03")),
                     id="grant-in-parallel-review"),
    ],
)
def test_an_action_the_state_does_not_allow_names_the_state_and_what_is_possible(hall, act):
    hall.joint.join_rule = JoinRule.ALL_APPROVE
    case = hall.receive(hall.joint, day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))  # parallel review
    with pytest.raises(ActionNotAllowed) as error:
        act(hall, case)
    assert "并联审" in str(error.value)  # the state's label
    assert error.value.allowed


def test_a_centre_may_count_the_day_of_acceptance_itself(app, hall, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK_COUNTS_START_DAY", True)
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))  # Mon 3/2 is day 1
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 13), date(2026, 3, 27))
    assert read_clock(case, today=date(2026, 3, 2)).used == 1
    joint = reception.accept(hall.receive(hall.joint, day="2026-03-02"), hall.actor("clerk"), when=at("2026-03-02"))
    assert {s.due_on for s in joint.steps} == {joint.due_promised}
    monkeypatch.setitem(app.config, "CLOCK_COUNTS_START_DAY", False)
    set_calendar_day(date(2026, 1, 1), False, "元旦")  # any calendar change recomputes with the setting in force
    db.session.expire_all()
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 16), date(2026, 3, 30))


def test_v3_a_special_procedure_names_a_head_or_a_manager(hall, make_user):
    case = hall.receive(day="2026-03-02")
    case.workflow_version = 3  # before version 4 the handler names the approver and the procedure starts at once
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    other_head = make_user(Role.DEPT_HEAD, department=hall.other)
    assert clock_stops.pause_approvers(case) == [hall.head, hall.manager]
    for wrong in (hall.reviewer, other_head):
        with pytest.raises(ServiceError) as error:
            clock_stops.start_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证", approver=wrong,
                                          when=at("2026-03-03"))
        assert error.value.field == "approver_id"
    assert not case.pauses
    pause = clock_stops.start_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证",
                                          approver=hall.head, applicant_notified=True, when=at("2026-03-03"))
    assert (pause.approver_id, pause.applicant_notified) == (hall.head.id, True)


@pytest.mark.parametrize(("day", "allowed"), [("2026-03-11", True), ("2026-03-12", False)])
def test_a_disclosure_request_is_sent_back_for_a_supplement_within_7_working_days(hall, day, allowed):
    case = hall.receive(hall.disclosure, day="2026-03-02")  # the 7th working day after Mon 3/2 is Wed 3/11
    if allowed:
        reception.request_supplement(case, hall.actor("reviewer"), ["申请内容描述不清"], when=at(day))
        assert case.state == "supplement_requested"
    else:
        with pytest.raises(ActionNotAllowed) as error:
            reception.request_supplement(case, hall.actor("reviewer"), ["申请内容描述不清"], when=at(day))
        assert "2026-03-11" in str(error.value)
        assert (case.state, case.supplement_notice_on) == ("received", None)


def test_no_acceptance_with_gaps_once_the_promised_date_counted_from_receipt_has_passed(hall):
    case = hall.receive(day="2026-03-02")  # deemed accepted as of 3/2: promised 3/16
    with pytest.raises(ActionNotAllowed) as error:
        reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                               when=at("2026-03-20"))
    assert error.value.field == "gaps_due"
    assert "2026-03-16" in str(error.value)
    assert (case.state, case.due_gaps) == ("received", None)


def test_a_same_day_item_counted_from_the_day_itself_is_due_that_day(app, hall, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK_COUNTS_START_DAY", True)
    hall.committed.promised_limit_days = 0  # 当场办结 promised, 20 days statutory
    case = reception.accept(hall.receive(day="2026-03-03"), hall.actor("clerk"), when=at("2026-03-03"))
    assert (case.due_promised, case.due_statutory) == (date(2026, 3, 3), date(2026, 3, 30))
    assert case.id not in _ids(overdue_promised(date(2026, 3, 3)))


def test_without_a_head_or_manager_the_pause_records_who_started_it(hall):
    hall.head.active = hall.manager.active = False
    case = hall.receive(day="2026-03-02")
    case.workflow_version = 3  # version 4: a head or a manager approves
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    assert clock_stops.pause_approvers(case) == []
    pause = clock_stops.start_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证",
                                          when=at("2026-03-03"))
    assert pause.approver_id == hall.reviewer.id


def test_the_clock_reading_agrees_with_the_due_dates_when_the_day_itself_counts(app, hall, monkeypatch):
    monkeypatch.setitem(app.config, "CLOCK_COUNTS_START_DAY", True)
    case = reception.accept(hall.receive(hall.instant, day="2026-03-03"), hall.actor("clerk"), when=at("2026-03-03"))
    assert case.due_promised == date(2026, 3, 3)
    reading = read_clock(case, today=date(2026, 3, 3))
    assert (reading.left_promised, reading.left_statutory) == (0, 0)
    assert read_clock(case, today=date(2026, 3, 4)).left_promised == -1


def test_accepting_with_gaps_a_case_already_under_review_is_a_state_error(hall):
    case = reception.accept(hall.receive(day="2026-03-02"), hall.actor("clerk"), when=at("2026-03-02"))
    with pytest.raises(ActionNotAllowed) as error:
        reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                               when=at("2026-03-20"))
    assert error.value.allowed
    assert error.value.field != "gaps_due"
