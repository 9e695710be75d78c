"""Two at once on one rating (好差评申诉): the window's clerk and its head appeal together, two office members decide
together. Exactly one of each succeeds; the other gets the service's refusal, never a database error. SQLite and
PostgreSQL (where the two transactions really overlap)."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Rating, Role, User
from service_center.models.ratings import RatingAppeal, RatingAppealStatus
from service_center.services import ServiceError, decisions, reception
from service_center.services.core import APPLICANT
from service_center.services.ratings import appeal_rating, decide_rating_appeal, rate
from tests.services.conftest import at
from tests.services.test_case_concurrency import in_request, run_together


def _bad_rating(hall) -> int:  # type: ignore[no-untyped-def]
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))
    rating = rate(case, "link", "very_dissatisfied", "态度恶劣", actor=APPLICANT, when=at("2026-03-12"))
    db.session.commit()
    return rating.id


def test_two_appeals_at_once_make_one(app, hall):
    rating_id, appellants = _bad_rating(hall), (hall.clerk.id, hall.head.id)

    def appeal(user_id: int):  # type: ignore[no-untyped-def]
        return lambda: appeal_rating(db.session.get(Rating, rating_id), db.session.get(User, user_id), "系误评").id

    outcomes = run_together(app, [appeal(user_id) for user_id in appellants])
    errors = [error for _result, error in outcomes if error is not None]
    assert len(errors) == 1
    assert isinstance(errors[0], ServiceError)
    assert errors[0].field == "reason"
    db.session.rollback()  # a new transaction sees what the two committed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RatingAppeal)) == 1


def test_an_appeal_racing_an_uncommitted_one_is_refused_not_a_database_error(app, hall):
    """The other appeal is written but not yet committed when this one checks (it sees none) and inserts (it waits
    on the unique rating): once the other commits, this one is the service's refusal."""
    rating_id, clerk_id, head_id = _bad_rating(hall), hall.clerk.id, hall.head.id
    with db.engine.connect() as other:
        other.execute(RatingAppeal.__table__.insert().values(
            rating_id=rating_id, reason="先到", appealed_by_id=head_id, appealed_at=at("2026-03-13"),
            status=RatingAppealStatus.PENDING.value, decision_reason=""))
        outcome: list = []
        racer = threading.Thread(target=lambda: outcome.append(in_request(app, lambda: appeal_rating(
            db.session.get(Rating, rating_id), db.session.get(User, clerk_id), "后到"))))
        racer.start()
        time.sleep(0.5)  # let it check and reach its INSERT (it waits there on PostgreSQL)
        other.commit()
    racer.join(timeout=30)
    assert not racer.is_alive()
    _result, error = outcome[0]
    assert isinstance(error, ServiceError)
    assert error.field == "reason"
    db.session.rollback()
    assert db.session.scalars(sa.select(RatingAppeal.reason)).all() == ["先到"]


def test_two_decisions_at_once_make_one(app, hall, make_user):
    rating_id = _bad_rating(hall)
    appeal_id = appeal_rating(db.session.get(Rating, rating_id), hall.clerk, "系误评").id
    deciders = (make_user(Role.SUPERVISOR).id, hall.manager.id)
    db.session.commit()

    def decide(user_id: int, upheld: bool):  # type: ignore[no-untyped-def]
        return lambda: decide_rating_appeal(db.session.get(RatingAppeal, appeal_id), db.session.get(User, user_id),
                                            upheld=upheld, reason="核实").id

    outcomes = run_together(app, [decide(deciders[0], True), decide(deciders[1], False)])
    errors = [error for _result, error in outcomes if error is not None]
    assert len(errors) == 1
    assert isinstance(errors[0], ServiceError)
    winner = next(i for i, (_result, error) in enumerate(outcomes) if error is None)
    db.session.rollback()
    stored = db.session.get(RatingAppeal, appeal_id)
    assert (stored.status, stored.decided_by_id) == (
        (RatingAppealStatus.UPHELD, RatingAppealStatus.REVOKED)[winner], deciders[winner])
