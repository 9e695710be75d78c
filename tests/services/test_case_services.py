"""The case services end to end, on SQLite and PostgreSQL: what they store, not just what they return.

Dates are worked out by hand below from the package's published schedules (chinesecalendar 1.11 is
authoritative for 2025-2026): 2025 Spring Festival off 1/28-2/4, make-up Sun 1/26 and Sat 2/8; 2025 National
Day off 10/1-10/8, make-up Sun 9/28 and Sat 10/11; 2026 Spring Festival off 2/15-2/23, make-up Sat 2/14 and
Sat 2/28; 2026 Qingming off 4/4-4/6; 2026 Labour Day off 5/1-5/5, make-up Sat 5/9; 2026 Mid-Autumn Fri 9/25
off; 2026 National Day off 10/1-10/7, make-up Sun 9/20 and Sat 10/10. "N wd after D" never counts D itself.
The committed items have promised 10 / statutory 20 working days; the joint item promised 30 / statutory 45.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.labels import workflow_label
from service_center.models import (
    Case,
    CaseEvent,
    CaseStep,
    ExtensionStatus,
    ItemStatus,
    JoinRule,
    PauseStatus,
    ProcedureType,
    Role,
    StepStatus,
)
from service_center.services import ServiceError, clock_stops, complaints, core, decisions, reception, steps, sweeps
from service_center.services.catalogue import ItemData, revise_item
from service_center.services.clock import publish_year, read_clock, set_calendar_day
from service_center.services.core import APPLICANT, Actor
from service_center.services.intake import Applicant
from service_center.services.refusals import ActionNotAllowed, Forbidden
from tests.conftest import login
from tests.services.conftest import TZ, at
from workflows.registry import get_definition, register, unregister

D = date.fromisoformat


def stored(case: Case) -> Case:
    """The case as the database has it (everything flushed; the identity map forgotten)."""
    case_id = case.id
    db.session.expire_all()
    return db.session.get(Case, case_id)


def history(case: Case) -> list[tuple[str, str, str, str]]:
    """(trigger, from, to, actor role) of every event, oldest first, read back from the table."""
    rows = db.session.execute(
        sa.select(CaseEvent.trigger, CaseEvent.from_state, CaseEvent.to_state, CaseEvent.actor_role)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id)
    )
    return [tuple(r) for r in rows]


def snapshot(case: Case) -> tuple:
    """What must not change when an action is refused."""
    db.session.flush()
    count = db.session.scalar(sa.select(sa.func.count()).where(CaseEvent.case_id == case.id))
    return (case.state, case.lock_version, case.due_promised, case.due_statutory, case.outcome, count)


def accepted(hall, item=None, day: str = "2026-03-02") -> Case:
    case = hall.receive(item, day=day)
    return reception.accept(case, hall.actor("clerk"), when=at(day))


def step_of(case: Case, department) -> CaseStep:
    return next(s for s in case.steps if s.department_id == department.id)


def decide_all_steps(hall, case: Case, decisions=("approve", "approve", "approve"), day: str = "2026-03-05") -> None:
    for (department, who), decision in zip(
        ((hall.lead, "reviewer"), (hall.other, "other_reviewer"), (hall.third, "third_reviewer")), decisions,
        strict=True,
    ):
        steps.record_step_decision(step_of(case, department).id, hall.actor(who), decision, "意见", when=at(day))


# -- lifecycles ------------------------------------------------------------------------------------------------

RECEIVE = ("receive", "", "received", "clerk")
DELIVER_CLOSE = [("deliver", "granted", "delivered", "clerk"), ("close", "delivered", "closed", "clerk")]


def run_committed(hall, case):
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))


def run_instant(hall, case):
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-02", 11))


def run_forwarded(hall, case):
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.forward(case, hall.actor("reviewer"), "拟同意，报上级审批", when=at("2026-03-05"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))


def run_disclosure(hall, case):
    # No dedicated verbs for registering and answering a disclosure request: the generic perform() does it.
    core.perform(case, "start_processing", hall.actor("clerk"), when=at("2026-03-03"))
    core.perform(case, "answer", hall.actor("reviewer"), when=at("2026-03-10"), context={"answer_type": "公开"})
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))


def run_joint(hall, case):
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decide_all_steps(hall, case)
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))


LIFECYCLES = [
    pytest.param(
        "committed", run_committed,
        [RECEIVE, ("accept", "received", "accepted", "clerk"), ("start_review", "accepted", "under_review", "system"),
         ("grant", "under_review", "granted", "dept_head"), *DELIVER_CLOSE],
        # accepted Mon 3/2: 10 wd -> 3/16, 20 wd -> 3/30; granted Tue 3/10: delivery 10 wd -> Tue 3/24
        (D("2026-03-16"), D("2026-03-30"), D("2026-03-24")), "granted",
        id="committed",
    ),
    pytest.param(
        "instant", run_instant,
        [RECEIVE, ("accept", "received", "accepted", "clerk"), ("complete", "accepted", "closed", "clerk")],
        (D("2026-03-02"), D("2026-03-02"), None), "granted",  # a 0-day limit is due the day of acceptance
        id="instant",
    ),
    pytest.param(
        "forwarded", run_forwarded,
        [RECEIVE, ("accept", "received", "accepted", "clerk"), ("start_review", "accepted", "under_review", "system"),
         ("forward", "under_review", "forwarded_review", "reviewer"),
         ("grant", "forwarded_review", "granted", "dept_head"), *DELIVER_CLOSE],
        (D("2026-03-16"), D("2026-03-30"), D("2026-03-24")), "granted",
        id="forwarded",
    ),
    pytest.param(
        "disclosure", run_disclosure,
        [RECEIVE, ("start_processing", "received", "processing", "clerk"),
         ("answer", "processing", "answered", "reviewer"), ("close", "answered", "closed", "clerk")],
        # counted from the day of receipt, Mon 3/2: 20 wd -> Mon 3/30 (promised = statutory)
        (D("2026-03-30"), D("2026-03-30"), None), None,
        id="disclosure",
    ),
    pytest.param(
        "joint", run_joint,
        [RECEIVE, ("accept", "received", "accepted", "clerk"),
         ("start_parallel_review", "accepted", "parallel_review", "system"),
         *[("step_approve", "parallel_review", "parallel_review", "reviewer")] * 3,
         ("complete_parallel_review", "parallel_review", "consolidation", "system"),
         ("grant", "consolidation", "granted", "dept_head"), *DELIVER_CLOSE],
        # accepted 3/2: March has 21 wd after 3/2, April 21 (Qingming 4/6 off), so 30 wd -> 4/14 and
        # 45 wd -> 5/8 (5/1-5/5 off: 5/6, 5/7, 5/8)
        (D("2026-04-14"), D("2026-05-08"), D("2026-03-24")), "granted",
        id="joint",
    ),
]


@pytest.mark.parametrize(("kind", "run", "expected_events", "due", "outcome"), LIFECYCLES)
def test_lifecycle_stores_state_events_due_dates_and_outcome(hall, kind, run, expected_events, due, outcome):
    case = hall.receive(getattr(hall, kind))
    assert case.workflow_key == kind
    assert case.workflow_version == get_definition(kind).version
    run(hall, case)
    case = stored(case)
    assert case.state == "closed"
    assert case.in_progress is False
    assert case.closed_on == D("2026-03-12") if kind != "instant" else D("2026-03-02")
    assert history(case) == expected_events
    assert (case.due_promised, case.due_statutory, case.due_delivery) == due
    if outcome is not None:
        assert case.outcome == outcome
    actors = {e.trigger: e.actor_id for e in case.events}
    assert actors["receive"] == hall.clerk.id
    assert case.first_contact_id == hall.clerk.id
    if "start_review" in actors:
        assert actors["start_review"] is None  # the system moves it on, no person


def test_joint_steps_are_stored_with_their_own_deadlines(hall):
    case = accepted(hall, hall.joint)
    case = stored(case)
    assert case.state == "parallel_review"
    assert {s.department_id for s in case.steps} == {hall.lead.id, hall.other.id, hall.third.id}
    assert [s.is_lead for s in case.steps].count(True) == 1
    assert step_of(case, hall.lead).is_lead
    for step in case.steps:
        assert (step.status, step.started_on, step.limit_days, step.due_on) == (
            StepStatus.PENDING, D("2026-03-02"), 30, D("2026-04-14"))


def test_joint_steps_get_the_items_parallel_review_limit(hall):
    hall.joint.step_limit_days = 10  # each department's share; the lead consolidates in the rest
    case = stored(accepted(hall, hall.joint))
    # 10 working days after Mon 3/2 -> Mon 3/16; the case keeps its promised 30 -> 4/14
    assert {(s.limit_days, s.due_on) for s in case.steps} == {(10, D("2026-03-16"))}
    assert case.due_promised == D("2026-04-14")
    hall.start_procedure(case, hall.actor("head"), "inspection", reason="现场核查",
                                        when=at("2026-03-09"))
    clock_stops.end_special_procedure(case, hall.actor("head"), result="程序完成", when=at("2026-03-11"))
    assert {s.due_on for s in stored(case).steps} == {D("2026-03-18")}  # the pause moves the steps too
    case = stored(case)
    steps.record_step_decision(step_of(case, hall.lead).id, hall.actor("reviewer"), "approve", "同意",
                               when=at("2026-03-12"))  # decided before the extension: it keeps its date
    clock_stops.request_extension(case, hall.actor("reviewer"), 15, "需组织联合踏勘", when=at("2026-03-12"))
    clock_stops.approve_extension(case, hall.actor("manager"), when=at("2026-03-12"))
    case = stored(case)
    # 3/18 + 15 working days: 3/19-20, 3/23-27, 3/30-31, 4/1-3, [4/4-4/6 Qingming], 4/7-9 -> 4/9
    assert {s.department_id: s.due_on for s in case.steps} == {
        hall.lead.id: D("2026-03-18"), hall.other.id: D("2026-04-09"), hall.third.id: D("2026-04-09")}
    set_calendar_day(D("2026-01-02"), False, "元旦调休")  # a calendar change recomputes them the same way
    assert step_of(stored(case), hall.other).due_on == D("2026-04-09")


# -- deadlines through the services ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "promised", "statutory", "provisional"),
    [
        # Fri 2025-01-24: Sun 1/26 (1), Mon 1/27 (2), [1/28-2/4 off], 2/5 (3), 2/6 (4), 2/7 (5), Sat 2/8 (6),
        # 2/10-2/13 (7-10) -> 2/13; 2/14 (11), 2/17-21 (12-16), 2/24-27 (17-20) -> 2/27
        ("2025-01-24", "2025-02-13", "2025-02-27", False),
        # Fri 2025-09-26: Sun 9/28 (1), 9/29 (2), 9/30 (3), [10/1-10/8 off], 10/9 (4), 10/10 (5), Sat 10/11 (6),
        # 10/13-16 (7-10) -> 10/16; 10/17 (11), 10/20-24 (12-16), 10/27-30 (17-20) -> 10/30
        ("2025-09-26", "2025-10-16", "2025-10-30", False),
        # Wed 2026-02-11: 2/12 (1), 2/13 (2), Sat 2/14 (3), [2/15-2/23 off], 2/24-27 (4-7), Sat 2/28 (8), 3/2 (9),
        # 3/3 (10) -> 3/3; 3/4-6 (11-13), 3/9-13 (14-18), 3/16 (19), 3/17 (20) -> 3/17
        ("2026-02-11", "2026-03-03", "2026-03-17", False),
        # accepted on the make-up Saturday 2026-02-14: 2/24-27 (1-4), Sat 2/28 (5), 3/2-6 (6-10) -> 3/6;
        # 3/9-13 (11-15), 3/16-20 (16-20) -> 3/20
        ("2026-02-14", "2026-03-06", "2026-03-20", False),
        # Fri 2026-09-18: Sun 9/20 (1), 9/21-24 (2-5), [Fri 9/25 Mid-Autumn off], 9/28-30 (6-8), [10/1-10/7 off],
        # 10/8 (9), 10/9 (10) -> 10/9; Sat 10/10 (11), 10/12-16 (12-16), 10/19-22 (17-20) -> 10/22
        ("2026-09-18", "2026-10-09", "2026-10-22", False),
        # Mon 2026-12-14: 12/15-18 (1-4), 12/21-25 (5-9), 12/28 (10) -> 12/28, within the published 2026; 12/29-31
        # (11-13); 2027 is not published but New Year's Day is off by law: 1/4-8 (14-18), 1/11-12 (19-20) -> 1/12,
        # provisional (the statutory date only)
        ("2026-12-14", "2026-12-28", "2027-01-12", True),
    ],
)
def test_acceptance_due_dates_across_holidays(hall, day, promised, statutory, provisional):
    case = stored(accepted(hall, day=day))
    assert (case.clock_start_on, case.accepted_on) == (D(day), D(day))
    assert (case.due_promised, case.due_statutory) == (D(promised), D(statutory))
    assert (case.due_provisional, case.due_statutory_provisional) == (False, provisional)


def test_unpublished_2027_becomes_final_once_entered_and_published(hall):
    case = accepted(hall, day="2026-12-14")
    # The promised date lies in the published 2026, the statutory one in the unpublished 2027: only it is marked.
    assert (case.due_statutory, case.due_provisional, case.due_statutory_provisional) == (D("2027-01-12"), False,
                                                                                           True)
    # The 2027 schedule is announced: New Year's Day off. Still provisional until the year is declared complete.
    assert set_calendar_day(D("2027-01-01"), False, "元旦", today=D("2026-12-15")) == 1
    case = stored(case)
    assert (case.due_promised, case.due_statutory, case.due_statutory_provisional) == (
        D("2026-12-28"), D("2027-01-12"), True)
    publish_year(2027, today=D("2026-12-15"))
    case = stored(case)
    assert (case.due_statutory, case.due_provisional, case.due_statutory_provisional) == (D("2027-01-12"), False,
                                                                                           False)


def test_calendar_change_recomputes_open_cases_and_their_steps(hall):
    committed = accepted(hall)  # 3/16, 3/30
    joint = accepted(hall, hall.joint)  # 4/14, 5/8, steps 4/14
    closed = accepted(hall)
    decisions.decide(closed, hall.actor("head"), grant=True, when=at("2026-03-03"))
    decisions.deliver(closed, hall.actor("clerk"), when=at("2026-03-03"))
    decisions.close_case(closed, hall.actor("clerk"), when=at("2026-03-03"))
    ids = committed.id, joint.id, closed.id
    # A local closure on Thu 3/5: every open deadline after it moves one working day.
    assert set_calendar_day(D("2026-03-05"), False, "停电闭厅", today=D("2026-03-04")) == 2
    committed, joint, closed = (db.session.get(Case, i) for i in ids)
    assert (committed.due_promised, committed.due_statutory) == (D("2026-03-17"), D("2026-03-31"))
    # 5/8 + 1 wd = the make-up Saturday 5/9
    assert (joint.due_promised, joint.due_statutory) == (D("2026-04-15"), D("2026-05-09"))
    assert {s.due_on for s in joint.steps} == {D("2026-04-15")}
    assert (closed.due_promised, closed.due_statutory) == (D("2026-03-16"), D("2026-03-30"))  # closed: untouched
    # Reopening the day puts the dates back.
    set_calendar_day(D("2026-03-05"), True, "", today=D("2026-03-04"))
    assert db.session.get(Case, ids[0]).due_promised == D("2026-03-16")


def test_delivery_is_due_ten_working_days_after_the_grant(hall):
    case = accepted(hall, day="2026-09-14")
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-09-24"))
    # Thu 9/24: [Fri 9/25 off], 9/28-30 (1-3), [10/1-10/7 off], 10/8 (4), 10/9 (5), Sat 10/10 (6), 10/12-15 (7-10)
    case = stored(case)
    assert (case.state, case.decided_on, case.due_delivery) == ("granted", D("2026-09-24"), D("2026-10-15"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-09-28"))
    assert stored(case).delivered_on == D("2026-09-28")


# -- receipt: supplement, deemed acceptance, gaps, refusal -----------------------------------------------------


def test_supplement_notice_lists_everything_and_the_clock_starts_when_complete(hall):
    case = hall.receive(day="2025-01-24")  # Fri before the 2025 Spring Festival
    # notice period: Sun 1/26 (1), 1/27 (2), 2/5 (3), 2/6 (4), 2/7 (5)
    assert case.deemed_acceptance_on == D("2025-02-07")
    reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件", " 营业执照 ", "身份证复印件", ""],
                             when=at("2025-01-27"))
    case = stored(case)
    assert case.state == "supplement_requested"
    assert case.supplement_notice_on == D("2025-01-27")
    assert case.outstanding_materials == ["身份证复印件", "营业执照"]  # all of them, once each
    assert case.clock_start_on is None
    assert case.due_promised is None
    assert case.due_statutory is None
    notice = case.events[-1]
    assert (notice.trigger, notice.data) == ("request_supplement", {"missing_materials": ["身份证复印件", "营业执照"]})
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed) as refused:  # one-time notice (一次性告知): there is no second one
        reception.request_supplement(case, hall.actor("clerk"), ["申请书"], when=at("2025-01-27", 15))
    assert "request_supplement" not in refused.value.allowed
    assert snapshot(case) == before
    reception.record_supplement(case, hall.actor("clerk"), when=at("2025-02-05"))
    case = stored(case)
    # accepted the day the supplement is complete, Wed 2/5: 2/6 (1), 2/7 (2), Sat 2/8 (3), 2/10-14 (4-8),
    # 2/17 (9), 2/18 (10) -> 2/18; 2/19-21 (11-13), 2/24-28 (14-18), 3/3 (19), 3/4 (20) -> 3/4
    assert (case.state, case.accepted_on, case.clock_start_on) == ("under_review", D("2025-02-05"), D("2025-02-05"))
    assert case.outstanding_materials == []
    assert (case.due_promised, case.due_statutory) == (D("2025-02-18"), D("2025-03-04"))
    assert history(case)[1:] == [
        ("request_supplement", "received", "supplement_requested", "clerk"),
        ("record_supplement", "supplement_requested", "accepted", "clerk"),
        ("start_review", "accepted", "under_review", "system"),
    ]


def test_supplement_notice_needs_the_materials(hall):
    case = hall.receive()
    with pytest.raises(ServiceError) as error:
        reception.request_supplement(case, hall.actor("clerk"), [" ", ""], when=at("2026-03-02"))
    assert error.value.field == "missing_materials"
    assert case.state == "received"


def test_supplement_notice_after_five_working_days_is_refused(hall):
    case = hall.receive(day="2026-02-11")
    # 2/12 (1), 2/13 (2), Sat 2/14 (3), [2/15-2/23 off], 2/24 (4), 2/25 (5): the last day for the notice
    assert case.deemed_acceptance_on == D("2026-02-25")
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed):
        reception.request_supplement(case, hall.actor("clerk"), ["营业执照"], when=at("2026-02-26"))
    assert snapshot(case) == before
    assert case.supplement_notice_on is None
    reception.request_supplement(case, hall.actor("clerk"), ["营业执照"], when=at("2026-02-25", 16))  # still in time
    assert stored(case).state == "supplement_requested"


def test_deemed_acceptance_backdates_the_clock_to_the_receipt(hall):
    silent = hall.receive(day="2026-02-11")  # last notice day 2/25
    noticed = hall.receive(day="2026-02-11")
    later = hall.receive(day="2026-02-12")  # 2/13, 2/14, 2/24, 2/25, 2/26: last notice day 2/26
    reception.request_supplement(noticed, hall.actor("clerk"), ["营业执照"], when=at("2026-02-13"))
    db.session.flush()
    assert sweeps.apply_deemed_acceptance(when=at("2026-02-25", 17)) == 0  # the 5th day has not ended
    assert sweeps.apply_deemed_acceptance(when=at("2026-02-26", 1)) == 1
    silent, noticed, later = stored(silent), db.session.get(Case, noticed.id), db.session.get(Case, later.id)
    assert silent.state == "under_review"
    assert (silent.accepted_on, silent.clock_start_on) == (D("2026-02-11"), D("2026-02-11"))
    assert (silent.due_promised, silent.due_statutory) == (D("2026-03-03"), D("2026-03-17"))  # as if accepted 2/11
    deemed = next(e for e in silent.events if e.trigger == "accept")
    assert (deemed.actor_role, deemed.actor_id, deemed.data) == ("system", None, {"deemed": True})
    # recorded when it happened (SQLite hands back the naive local time, PostgreSQL an aware UTC one)
    assert (deemed.at if deemed.at.tzinfo else deemed.at.replace(tzinfo=TZ)) == at("2026-02-26", 1)
    assert (noticed.state, later.state) == ("supplement_requested", "received")
    assert sweeps.apply_deemed_acceptance(when=at("2026-02-26", 2)) == 0  # idempotent


def test_accept_with_gaps_refusals_change_nothing(hall):
    case = hall.receive()
    clerk = hall.actor("clerk")
    before = snapshot(case)
    with pytest.raises(ServiceError) as key_missing:  # 申请书 is a key material
        reception.accept_with_gaps(case, clerk, ["申请书"], commitment_signed=True, when=at("2026-03-02"))
    assert key_missing.value.field == "missing_materials"
    with pytest.raises(ServiceError) as unsigned:
        reception.accept_with_gaps(case, clerk, ["身份证复印件"], when=at("2026-03-02"))
    assert unsigned.value.field == "commitment_signed"
    with pytest.raises(ServiceError) as too_late:  # promised date if accepted 3/2 is 3/16
        reception.accept_with_gaps(case, clerk, ["身份证复印件"], gaps_due=D("2026-03-17"), commitment_signed=True,
                               when=at("2026-03-02"))
    assert too_late.value.field == "gaps_due"
    with pytest.raises(ServiceError) as past:
        reception.accept_with_gaps(case, clerk, ["身份证复印件"], gaps_due=D("2026-03-01"), commitment_signed=True,
                               when=at("2026-03-02"))
    assert past.value.field == "gaps_due"
    assert snapshot(case) == before
    assert (case.clock_start_on, case.outstanding_materials, case.due_gaps) == (None, [], None)


def test_accept_with_gaps_then_materials_then_grant(hall):
    case = hall.receive()
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], gaps_due=D("2026-03-16"),
                           commitment_signed=True, when=at("2026-03-02"))
    case = stored(case)
    assert case.state == "under_review"  # review may start with gaps outstanding
    assert (case.outstanding_materials, case.due_gaps) == (["身份证复印件"], D("2026-03-16"))
    assert (case.accepted_on, case.due_promised) == (D("2026-03-02"), D("2026-03-16"))
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed):  # grant needs no gaps outstanding
        decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-05"))
    assert snapshot(case) == before
    reception.record_gap_materials(case, hall.actor("clerk"), when=at("2026-03-06"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-09"))
    case = stored(case)
    assert (case.state, case.outstanding_materials, case.due_gaps) == ("granted", [], None)
    assert history(case)[1:] == [
        ("accept_with_gaps", "received", "accepted_with_gaps", "clerk"),
        ("start_review", "accepted_with_gaps", "under_review", "system"),
        ("record_gap_materials", "under_review", "under_review", "clerk"),
        ("grant", "under_review", "granted", "dept_head"),
    ]
    assert case.events[3].data == {"materials": ["身份证复印件"]}


def test_accept_with_gaps_defaults_to_the_promised_date_and_can_be_terminated(hall):
    case = hall.receive()
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                               when=at("2026-03-02"))
    assert stored(case).due_gaps == D("2026-03-16")
    decisions.terminate(case, core.SYSTEM, "容缺材料逾期未补齐", when=at("2026-03-17"))
    case = stored(case)
    assert (case.state, case.outcome, case.in_progress, case.closed_on) == (
        "terminated", "terminated", False, D("2026-03-17"))


def test_refuse_needs_a_reason(hall):
    case = hall.receive()
    before = snapshot(case)
    with pytest.raises(ServiceError) as error:
        reception.refuse(case, hall.actor("clerk"), "   ", when=at("2026-03-02"))
    assert error.value.field == "reason"
    assert snapshot(case) == before
    reception.refuse(case, hall.actor("clerk"), "不属于本机关职权范围", when=at("2026-03-02"))
    case = stored(case)
    assert (case.state, case.in_progress, case.outcome, case.outcome_reason, case.closed_on) == (
        "refused", False, "refused", "不属于本机关职权范围", D("2026-03-02"))
    assert history(case)[-1] == ("refuse", "received", "refused", "clerk")
    assert case.events[-1].comment == "不属于本机关职权范围"


# -- special procedures and extensions -------------------------------------------------------------------------


def test_special_procedure_is_requested_approved_and_stops_the_clock_from_the_approval_day(hall):
    case = accepted(hall)  # 3/16, 3/30
    pause = clock_stops.request_special_procedure(case, hall.actor("reviewer"), ProcedureType.EXPERT_REVIEW,
                                                  reason="组织专家评审", expected_days=5, when=at("2026-03-06"))
    case = stored(case)
    # asked for on 3/6: the clock still runs, nothing is paused and nothing moved
    assert (pause.status, pause.started_on, pause.requested_by_id, pause.requested_on) == (
        PauseStatus.REQUESTED, None, hall.reviewer.id, D("2026-03-06"))
    assert (case.due_promised, case.due_statutory, case.has_open_pause) == (D("2026-03-16"), D("2026-03-30"), False)
    assert read_clock(case, today=D("2026-03-09")).used == 5
    with pytest.raises(Forbidden):  # the reviewer cannot approve it
        clock_stops.decide_special_procedure(case, hall.actor("reviewer"), True, when=at("2026-03-10"))
    with pytest.raises(ActionNotAllowed):  # one request at a time
        clock_stops.request_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证",
                                              when=at("2026-03-09"))
    clock_stops.decide_special_procedure(case, hall.actor("head"), True, note="同意", when=at("2026-03-10"))
    case = stored(case)
    # approved Tue 3/10: that day is already stopped, so both dates move one working day for now
    assert (case.due_promised, case.due_statutory) == (D("2026-03-17"), D("2026-03-31"))
    assert case.has_open_pause
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed):  # no grant while a special procedure runs
        decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-12"))
    with pytest.raises(ActionNotAllowed):  # and only one at a time
        clock_stops.request_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证",
                                              when=at("2026-03-12"))
    with pytest.raises(ServiceError):  # ending it records its result
        clock_stops.end_special_procedure(case, hall.actor("reviewer"), when=at("2026-03-17"))
    assert snapshot(case) == before
    clock_stops.end_special_procedure(case, hall.actor("reviewer"), result="专家论证通过", when=at("2026-03-17"))
    case = stored(case)
    pause = case.pauses[0]
    assert (pause.procedure_type, pause.status, pause.started_on, pause.ended_on, pause.expected_days,
            pause.approver_id, pause.decided_on, pause.result, pause.applicant_notified) == (
        ProcedureType.EXPERT_REVIEW, PauseStatus.APPROVED, D("2026-03-10"), D("2026-03-17"), 5, hall.head.id,
        D("2026-03-10"), "专家论证通过", False)
    # [3/10, 3/17) holds 5 working days: 3/16 + 5 -> 3/23; 3/30 + 5 -> 3/31, 4/1-3, [4/6 Qingming], 4/7
    assert (case.due_promised, case.due_statutory) == (D("2026-03-23"), D("2026-04-07"))
    assert history(case)[-3:] == [
        ("request_special_procedure", "under_review", "under_review", "reviewer"),
        ("approve_special_procedure", "under_review", "under_review", "dept_head"),
        ("end_special_procedure", "under_review", "under_review", "reviewer"),
    ]
    assert case.events[-1].comment == "专家论证通过"


def test_a_refused_special_procedure_never_stops_the_clock(hall):
    case = accepted(hall)
    clock_stops.request_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证", expected_days=10,
                                          when=at("2026-03-05"))
    with pytest.raises(ServiceError):  # a refusal gives its reasons
        clock_stops.decide_special_procedure(case, hall.actor("manager"), False, when=at("2026-03-09"))
    pause = clock_stops.decide_special_procedure(case, hall.actor("manager"), False, note="无需听证",
                                                 when=at("2026-03-09"))
    case = stored(case)
    assert (pause.status, pause.started_on, pause.approver_id, pause.decision_note) == (
        PauseStatus.REFUSED, None, hall.manager.id, "无需听证")
    assert (case.due_promised, case.due_statutory, case.has_open_pause) == (D("2026-03-16"), D("2026-03-30"), False)
    # a new request may follow; a request still pending lapses with the decision
    clock_stops.request_special_procedure(case, hall.actor("reviewer"), "inspection", reason="检验",
                                          when=at("2026-03-10"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-11"))
    assert [p.status for p in stored(case).pauses] == [PauseStatus.REFUSED, PauseStatus.REFUSED]


def test_same_day_special_procedure_costs_nothing(hall):
    case = accepted(hall)
    hall.start_procedure(case, hall.actor("head"), "testing", reason="检测", when=at("2026-03-10", 9))
    clock_stops.end_special_procedure(case, hall.actor("head"), result="程序完成", when=at("2026-03-10", 16))
    case = stored(case)
    assert (case.pauses[0].started_on, case.pauses[0].ended_on) == (D("2026-03-10"), D("2026-03-10"))
    assert (case.due_promised, case.due_statutory) == (D("2026-03-16"), D("2026-03-30"))


def test_joint_steps_move_with_a_special_procedure(hall):
    case = accepted(hall, hall.joint)  # steps due 4/14
    hall.start_procedure(case, hall.actor("head"), "hearing", reason="听证", when=at("2026-03-09"))
    clock_stops.end_special_procedure(case, hall.actor("head"), result="程序完成", when=at("2026-03-11"))
    case = stored(case)
    # [3/9, 3/11) is 2 working days: 4/14 -> 4/16; statutory 5/8 -> Sat 5/9 (make-up), 5/11
    assert {s.due_on for s in case.steps} == {D("2026-04-16")}
    assert (case.due_promised, case.due_statutory) == (D("2026-04-16"), D("2026-05-11"))


def test_extension_moves_both_dates_once(hall):
    case = accepted(hall)  # 3/16, 3/30
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "需现场核查", when=at("2026-03-09"))
    case = stored(case)
    assert (case.due_promised, case.due_statutory) == (D("2026-03-16"), D("2026-03-30"))  # not before approval
    with pytest.raises(ActionNotAllowed):  # one pending request at a time
        clock_stops.request_extension(case, hall.actor("reviewer"), 3, "再延", when=at("2026-03-09"))
    with pytest.raises(Forbidden):  # the head approves, not a reviewer
        clock_stops.approve_extension(case, hall.actor("reviewer"), when=at("2026-03-10"))
    clock_stops.approve_extension(case, hall.actor("head"), when=at("2026-03-10"))
    case = stored(case)
    assert (case.extensions[0].status, case.extensions[0].days, case.extensions[0].decided_on) == (
        ExtensionStatus.APPROVED, 5, D("2026-03-10"))
    # 3/16 + 5 wd -> 3/23; 3/30 + 5 wd -> 3/31, 4/1, 4/2, 4/3, [4/6 off], 4/7
    assert (case.due_promised, case.due_statutory) == (D("2026-03-23"), D("2026-04-07"))
    before = snapshot(case)
    with pytest.raises(ServiceError) as second:  # once only (Art. 42)
        clock_stops.request_extension(case, hall.actor("reviewer"), 5, "再次延期", when=at("2026-03-11"))
    assert second.value.field == "days"
    assert snapshot(case) == before
    assert len(case.extensions) == 1


@pytest.mark.parametrize(("kind", "days"), [("committed", 11), ("joint", 16), ("committed", 0)])
def test_extension_beyond_the_limit_is_refused(hall, kind, days):
    case = accepted(hall, getattr(hall, kind))
    before = snapshot(case)
    with pytest.raises(ServiceError) as error:
        clock_stops.request_extension(case, hall.actor("head"), days, "理由", when=at("2026-03-09"))
    assert error.value.field == "days"
    assert snapshot(case) == before
    assert case.extensions == []


def test_extension_needs_a_reason(hall):
    case = accepted(hall)
    with pytest.raises(ServiceError) as error:
        clock_stops.request_extension(case, hall.actor("head"), 5, " ", when=at("2026-03-09"))
    assert error.value.field == "reason"


def test_joint_extension_of_fifteen_days_approved_by_the_manager(hall):
    case = accepted(hall, hall.joint)  # 4/14, 5/8
    clock_stops.request_extension(case, hall.actor("head"), 15, "涉及多部门会商", when=at("2026-03-20"))
    with pytest.raises(Forbidden):  # joint: the local government head (manager role) approves
        clock_stops.approve_extension(case, hall.actor("head"), when=at("2026-03-23"))
    clock_stops.approve_extension(case, hall.actor("manager"), when=at("2026-03-23"))
    case = stored(case)
    # 45 + 15: 30 + 15 = 45 wd -> 5/8; 45 + 15 = 60 wd: Sat 5/9 (46), 5/11-15 (47-51), 5/18-22 (52-56),
    # 5/25-28 (57-60) -> 5/28
    assert (case.due_promised, case.due_statutory) == (D("2026-05-08"), D("2026-05-28"))


def test_rejected_extension_leaves_the_dates(hall):
    case = accepted(hall)
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "需现场核查", when=at("2026-03-09"))
    clock_stops.decide_extension(case, hall.actor("head"), False, comment="理由不足", when=at("2026-03-10"))
    case = stored(case)
    assert case.extensions[0].status == ExtensionStatus.REJECTED
    assert (case.due_promised, case.due_statutory) == (D("2026-03-16"), D("2026-03-30"))


# -- decisions and endings -------------------------------------------------------------------------------------


def test_all_approve_with_a_rejected_step_can_only_be_denied(hall):
    hall.joint.join_rule = JoinRule.ALL_APPROVE
    case = accepted(hall, hall.joint)
    decide_all_steps(hall, case, ("approve", "reject", "approve"))
    case = stored(case)
    assert case.state == "consolidation"
    assert history(case)[-1] == ("complete_parallel_review", "parallel_review", "consolidation", "system")
    assert case.events[-1].data == {"approved": 2, "rejected": 1}
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed):
        decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    with pytest.raises(ServiceError) as no_reason:  # a denial states its reasons
        decisions.decide(case, hall.actor("head"), grant=False, when=at("2026-03-10"))
    assert no_reason.value.field == "reason"
    assert snapshot(case) == before
    decisions.decide(case, hall.actor("head"), grant=False, reason="消防部门不同意", when=at("2026-03-10"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-11"))
    case = stored(case)
    assert (case.state, case.outcome, case.outcome_reason, case.due_delivery) == (
        "closed", "denied", "消防部门不同意", None)
    assert history(case)[-2:] == [("deny", "consolidation", "denied", "dept_head"),
                                  ("close", "denied", "closed", "clerk")]


def test_lead_consolidates_may_grant_despite_a_rejection(hall):
    case = accepted(hall, hall.joint)  # the hall's joint item: LEAD_CONSOLIDATES
    decide_all_steps(hall, case, ("approve", "reject", "approve"))
    decisions.decide(case, hall.actor("head"), grant=True, reason="不同意的意见已经整改落实", when=at("2026-03-10"))
    assert stored(case).state == "granted"


def test_step_decisions_are_stored_and_a_decided_step_cannot_be_decided_again(hall):
    case = accepted(hall, hall.joint)
    step = step_of(case, hall.other)
    version = step.lock_version
    steps.record_step_decision(step.id, hall.actor("other_reviewer"), "approve", " 同意 ", when=at("2026-03-04"))
    step = db.session.get(CaseStep, step.id)
    assert (step.status, step.opinion, step.decided_by_id, step.lock_version) == (
        StepStatus.APPROVED, "同意", hall.other_reviewer.id, version + 1)
    with pytest.raises(ServiceError):
        steps.record_step_decision(step.id, hall.actor("other_reviewer"), "reject", "改主意", when=at("2026-03-05"))
    with pytest.raises(ServiceError) as no_opinion:
        steps.record_step_decision(step_of(case, hall.third).id, hall.actor("third_reviewer"), "approve", " ")
    assert no_opinion.value.field == "opinion"
    event = stored(case).events[-1]
    assert (event.trigger, event.step_id, event.actor_id, event.data) == (
        "step_approve", step.id, hall.other_reviewer.id, {"department_id": hall.other.id})


def test_returned_step_is_pending_again_after_its_supplement(hall):
    case = accepted(hall, hall.joint)
    step = step_of(case, hall.third)
    steps.record_step_decision(step.id, hall.actor("third_reviewer"), "return", "缺少图纸", when=at("2026-03-04"))
    steps.record_step_supplement(step.id, hall.actor("clerk"), when=at("2026-03-09"))
    step = db.session.get(CaseStep, step.id)
    # restarted Mon 3/9 with its 30 wd: March has 16 wd after 3/9, April 4/1-3, 4/7-4/14 (14 more) -> 4/21; but a
    # step never falls due after its case, promised by 4/14 (accepted 3/2)
    assert (step.status, step.started_on) == (StepStatus.PENDING, D("2026-03-09"))
    assert step.due_on == step.case.due_promised == D("2026-04-14")


@pytest.mark.parametrize(
    ("end", "state"),
    [
        (lambda hall, case: decisions.withdraw(case, APPLICANT, "申请人撤回", when=at("2026-03-12")), "withdrawn"),
        (lambda hall, case: decisions.withdraw(case, hall.actor("clerk"), "书面申请撤回", when=at("2026-03-12")),
         "withdrawn"),
        (lambda hall, case: decisions.terminate(case, hall.actor("head"), "申请人死亡", when=at("2026-03-12")),
         "terminated"),
    ],
    ids=["applicant-withdraws", "clerk-withdraws", "head-terminates"],
)
def test_withdraw_and_terminate_close_the_open_pause(hall, end, state):
    case = accepted(hall)
    hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="检验",
                                        when=at("2026-03-10"))
    end(hall, case)
    case = stored(case)
    assert (case.state, case.in_progress, case.outcome, case.closed_on) == (state, False, state, D("2026-03-12"))
    assert [(p.started_on, p.ended_on) for p in case.pauses] == [(D("2026-03-10"), D("2026-03-12"))]
    assert not case.has_open_pause
    assert history(case)[-1][1:3] == ("under_review", state)


def test_terminate_needs_a_reason(hall):
    case = accepted(hall)
    with pytest.raises(ServiceError) as error:
        decisions.terminate(case, hall.actor("head"), "", when=at("2026-03-12"))
    assert error.value.field == "reason"
    assert case.state == "under_review"


def test_a_case_on_version_1_cannot_be_withdrawn_after_the_decision(hall):
    case = accepted(hall)
    case.workflow_version = 1  # received before version 2 of the definition
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    with pytest.raises(ActionNotAllowed) as error:
        decisions.withdraw(case, APPLICANT, "不要了", when=at("2026-03-11"))
    assert error.value.allowed == ("deliver",)
    assert case.state == "granted"


@pytest.mark.parametrize("verb", ["withdraw", "terminate"])
@pytest.mark.parametrize(("grant", "outcome", "reason"), [(True, "granted", ""), (False, "denied", "场所不符合要求")])
def test_a_decided_case_can_still_be_withdrawn_or_terminated_and_keeps_its_decision(
        client, hall, verb, grant, outcome, reason):
    case = accepted(hall)
    assert case.workflow_version >= 2
    decisions.decide(case, hall.actor("head"), grant=grant, reason=reason, when=at("2026-03-10"))
    actor = APPLICANT if verb == "withdraw" else hall.actor("head")
    getattr(decisions, verb)(case, actor, "申请人主体已注销", when=at("2026-03-11"))
    case = stored(case)
    assert (case.state, case.in_progress, case.closed_on) == (f"{verb}n" if verb == "withdraw" else "terminated",
                                                              False, D("2026-03-11"))
    assert (case.decided_on, case.outcome, case.outcome_reason) == (D("2026-03-10"), outcome, reason)
    assert case.events[-1].comment == "申请人主体已注销"
    db.session.commit()
    assert login(client, hall.clerk.username).status_code == 302
    notice = client.get(f"/cases/{case.id}/notices/decision").get_data(as_text=True)
    assert ("不予行政许可决定书" in notice) == (not grant)
    assert reason in notice


# -- scope, state and history ----------------------------------------------------------------------------------


def test_clerk_of_another_window_is_forbidden(hall, make_user):
    stranger = Actor.staff(make_user(Role.CLERK))
    case = hall.receive()
    before = snapshot(case)
    with pytest.raises(Forbidden):
        reception.accept(case, stranger, when=at("2026-03-02"))
    with pytest.raises(Forbidden):
        reception.refuse(case, stranger, "理由", when=at("2026-03-02"))
    assert snapshot(case) == before
    with pytest.raises(Forbidden):
        reception.receive_application(item=hall.committed, window=hall.window, clerk=stranger.user,
                                  applicant=Applicant("李四"), when=at("2026-03-02"))
    assert core.actions_for(case, stranger.user) == []
    assert "accept" in core.actions_for(case, hall.clerk)


def test_reviewer_or_head_of_another_department_is_forbidden(hall, make_user):
    case = accepted(hall)
    other_head = Actor.staff(make_user(Role.DEPT_HEAD, department=hall.other))
    before = snapshot(case)
    with pytest.raises(Forbidden):
        decisions.decide(case, other_head, grant=True, when=at("2026-03-05"))
    with pytest.raises(Forbidden):
        clock_stops.request_special_procedure(case, hall.actor("other_reviewer"), "hearing", reason="听证",
                                              when=at("2026-03-05"))
    with pytest.raises(Forbidden):
        clock_stops.request_extension(case, hall.actor("other_reviewer"), 5, "理由", when=at("2026-03-05"))
    assert snapshot(case) == before
    assert case.pauses == []
    assert case.extensions == []


def test_reviewer_may_decide_only_their_own_departments_step(hall):
    case = accepted(hall, hall.joint)
    lead_step = step_of(case, hall.lead)
    with pytest.raises(Forbidden):
        steps.record_step_decision(lead_step.id, hall.actor("other_reviewer"), "approve", "同意",
                                   when=at("2026-03-04"))
    with pytest.raises(Forbidden):  # a clerk decides no step
        steps.record_step_decision(lead_step.id, hall.actor("clerk"), "approve", "同意", when=at("2026-03-04"))
    db.session.expire_all()
    assert db.session.get(CaseStep, lead_step.id).status == StepStatus.PENDING


def test_wrong_state_names_the_allowed_actions(hall):
    case = hall.receive()
    before = snapshot(case)
    with pytest.raises(ActionNotAllowed) as error:
        decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-02"))
    allowed = set(get_definition("committed").triggers_from("received"))
    assert set(error.value.allowed) == allowed
    assert {"accept", "refuse", "request_supplement"} <= allowed
    message = error.value.message
    for trigger in ("accept", "refuse", "request_supplement"):
        assert workflow_label(case, trigger) in message  # the labels of what is possible now
    assert workflow_label(case, "received") in message
    assert snapshot(case) == before
    run_committed(hall, case)
    with pytest.raises(ActionNotAllowed) as closed:  # a closed case does nothing more
        decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-13"))
    assert closed.value.allowed == ()


def test_events_are_append_only(hall):
    case = accepted(hall)
    db.session.commit()
    event = case.events[0]
    event.comment = "改写历史"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(CaseEvent, event.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(CaseEvent, event.id).comment == ""
    assert len(history(case)) == 3


# -- versions --------------------------------------------------------------------------------------------------


def test_a_revised_item_does_not_change_running_cases(hall):
    old_item = hall.committed
    running = accepted(hall)  # v1: 10 / 20 days -> 3/16, 3/30
    revised = revise_item(old_item, dataclasses.replace(ItemData.of(old_item), promised_limit_days=5,
                                                        statutory_limit_days=15))
    assert (old_item.status, revised.version, revised.status) == (ItemStatus.SUPERSEDED, 2, ItemStatus.PUBLISHED)
    with pytest.raises(ServiceError):  # the superseded version takes no new applications
        hall.receive(old_item, day="2026-03-03")
    newer = hall.receive(revised, day="2026-03-03")
    reception.accept(newer, hall.actor("clerk"), when=at("2026-03-03"))
    set_calendar_day(D("2026-06-06"), False, "周六", today=D("2026-03-03"))  # forces a recompute of all open cases
    running, newer = (db.session.get(Case, c) for c in (running.id, newer.id))
    assert (running.item_id, running.promised_limit_days, running.statutory_limit_days) == (old_item.id, 10, 20)
    assert (running.due_promised, running.due_statutory) == (D("2026-03-16"), D("2026-03-30"))
    assert (newer.item_id, newer.promised_limit_days, newer.statutory_limit_days) == (revised.id, 5, 15)
    # 3/3 + 5 wd -> 3/10; + 15 wd -> 3/24
    assert (newer.due_promised, newer.due_statutory) == (D("2026-03-10"), D("2026-03-24"))
    assert running.events[0].data == {"item_version": 1}
    assert newer.events[0].data == {"item_version": 2}
    decisions.decide(running, hall.actor("head"), grant=True, when=at("2026-03-10"))
    assert stored(running).state == "granted"


def test_a_case_keeps_its_workflow_version_when_v2_is_registered(hall):
    v1 = get_definition("committed")
    old = hall.receive()
    # v2: acceptance now needs a checklist (context key) - a change a v1 case must not see
    v2 = dataclasses.replace(
        v1, version=v1.version + 1,
        transitions=tuple(dataclasses.replace(t, requires=("checklist",)) if t.trigger == "accept" else t
                          for t in v1.transitions),
    )
    register(v2)
    try:
        new = hall.receive()
        assert (old.workflow_version, new.workflow_version) == (v1.version, v2.version)
        reception.accept(old, hall.actor("clerk"), when=at("2026-03-02"))  # v1 rules
        assert stored(old).state == "under_review"
        with pytest.raises(ServiceError) as error:  # v2 rules
            reception.accept(new, hall.actor("clerk"), when=at("2026-03-02"))
        assert error.value.field == "checklist"
        core.perform(new, "accept", hall.actor("clerk"), context={"checklist": "齐全"}, when=at("2026-03-02"))
        assert new.state == "accepted"
        assert stored(old).workflow_version == v1.version
    finally:
        unregister("committed", v2.version)
    assert get_definition("committed") is v1


# -- complaints and rectification ------------------------------------------------------------------------------


def test_complaint_is_accepted_within_five_and_answered_within_ten_days(hall):
    complaint = complaints.receive_complaint(window=hall.window, complainant=Applicant("王五", phone="139"),
                                             content="窗口人员态度差", actor=hall.actor("manager"),
                                             when=at("2026-09-23"))
    complaint = stored(complaint)
    assert complaint.number.startswith("SCT20260923-")
    assert (complaint.workflow_key, complaint.state, complaint.department_id) == ("complaint", "received", hall.lead.id)
    # Wed 9/23: 9/24 (1), [9/25 Mid-Autumn off], 9/28-30 (2-4), [10/1-10/7 off], 10/8 (5)
    assert (complaint.due_promised, complaint.due_statutory) == (D("2026-10-08"), D("2026-10-08"))
    complaints.accept_complaint(complaint, hall.actor("manager"), when=at("2026-10-08"))
    complaint = stored(complaint)
    # 10/8: 10/9 (1), Sat 10/10 (2), 10/12-16 (3-7), 10/19-21 (8-10)
    assert (complaint.state, complaint.accepted_on, complaint.due_promised) == (
        "accepted", D("2026-10-08"), D("2026-10-21"))
    with pytest.raises(ServiceError):
        complaints.answer_complaint(complaint, hall.actor("manager"), " ", when=at("2026-10-20"))
    complaints.answer_complaint(complaint, hall.actor("manager"), "已批评教育并致歉", when=at("2026-10-20"))
    decisions.close_case(complaint, hall.actor("manager"), when=at("2026-10-21"))
    complaint = stored(complaint)
    assert (complaint.state, complaint.outcome, complaint.decided_on, complaint.closed_on, complaint.in_progress) == (
        "closed", "answered", D("2026-10-20"), D("2026-10-21"), False)
    assert [t for t, *_ in history(complaint)] == ["receive", "accept", "answer", "close"]


def test_complaint_rejection_and_scope(hall, make_window):
    case = hall.receive()
    with pytest.raises(ServiceError) as wrong_window:
        complaints.receive_complaint(window=make_window(), complainant=Applicant("王五"), content="投诉",
                                     actor=hall.actor("manager"), about=case, when=at("2026-03-03"))
    assert wrong_window.value.field == "about"
    complaint = complaints.receive_complaint(window=hall.window, complainant=Applicant("王五"), content="投诉",
                                             actor=hall.actor("manager"), about=case, when=at("2026-03-03"))
    assert complaint.parent_id == case.id
    with pytest.raises(Forbidden):  # the supervision office and managers handle complaints, not clerks
        complaints.accept_complaint(complaint, hall.actor("clerk"), when=at("2026-03-04"))
    with pytest.raises(ServiceError) as no_reason:
        complaints.reject_complaint(complaint, hall.actor("manager"), " ", when=at("2026-03-04"))
    assert no_reason.value.field == "reason"
    complaints.reject_complaint(complaint, hall.actor("manager"), "不属于受理范围", when=at("2026-03-04"))
    complaint = stored(complaint)
    assert (complaint.state, complaint.in_progress, complaint.outcome, complaint.closed_on) == (
        "rejected", False, "rejected", D("2026-03-04"))


def test_rectification_of_a_bad_rating(hall, make_user):
    case = hall.receive()
    run_committed(hall, case)
    supervisor = Actor.staff(make_user(Role.SUPERVISOR))
    task = complaints.open_rectification(case, actor=supervisor, reason="差评：等候时间过长", when=at("2026-03-12"))
    task = stored(task)
    assert (task.workflow_key, task.state, task.parent_id, task.window_id) == (
        "rectification", "opened", case.id, hall.window.id)
    # Thu 3/12 + 15 wd: 3/13 (1), 3/16-20 (2-6), 3/23-27 (7-11), 3/30-4/2 (12-15)
    assert task.due_promised == D("2026-04-02")
    clerk = hall.actor("clerk")
    with pytest.raises(ServiceError) as no_note:
        complaints.advance_rectification(task, clerk, "call_back", " ", when=at("2026-03-13"))
    assert no_note.value.field == "call_note"
    complaints.advance_rectification(task, clerk, "call_back", "已电话回访", when=at("2026-03-13"))
    complaints.advance_rectification(task, clerk, "record_rectification", "增开窗口", when=at("2026-03-16"))
    complaints.advance_rectification(task, clerk, "report_back", "已整改", when=at("2026-03-17"))
    complaints.advance_rectification(task, supervisor, "send_back", "整改不到位", when=at("2026-03-18"))
    complaints.advance_rectification(task, clerk, "record_rectification", "增开两个窗口", when=at("2026-03-19"))
    complaints.advance_rectification(task, clerk, "report_back", "已整改", when=at("2026-03-20"))
    complaints.advance_rectification(task, APPLICANT, "rate", "满意", when=at("2026-03-23"))
    task = stored(task)
    assert (task.state, task.in_progress, task.decided_on, task.closed_on) == (
        "closed", False, D("2026-03-20"), D("2026-03-23"))
    assert [(t, f, to) for t, f, to, _ in history(task)] == [
        ("receive", "", "opened"), ("call_back", "opened", "called_back"),
        ("record_rectification", "called_back", "rectified"), ("report_back", "rectified", "reported"),
        ("send_back", "reported", "called_back"), ("record_rectification", "called_back", "rectified"),
        ("report_back", "rectified", "reported"), ("rate", "reported", "closed"),
    ]
    with pytest.raises(Forbidden):
        complaints.advance_rectification(case, clerk, "call_back", "回访", when=at("2026-03-23"))


def test_clock_reading_counts_used_and_left_working_days(hall):
    from service_center.services.clock import read_clock

    case = hall.receive(day="2026-03-02")
    assert read_clock(case, today=date(2026, 3, 2)) is None  # not accepted yet
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    # Accepted Mon 3/2 with 10 promised and 20 statutory working days; on Fri 3/6 four days (3/3-3/6) are used.
    reading = read_clock(case, today=date(2026, 3, 6))
    assert (reading.used, reading.left_promised, reading.left_statutory) == (4, 6, 16)
    # Promised due Mon 3/16; on Wed 3/18 it is 2 working days past, statutory (3/30) 8 left.
    reading = read_clock(case, today=date(2026, 3, 18))
    assert (reading.left_promised, reading.left_statutory) == (-2, 8)


def test_overdue_means_the_decision_clock_ran_past_the_date(hall):
    """Decided cases (awaiting delivery) and paused ones are not overdue on the decision; open ones past it are."""
    import sqlalchemy as sa

    from service_center.extensions import db
    from service_center.models import Case, ProcedureType
    from service_center.queries.deadlines import due_within, overdue_promised, overdue_statutory

    late = hall.receive(day="2026-03-02")
    reception.accept(late, hall.actor("clerk"), when=at("2026-03-02"))  # promised 3/16, statutory 3/30
    decided = hall.receive(day="2026-03-02")
    reception.accept(decided, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(decided, hall.actor("head"), grant=True, when=at("2026-03-13"))
    paused = hall.receive(day="2026-03-02")
    reception.accept(paused, hall.actor("clerk"), when=at("2026-03-02"))
    hall.start_procedure(paused, hall.actor("reviewer"), ProcedureType.INSPECTION, reason="现场核查",
                                  when=at("2026-03-05"))
    db.session.flush()

    def matching(clause) -> set[int]:
        return set(db.session.scalars(sa.select(Case.id).where(clause)))

    assert matching(overdue_promised(date(2026, 3, 17))) == {late.id}
    assert matching(overdue_promised(date(2026, 3, 16))) == set()
    assert matching(overdue_statutory(date(2026, 3, 31))) == {late.id}
    assert matching(due_within(date(2026, 3, 13), date(2026, 3, 16))) == {late.id}
