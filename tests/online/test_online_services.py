"""Online applications under the counter's rules and clocks: the receipt date is the submission date, the notice
period and deemed acceptance count from it, the window's clerks act through the one command path within their
scope, and the online supplement answers the one-time notice."""

from __future__ import annotations

from datetime import date

import pytest

from service_center.commands import run_action
from service_center.extensions import db
from service_center.models import Role
from service_center.services import ServiceError, reception, sweeps
from service_center.services.core import Forbidden
from service_center.services.intake import Applicant
from service_center.services.online import awaits_online_supplement, submit_online, supplement_online
from service_center.services.refusals import ActionNotAllowed
from service_center.uploads import CheckedFile
from tests.hall import at
from tests.online.conftest import JPEG, PDF, VALID_ID
from workflows import get_definition

APPLICANT = Applicant("王五", VALID_ID, "13912345678")


def pdf(name: str = "a.pdf", data: bytes = PDF) -> CheckedFile:
    import hashlib

    return CheckedFile(name, data, "application/pdf", hashlib.sha256(data).hexdigest())


def submit(hall, day: str | None = "2026-03-02", uploads=None):
    """An online application submitted on ``day`` (None: now, for actions through the command path, which act
    now)."""
    return submit_online(hall.committed, hall.window, APPLICANT,
                         uploads if uploads is not None else [("申请书", pdf())], when=at(day) if day else None)


def test_licensing_definitions_declare_the_online_pre_review_and_others_do_not():
    for key in ("committed", "joint", "forwarded"):
        assert get_definition(key).online_review_states == {"received", "supplement_requested"}
    for key in ("instant", "disclosure", "complaint", "rectification"):
        assert not get_definition(key).accepts_online


def test_the_receipt_date_is_the_submission_date_and_acceptance_starts_the_clock_later(hall, store):
    case = submit(hall, "2026-03-02")
    assert (case.received_on, case.state, case.clock_start_on) == (date(2026, 3, 2), "received", None)
    assert case.deemed_acceptance_on == date(2026, 3, 9)  # 5 working days after the submission
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-04"))
    assert (case.received_on, case.accepted_on, case.clock_start_on) == (date(2026, 3, 2),) + (date(2026, 3, 4),) * 2
    assert case.state == "under_review"


def test_the_notice_period_and_deemed_acceptance_count_from_the_submission(hall, store):
    case = submit(hall, "2026-03-02")
    with pytest.raises(ActionNotAllowed):
        reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件"], when=at("2026-03-10"))
    with pytest.raises(ActionNotAllowed):
        reception.refuse(case, hall.actor("clerk"), "不属于受理范围", when=at("2026-03-10"))
    db.session.commit()
    sweeps.sweep_deemed_acceptance(when=at("2026-03-10"))
    db.session.expire_all()
    assert case.clock_start_on == case.accepted_on == date(2026, 3, 2)


def test_a_clerk_of_another_window_cannot_act_through_the_command_path(hall, store, make_user):
    case = submit(hall, None)
    stranger = make_user(Role.CLERK)
    db.session.commit()
    with pytest.raises(Forbidden):
        run_action(case.id, "accept", stranger, lambda c, command: ({}, c.lock_version))
    db.session.expire_all()
    assert case.state == "received"
    done = run_action(case.id, "refuse", hall.clerk, lambda c, command: ({"reason": "不属于本中心受理范围"},
                                                                          c.lock_version))
    db.session.expire_all()
    assert (done.case_id, case.state, case.outcome_reason) == (case.id, "refused", "不属于本中心受理范围")


def test_key_materials_need_a_file_and_the_item_must_be_receivable(hall, store):
    with pytest.raises(ServiceError, match="申请书|key materials"):
        submit(hall, uploads=[("身份证复印件", pdf())])
    hall.window.is_open = False
    with pytest.raises(ServiceError):
        submit(hall)


def test_the_online_supplement_answers_the_notice_only(hall, store):
    case = submit(hall, "2026-03-02")
    with pytest.raises(ActionNotAllowed):  # no notice yet
        supplement_online(case, [("身份证复印件", pdf())], when=at("2026-03-03"))
    reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件", "营业执照副本"], when=at("2026-03-03"))
    assert awaits_online_supplement(case)
    with pytest.raises(ServiceError, match="营业执照副本"):  # every listed material needs its file
        supplement_online(case, [("身份证复印件", pdf())], when=at("2026-03-04"))
    supplement_online(case, [("身份证复印件", pdf()), ("营业执照副本", pdf("b.jpg", JPEG))], when=at("2026-03-04"))
    assert case.state == "supplement_requested"
    assert case.events[-1].trigger == "online_supplement"
    reception.record_supplement(case, hall.actor("clerk"), when=at("2026-03-05"))
    assert (case.received_on, case.accepted_on) == (date(2026, 3, 2), date(2026, 3, 5))
    assert not awaits_online_supplement(case)


def test_a_counter_case_is_not_supplemented_online(hall, store):
    case = hall.receive(day="2026-03-02")
    reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件"], when=at("2026-03-03"))
    assert not awaits_online_supplement(case)
    with pytest.raises(ActionNotAllowed):
        supplement_online(case, [("身份证复印件", pdf())], when=at("2026-03-04"))


def test_a_clerk_form_rendered_before_the_applicants_upload_conflicts(hall, store):
    from service_center.services import Conflict

    case = submit(hall, "2026-03-02")
    reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件"], when=at("2026-03-03"))
    db.session.commit()
    seen = case.lock_version  # the clerk's page
    supplement_online(case, [("身份证复印件", pdf())], when=at("2026-03-04"))
    db.session.commit()
    assert case.lock_version > seen
    with pytest.raises(Conflict):
        reception.record_supplement(case, hall.actor("clerk"), when=at("2026-03-05"), expected_version=seen)
    db.session.rollback()
    assert case.state == "supplement_requested"
