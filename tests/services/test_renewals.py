"""Renewals (延续, Art. 50): a renewal still undecided when the licence expires counts as granted, by the
system, with an event saying why; nothing else is touched."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, CaseEvent, StepStatus
from service_center.services import ServiceError, decisions, reception
from service_center.services.intake import Applicant
from service_center.services.renewals import grant_expired_renewals
from tests.services.conftest import at

EXPIRES = date(2026, 3, 20)


def renewal(hall, item=None, expires: date = EXPIRES) -> Case:  # type: ignore[no-untyped-def]
    case = reception.receive_application(item=item or hall.committed, window=hall.window, clerk=hall.clerk,
                                         applicant=Applicant("张三"), licence_expires_on=expires,
                                         when=at("2026-03-02"))
    return reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))


@pytest.mark.parametrize("item", ["committed", "joint", "forwarded"])
def test_an_undecided_renewal_is_granted_by_law_the_day_after_the_licence_expires(hall, item):
    case = renewal(hall, getattr(hall, item))
    case_id = case.id
    assert grant_expired_renewals(when=at("2026-03-20")).done == 0  # the last day of the licence: not yet
    part = grant_expired_renewals(when=at("2026-03-23"))
    assert (part.done, part.failed) == (1, [])
    case = db.session.get(Case, case_id)
    assert (case.state, case.outcome, case.decided_on) == ("granted", "granted", date(2026, 3, 23))
    assert case.due_delivery is not None
    assert case.in_progress
    assert all(s.status == StepStatus.CANCELLED for s in case.steps)  # joint: the departments' shares lapse
    event = case.events[-1]
    assert (event.trigger, event.actor_role, event.data) == ("grant_renewal_by_law", "system",
                                                             {"licence_expires_on": "2026-03-20"})
    assert "2026-03-20" in event.comment


def test_decided_renewals_and_ordinary_applications_are_left_alone(hall):
    decided = renewal(hall)
    decisions.decide(decided, hall.actor("head"), grant=False, reason="不符合条件", when=at("2026-03-10"))
    ordinary = reception.accept(hall.receive(), hall.actor("clerk"), when=at("2026-03-02"))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent))
    assert grant_expired_renewals(when=at("2026-06-01")).done == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == before
    assert (decided.state, ordinary.state) == ("denied", "under_review")


def test_a_renewal_whose_licence_already_expired_or_of_an_item_that_renews_nothing_is_refused(hall):
    with pytest.raises(ServiceError) as error:
        reception.receive_application(item=hall.committed, window=hall.window, clerk=hall.clerk,
                                      applicant=Applicant("张三"), licence_expires_on=date(2026, 3, 1),
                                      when=at("2026-03-02"))
    assert error.value.field == "licence_expires_on"
    with pytest.raises(ServiceError) as error:
        reception.receive_application(item=hall.instant, window=hall.window, clerk=hall.clerk,
                                      applicant=Applicant("张三"), licence_expires_on=EXPIRES, when=at("2026-03-02"))
    assert error.value.field == "licence_expires_on"


def test_the_daily_sweep_reports_renewals_granted(app, hall):
    renewal(hall)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cases", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 renewals granted by law" in result.output
