"""Rating appeals through the pages (好差评申诉): the window answering for a rating appeals it from the case's
ratings page, once, with a reason; the supervision office lists the pending appeals and upholds or revokes one,
with a reason and a confirmation. CSRF, field errors (400, nothing changed), and who may do what. SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Rating, Role
from service_center.models.ratings import RatingAppeal, RatingAppealStatus
from service_center.services import decisions, reception
from service_center.services.core import APPLICANT
from service_center.services.ratings import rate
from tests.conftest import extract_csrf, login
from tests.hall import at


def _client(app, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _bad_rating(hall, name: str = "张三") -> Rating:
    """A closed case of the hall's window rated 非常不满意 on the link."""
    case = hall.receive(day="2026-03-02", name=name)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))
    rating = rate(case, "link", "very_dissatisfied", "态度恶劣", actor=APPLICANT, when=at("2026-03-12"))
    db.session.commit()
    return rating


def _appeals() -> list[tuple[int, str, str, str]]:
    db.session.expire_all()
    return [(a.rating_id, a.reason, str(a.status), a.decision_reason)
            for a in db.session.scalars(sa.select(RatingAppeal).order_by(RatingAppeal.id))]


def test_the_window_appeals_and_the_office_revokes(app, hall, make_user):
    rating = _bad_rating(hall)
    supervisor = make_user(Role.SUPERVISOR)
    db.session.commit()
    clerk = _client(app, hall.clerk)
    page_url = f"/cases/{rating.case_id}/ratings"
    page = clerk.get(page_url).get_data(as_text=True)
    assert "对此评价提出申诉" in page
    url = f"{page_url}/{rating.id}/appeal"
    token = extract_csrf(page)
    assert clerk.post(url, data={"reason": "系误评"}).status_code == 400  # no CSRF token
    blank = clerk.post(url, data={"csrf_token": token, "reason": "  "})
    assert blank.status_code == 400
    assert 'class="error"' in blank.get_data(as_text=True)
    assert _appeals() == []
    done = clerk.post(url, data={"csrf_token": token, "reason": "申请人当场表示满意，系误评"})
    assert done.status_code == 302
    assert "申诉已提交" in clerk.get(done.headers["Location"]).get_data(as_text=True)
    assert _appeals() == [(rating.id, "申请人当场表示满意，系误评", "pending", "")]
    page = clerk.get(page_url).get_data(as_text=True)
    assert "申诉待处理" in page
    assert "对此评价提出申诉" not in page
    head = _client(app, hall.head)
    again = head.post(url, data={"csrf_token": _token(head), "reason": "再次申诉"})
    assert again.status_code == 400
    assert "该评价已申诉过。" in again.get_data(as_text=True)
    assert len(_appeals()) == 1

    office = _client(app, supervisor)
    listing = office.get("/supervision/rating-appeals").get_data(as_text=True)
    appeal_id = db.session.scalar(sa.select(RatingAppeal.id))
    assert rating.case.number in listing
    assert f"/supervision/rating-appeals/{appeal_id}" in listing
    decide_url = f"/supervision/rating-appeals/{appeal_id}"
    page = office.get(decide_url).get_data(as_text=True)
    assert "申请人当场表示满意，系误评" in page
    assert "confirm(" in page  # the browser asks before the irreversible decision
    token = extract_csrf(page)
    base = {"csrf_token": token, "decision": "revoke", "decision_reason": "经核实为误评", "confirm": "y"}
    for missing in ("confirm", "decision_reason", "decision"):
        refused = office.post(decide_url, data={k: v for k, v in base.items() if k != missing})
        assert refused.status_code == 400, missing
        assert 'class="error"' in refused.get_data(as_text=True)
    assert office.post(decide_url, data={**base, "decision": "maybe"}).status_code == 400
    assert office.post(decide_url, data={**base, "csrf_token": ""}).status_code == 400
    assert _appeals()[0][2] == "pending"
    assert office.post(decide_url, data=base).status_code == 302
    assert _appeals() == [(rating.id, "申请人当场表示满意，系误评", "revoked", "经核实为误评")]
    page = office.get(decide_url).get_data(as_text=True)
    assert "已撤销" in page
    assert 'id="decide-rating-appeal"' not in page
    twice = office.post(decide_url, data={**base, "decision": "uphold"})
    assert twice.status_code == 400
    assert "该申诉已处理。" in twice.get_data(as_text=True)
    assert _appeals()[0][2] == "revoked"
    assert rating.case.number not in office.get("/supervision/rating-appeals").get_data(as_text=True)
    assert rating.case.number in office.get("/supervision/rating-appeals?status=revoked").get_data(as_text=True)
    assert "已撤销" in clerk.get(page_url).get_data(as_text=True)


def test_the_head_of_the_department_appeals_and_the_office_upholds(app, hall, make_user):
    rating = _bad_rating(hall)
    manager = hall.manager
    head = _client(app, hall.head)
    page = head.get(f"/cases/{rating.case_id}/ratings").get_data(as_text=True)
    assert head.post(f"/cases/{rating.case_id}/ratings/{rating.id}/appeal",
                     data={"csrf_token": extract_csrf(page), "reason": "恶意差评"}).status_code == 302
    office = _client(app, manager)
    appeal_id = db.session.scalar(sa.select(RatingAppeal.id))
    page = office.get(f"/supervision/rating-appeals/{appeal_id}").get_data(as_text=True)
    assert office.post(f"/supervision/rating-appeals/{appeal_id}", data={
        "csrf_token": extract_csrf(page), "decision": "uphold", "decision_reason": "评价属实", "confirm": "y",
    }).status_code == 302
    assert _appeals() == [(rating.id, "恶意差评", str(RatingAppealStatus.UPHELD), "评价属实")]


@pytest.mark.parametrize(("who", "appeal_status", "office_status"), [
    ("window_clerk", 302, 403),
    ("department_head", 302, 403),
    ("department_reviewer", 403, 403),
    ("other_clerk", 403, 403),
    ("other_head", 403, 403),
    ("supervisor", 403, 200),
    ("manager", 403, 200),
    ("admin", 403, 403),
])
def test_who_may_appeal_and_who_decides(app, hall, make_user, make_window, who, appeal_status, office_status):
    rating = _bad_rating(hall)
    users = {
        "window_clerk": lambda: hall.clerk,
        "department_head": lambda: hall.head,
        "department_reviewer": lambda: hall.reviewer,
        "other_clerk": lambda: make_user(Role.CLERK),
        "other_head": lambda: make_user(Role.DEPT_HEAD, department=hall.other),
        "supervisor": lambda: make_user(Role.SUPERVISOR),
        "manager": lambda: hall.manager,
        "admin": lambda: make_user(Role.ADMIN),
    }
    user = users[who]()
    db.session.commit()
    client = _client(app, user)
    token = _token(client)
    response = client.post(f"/cases/{rating.case_id}/ratings/{rating.id}/appeal",
                           data={"csrf_token": token, "reason": "系误评"})
    assert response.status_code == appeal_status
    assert len(_appeals()) == (1 if appeal_status == 302 else 0)
    assert client.get("/supervision/rating-appeals").status_code == office_status
    if appeal_status != 302:
        db.session.add(RatingAppeal(rating_id=rating.id, reason="r", appealed_by_id=hall.clerk.id))
        db.session.commit()
    appeal_id = db.session.scalar(sa.select(RatingAppeal.id))
    assert client.get(f"/supervision/rating-appeals/{appeal_id}").status_code == office_status
    decided = client.post(f"/supervision/rating-appeals/{appeal_id}", data={
        "csrf_token": token, "decision": "revoke", "decision_reason": "越权", "confirm": "y"})
    assert decided.status_code == (302 if office_status == 200 else 403)
    assert _appeals()[0][2] == ("revoked" if office_status == 200 else "pending")


def test_a_rating_of_another_case_is_not_found(app, hall):
    rating = _bad_rating(hall)
    other = _bad_rating(hall, name="李四")
    clerk = _client(app, hall.clerk)
    token = _token(clerk)
    assert clerk.post(f"/cases/{rating.case_id}/ratings/{other.id}/appeal",
                      data={"csrf_token": token, "reason": "系误评"}).status_code == 404
    assert _appeals() == []


def test_an_unknown_appeal_status_filter_is_a_field_error(app, make_user):
    office = _client(app, make_user(Role.SUPERVISOR))
    response = office.get("/supervision/rating-appeals?status=nonsense")
    assert response.status_code == 400
    assert 'data-field="status"' in response.get_data(as_text=True)


def _token(client) -> str:  # type: ignore[no-untyped-def]
    """A CSRF token of the client's session (any page with a form gives one)."""
    page = client.get("/complain")
    return extract_csrf(page.get_data(as_text=True))
