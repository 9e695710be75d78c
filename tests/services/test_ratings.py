"""Ratings (好差评): once per case per channel, only for closed applications, a bad rating needs its reason and
opens one rectification due in 15 working days (or RECTIFICATION_DAYS), staff entry records channel and who
entered it, and the default job gives 基本满意 once to cases left unrated. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, Rating, RatingChannel, RatingLevel, Role
from service_center.services import ServiceError, complaints, decisions, reception
from service_center.services.core import APPLICANT, Actor
from service_center.services.intake import Applicant
from service_center.services.ratings import give_default_ratings, rate
from tests.services.conftest import at


def _closed(hall, day: str = "2026-03-12"):  # type: ignore[no-untyped-def]
    case = hall.receive()
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at(day))
    return case


def _ratings(case: Case) -> list[tuple[str, str, str, bool, int | None]]:
    rows = db.session.execute(sa.select(Rating.channel, Rating.level, Rating.reason, Rating.is_default,
                                        Rating.entered_by_id).where(Rating.case_id == case.id)
                              .order_by(Rating.id))
    return [(str(c), str(lv), r, d, e) for c, lv, r, d, e in rows]


def test_once_per_case_per_channel(hall):
    case = _closed(hall)
    rating = rate(case, "tracking", "very_satisfied", actor=APPLICANT, when=at("2026-03-13"))
    assert (rating.window_id, rating.rectification_id, rating.entered_by_id) == (hall.window.id, None, None)
    with pytest.raises(ServiceError) as again:
        rate(case, RatingChannel.TRACKING, RatingLevel.SATISFIED, actor=APPLICANT, when=at("2026-03-14"))
    assert again.value.field == "channel"
    rate(case, "evaluator", "satisfied", actor=APPLICANT, when=at("2026-03-14"))
    db.session.commit()
    assert _ratings(case) == [("tracking", "very_satisfied", "", False, None),
                              ("evaluator", "satisfied", "", False, None)]


def test_only_closed_applications_on_a_real_channel_and_level(hall):
    open_case = hall.receive()
    with pytest.raises(ServiceError) as still_open:
        rate(open_case, "tracking", "satisfied", actor=APPLICANT)
    assert still_open.value.field == "level"
    case = _closed(hall)
    for channel, level, field in [("sms", "satisfied", "channel"), ("tracking", "great", "level"),
                                  ("default", "basic", "channel"), ("phone", "satisfied", "channel")]:
        with pytest.raises(ServiceError) as bad:
            rate(case, channel, level, actor=APPLICANT)
        assert bad.value.field == field, (channel, level)
    complaint = complaints.receive_complaint(window=hall.window, complainant=Applicant("王五"), content="态度差",
                                             actor=hall.actor("manager"), when=at("2026-03-02"))
    complaints.reject_complaint(complaint, hall.actor("manager"), "不属于受理范围", when=at("2026-03-03"))
    assert not complaint.in_progress
    with pytest.raises(ServiceError) as not_application:
        rate(complaint, "tracking", "satisfied", actor=APPLICANT)
    assert not_application.value.field == "level"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def test_a_bad_rating_needs_its_reason_and_opens_one_rectification(hall):
    case = _closed(hall)
    with pytest.raises(ServiceError) as no_reason:
        rate(case, "link", "dissatisfied", " \u200b", actor=APPLICANT, when=at("2026-03-12"))
    assert no_reason.value.field == "reason"
    rating = rate(case, "link", "very_dissatisfied", "  等候时间过长 ", actor=APPLICANT, when=at("2026-03-12"))
    db.session.commit()
    task = db.session.get(Case, rating.rectification_id)
    assert (rating.reason, task.workflow_key, task.state, task.parent_id, task.window_id) == (
        "等候时间过长", "rectification", "opened", case.id, hall.window.id)
    # Thu 3/12 + 15 wd: 3/13 (1), 3/16-20 (2-6), 3/23-27 (7-11), 3/30-4/2 (12-15)
    assert task.due_promised == date(2026, 4, 2)
    rate(case, "tracking", "satisfied", actor=APPLICANT, when=at("2026-03-13"))
    tasks = db.session.scalars(sa.select(Case).where(Case.parent_id == case.id)).all()
    assert [t.id for t in tasks] == [task.id]  # a good rating opens none; one per bad rating


def test_rectification_days_are_configurable(app, hall):
    app.config["RECTIFICATION_DAYS"] = 5
    try:
        rating = rate(_closed(hall), "evaluator", "dissatisfied", "态度差", actor=APPLICANT, when=at("2026-03-12"))
        # Thu 3/12 + 5 wd: 3/13, 3/16, 3/17, 3/18, 3/19
        assert db.session.get(Case, rating.rectification_id).due_promised == date(2026, 3, 19)
    finally:
        app.config["RECTIFICATION_DAYS"] = None


def test_staff_entry_records_its_channel_and_who_entered_it(hall, make_user):
    case = _closed(hall)
    supervisor = make_user(Role.SUPERVISOR)
    rate(case, "phone", "satisfied", actor=hall.actor("clerk"), when=at("2026-03-13"))
    rate(case, "paper", "dissatisfied", "材料退回两次", actor=Actor.staff(supervisor), when=at("2026-03-13"))
    db.session.commit()
    assert _ratings(case) == [("phone", "satisfied", "", False, hall.clerk.id),
                              ("paper", "dissatisfied", "材料退回两次", False, supervisor.id)]


def test_the_default_rating_job_runs_once(app, hall):
    from service_center.jobs import run_job

    unrated = _closed(hall, "2026-03-12")
    rated = _closed(hall, "2026-03-12")
    rate(rated, "tracking", "satisfied", actor=APPLICANT, when=at("2026-03-12"))
    recent = _closed(hall, "2026-03-13")
    still_open = hall.receive()
    db.session.commit()
    assert give_default_ratings(now=at("2026-03-18", 23)) == 0  # 6 days after 3/12
    first = run_job("ratings.default", now=at("2026-03-19", 2))
    again = run_job("ratings.default", now=at("2026-03-19", 3))  # the same day's period: done
    assert first.run.counts == {"defaulted": 1}
    assert again.run.id == first.run.id
    assert again.run.counts == {"defaulted": 1}
    assert give_default_ratings(now=at("2026-03-19", 4)) == 0  # a rerun adds nothing
    assert _ratings(unrated) == [("default", "basic", "", True, None)]
    assert _ratings(rated) == [("tracking", "satisfied", "", False, None)]
    assert _ratings(recent) == _ratings(still_open) == []
    assert run_job("ratings.default", now=at("2026-03-20", 2)).run.counts == {"defaulted": 1}  # 3/13's case
    assert _ratings(recent) == [("default", "basic", "", True, None)]


def test_the_window_appeals_a_rating_and_the_office_decides(hall, make_user):
    from service_center.models.ratings import RatingAppeal, RatingAppealStatus
    from service_center.services.ratings import appeal_rating, decide_rating_appeal

    rating = rate(_closed(hall), "link", "very_dissatisfied", "恶意差评", actor=APPLICANT, when=at("2026-03-12"))
    supervisor, stranger = make_user(Role.SUPERVISOR), make_user(Role.CLERK)
    with pytest.raises(ServiceError) as not_theirs:
        appeal_rating(rating, stranger, "恶意")
    assert not_theirs.value.field == "reason"
    with pytest.raises(ServiceError) as no_reason:
        appeal_rating(rating, hall.clerk, " ")
    assert no_reason.value.field == "reason"
    appeal = appeal_rating(rating, hall.clerk, "申请人当场表示满意，系误评", when=at("2026-03-13"))
    with pytest.raises(ServiceError):
        appeal_rating(rating, hall.head, "再次申诉")
    with pytest.raises(ServiceError) as not_office:
        decide_rating_appeal(appeal, hall.head, upheld=False, reason="撤销")
    assert not_office.value.field == "decision_reason"
    with pytest.raises(ServiceError):
        decide_rating_appeal(appeal, supervisor, upheld=False, reason=" ")
    decide_rating_appeal(appeal, supervisor, upheld=False, reason="经核实为误评", when=at("2026-03-16"))
    db.session.commit()
    stored = db.session.scalars(sa.select(RatingAppeal)).one()
    assert (stored.rating_id, stored.appealed_by_id, stored.status, stored.decided_by_id, stored.decision_reason) == (
        rating.id, hall.clerk.id, RatingAppealStatus.REVOKED, supervisor.id, "经核实为误评")
    with pytest.raises(ServiceError):
        decide_rating_appeal(stored, supervisor, upheld=True, reason="改判")
