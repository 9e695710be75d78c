"""A first walk through the main lifecycles."""

from datetime import date

from service_center.models import StepStatus
from service_center.services import decisions, reception, steps
from tests.services.conftest import at


def test_committed_lifecycle(hall):
    case = hall.receive()
    assert case.state == "received"
    assert case.deemed_acceptance_on == date(2026, 3, 9)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    assert case.state == "under_review"
    assert case.due_promised == date(2026, 3, 16)  # 10 working days after Mon 3/2
    assert case.due_statutory == date(2026, 3, 30)
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-11"))
    assert case.state == "closed"
    assert not case.in_progress
    assert [e.trigger for e in case.events] == ["receive", "accept", "start_review", "grant", "deliver", "close"]


def test_joint_fan_out_and_join(hall):
    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    assert case.state == "parallel_review"
    assert len(case.steps) == 3
    by_dept = {s.department_id: s for s in case.steps}
    steps.record_step_decision(by_dept[hall.lead.id].id, hall.actor("reviewer"), "approve", "同意",
                               when=at("2026-03-03"))
    steps.record_step_decision(by_dept[hall.other.id].id, hall.actor("other_reviewer"), "approve", "同意",
                               when=at("2026-03-03"))
    assert case.state == "parallel_review"
    steps.record_step_decision(by_dept[hall.third.id].id, hall.actor("third_reviewer"), "reject", "不符合",
                               when=at("2026-03-04"))
    assert case.state == "consolidation"
    assert by_dept[hall.third.id].status == StepStatus.REJECTED
