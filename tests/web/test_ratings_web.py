"""Rating pages: the public /rate (number + query code, CSRF; the link prefilled, the tracking result's form),
staff entry of phone and paper ratings on a case's ratings page (the rater unmasked only to its handlers and the
supervision office), and the window evaluator. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, Rating, Role
from service_center.services import decisions, reception
from service_center.services.clock import local_today
from tests.conftest import extract_csrf, login
from tests.hall import at


def signed_in(app, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _closed(hall, day: str | None = "2026-03-12"):  # type: ignore[no-untyped-def]
    """A granted, delivered and closed case; ``day`` None: all of it now (the evaluator shows today's)."""
    case = hall.receive(day=day or local_today().isoformat())
    when = (lambda d: at(d)) if day else (lambda _d: None)
    reception.accept(case, hall.actor("clerk"), when=when("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=when("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=when("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=when(day))
    db.session.commit()
    return case


def _ratings(case: Case) -> list[tuple[str, str, str, int | None]]:
    db.session.expire_all()
    return [(str(c), str(lv), r, e) for c, lv, r, e in db.session.execute(
        sa.select(Rating.channel, Rating.level, Rating.reason, Rating.entered_by_id)
        .where(Rating.case_id == case.id).order_by(Rating.id))]


def test_the_public_rating_page_from_the_link_and_from_tracking(app, hall):
    case = _closed(hall)
    client = app.test_client()
    page = client.get(f"/rate?number={case.number}").get_data(as_text=True)
    assert f'value="{case.number}"' in page
    token = extract_csrf(page)
    base = {"csrf_token": token, "number": case.number, "query_code": case.query_code, "channel": "link"}
    assert client.post("/rate", data={**base, "level": "satisfied"} | {"csrf_token": ""}).status_code == 400
    assert client.post("/rate", data={**base, "query_code": "WRONG1", "level": "satisfied"}).status_code == 404
    assert client.post("/rate", data=base).status_code == 400  # no level
    assert client.post("/rate", data={**base, "level": "great"}).status_code == 400
    assert client.post("/rate", data={**base, "channel": "phone", "level": "satisfied"}).status_code == 400
    no_reason = client.post("/rate", data={**base, "level": "dissatisfied"})
    assert no_reason.status_code == 400
    assert "请说明不满意的原因。" in no_reason.get_data(as_text=True)
    assert _ratings(case) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.parent_id == case.id)) == 0
    done = client.post("/rate", data={**base, "level": "dissatisfied", "reason": "多次往返"})
    assert done.status_code == 302
    assert "感谢您的评价" in client.get(done.headers["Location"]).get_data(as_text=True)
    again = client.post("/rate", data={**base, "level": "satisfied"})
    assert again.status_code == 400
    assert "该办件已通过此渠道评价过。" in again.get_data(as_text=True)
    assert _ratings(case) == [("link", "dissatisfied", "多次往返", None)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.parent_id == case.id)) == 1

    tracked = client.post("/track", data={"csrf_token": token, "number": case.number,
                                          "query_code": case.query_code}).get_data(as_text=True)
    assert 'id="track-rate"' in tracked
    assert client.post("/rate", data={**base, "channel": "tracking", "level": "very_satisfied"}).status_code == 302
    assert _ratings(case)[1] == ("tracking", "very_satisfied", "", None)
    tracked = client.post("/track", data={"csrf_token": token, "number": case.number,
                                          "query_code": case.query_code}).get_data(as_text=True)
    assert 'id="track-rate"' not in tracked


def test_an_open_case_offers_no_rating(app, hall):
    case = hall.receive()
    db.session.commit()
    client = app.test_client()
    token = extract_csrf(client.get("/rate").get_data(as_text=True))
    tracked = client.post("/track", data={"csrf_token": token, "number": case.number,
                                          "query_code": case.query_code}).get_data(as_text=True)
    assert 'id="track-rate"' not in tracked
    refused = client.post("/rate", data={"csrf_token": token, "number": case.number, "query_code": case.query_code,
                                         "channel": "link", "level": "satisfied"})
    assert refused.status_code == 400
    assert "只有已办结的办件才能评价。" in refused.get_data(as_text=True)
    assert _ratings(case) == []


def test_staff_entry_and_who_sees_the_rater(app, hall, make_user):
    case = _closed(hall)
    supervisor = make_user(Role.SUPERVISOR)
    db.session.commit()
    reviewer = signed_in(app, hall.reviewer)  # sees the case (its department) but never acted on it
    page = reviewer.get(f"/cases/{case.id}/ratings").get_data(as_text=True)
    assert "张三" not in page
    assert "张*" in page
    assert "13800000000" not in page
    bad = reviewer.post(f"/cases/{case.id}/ratings", data={"csrf_token": extract_csrf(page), "channel": "phone",
                                                           "level": "very_dissatisfied"})
    assert bad.status_code == 400
    assert reviewer.post(f"/cases/{case.id}/ratings", data={
        "csrf_token": extract_csrf(page), "channel": "phone", "level": "very_dissatisfied",
        "reason": "电话反映态度差"}).status_code == 302
    clerk = signed_in(app, hall.clerk)  # handled the case
    page = clerk.get(f"/cases/{case.id}/ratings").get_data(as_text=True)
    assert "张三" in page
    assert "13800000000" in page
    assert "电话反映态度差" in page
    assert clerk.post(f"/cases/{case.id}/ratings", data={"csrf_token": extract_csrf(page), "channel": "paper",
                                                         "level": "satisfied"}).status_code == 302
    assert clerk.post(f"/cases/{case.id}/ratings", data={"csrf_token": extract_csrf(page), "channel": "evaluator",
                                                         "level": "satisfied"}).status_code == 400
    assert "张三" in signed_in(app, supervisor).get(f"/cases/{case.id}/ratings").get_data(as_text=True)
    assert _ratings(case) == [("phone", "very_dissatisfied", "电话反映态度差", hall.reviewer.id),
                              ("paper", "satisfied", "", hall.clerk.id)]
    assert f"/cases/{case.id}/ratings" in clerk.get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_window_evaluator(app, hall, make_user):
    client = signed_in(app, hall.clerk)
    number = hall.window.number
    assert 'id="evaluator-waiting"' in client.get(f"/evaluator/{number}").get_data(as_text=True)
    _closed(hall, day="2026-03-12")  # not today: not shown
    assert 'id="evaluator-waiting"' in client.get(f"/evaluator/{number}").get_data(as_text=True)
    case = _closed(hall, day=None)
    page = client.get(f"/evaluator/{number}").get_data(as_text=True)
    assert case.number in page
    assert "张三" not in page
    assert "张*" in page
    other = make_user(Role.CLERK)
    db.session.commit()
    assert signed_in(app, other).get(f"/evaluator/{number}").status_code == 403
    assert client.get("/evaluator/NOPE").status_code == 404
    data = {"csrf_token": extract_csrf(page), "case_id": str(case.id)}
    assert client.post(f"/evaluator/{number}", data={**data, "level": "dissatisfied"}).status_code == 400
    assert client.post(f"/evaluator/{number}", data={**data, "level": "very_satisfied"}).status_code == 302
    assert _ratings(case) == [("evaluator", "very_satisfied", "", None)]
    assert 'id="evaluator-waiting"' in client.get(f"/evaluator/{number}").get_data(as_text=True)


def test_guessing_the_code_on_the_rating_page_is_throttled_as_on_tracking(database_url, hall):
    from service_center import create_app

    case = _closed(hall)
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         TRACK_RATE_LIMIT="100 per minute", TRACK_CASE_RATE_LIMIT="3 per minute")
    try:
        client = limited.test_client()
        token = extract_csrf(client.get("/rate").get_data(as_text=True))
        data = {"csrf_token": token, "number": case.number, "channel": "link", "level": "satisfied"}
        codes = [client.post("/rate", data={**data, "query_code": "WRONG1"},
                             environ_base={"REMOTE_ADDR": f"10.0.3.{i}"}).status_code for i in range(4)]
        assert codes == [404, 404, 404, 429]
        assert client.post("/rate", data={**data, "query_code": case.query_code}).status_code == 429  # locked
        assert _ratings(case) == []
    finally:
        with limited.app_context():
            db.engine.dispose()
