"""Contract tests of the public endpoints: catalogue, guide, tracking (with the page's throttle), ratings and
complaints. Bodies are asserted, errors are problem+json with a stable code and the field at fault."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, ItemStatus, Rating
from service_center.services import decisions, reception
from tests.hall import at

PROBLEM = "application/problem+json"


def closed_case(hall):  # type: ignore[no-untyped-def]
    case = hall.receive()
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-11"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-12"))
    db.session.commit()
    return case


def test_catalogue_lists_published_items_with_cursor_pages(client, hall, make_item):
    make_item(status=ItemStatus.DRAFT, name="草稿事项")
    db.session.commit()
    first = client.get("/api/v1/catalogue?limit=3")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    assert len(body["items"]) == 3
    assert body["next_cursor"]
    rest = client.get(f"/api/v1/catalogue?limit=3&cursor={body['next_cursor']}").get_json()
    codes = [i["code"] for i in body["items"] + rest["items"]]
    assert rest["next_cursor"] is None
    assert sorted(codes) == sorted(i.code for i in (hall.committed, hall.joint, hall.instant, hall.forwarded,
                                                   hall.disclosure))
    assert body["items"][0] == {
        "code": hall.joint.code, "version": 1, "name": hall.joint.name, "category": "licensing",
        "case_type": "joint", "department": hall.lead.name, "statutory_limit_days": 45, "promised_limit_days": 30,
        "status": "published"}


def test_catalogue_search_and_filters_as_the_guide(client, hall):
    by_code = client.get(f"/api/v1/catalogue?q={hall.instant.code}").get_json()["items"]
    assert [i["code"] for i in by_code] == [hall.instant.code]
    joint = client.get("/api/v1/catalogue?type=joint").get_json()["items"]
    assert [i["code"] for i in joint] == [hall.joint.code]
    bad = client.get("/api/v1/catalogue?type=nonsense")
    assert bad.status_code == 422
    assert bad.mimetype == PROBLEM
    assert bad.get_json()["field"] == "type"
    assert bad.get_json()["code"] == "invalid_input"
    cursor = client.get("/api/v1/catalogue?cursor=bm9wZQ")
    assert cursor.status_code == 400
    assert cursor.get_json()["field"] == "cursor"
    limit = client.get("/api/v1/catalogue?limit=1000")
    assert limit.status_code == 422
    assert limit.get_json()["field"] == "limit"
    assert limit.get_json()["code"] == "invalid_input"


def test_guide_of_an_item(client, hall):
    response = client.get(f"/api/v1/catalogue/{hall.committed.code}")
    body = response.get_json()
    assert response.status_code == 200
    assert body["materials"] == [{"name": "申请书", "is_key": True, "note": ""},
                                 {"name": "身份证复印件", "is_key": False, "note": ""}]
    assert body["workflow_key"] == "committed"
    assert body["flow"][0]
    missing = client.get("/api/v1/catalogue/NOPE")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "type": "about:blank", "title": "Not Found", "status": 404, "detail": missing.get_json()["detail"],
        "code": "not_found"}


def test_tracking_by_number_and_code_masks_the_applicant(client, hall):
    case = hall.receive()
    db.session.commit()
    response = client.post("/api/v1/tracking", json={"number": case.number.lower(), "query_code": case.query_code})
    body = response.get_json()
    assert response.status_code == 200
    assert body["number"] == case.number
    assert body["applicant_name"] == "张*"
    assert body["state"] == "received"
    assert body["timeline"][0]["label"]
    assert body["may_rate"] is False
    assert "330102" not in response.get_data(as_text=True)
    wrong = client.post("/api/v1/tracking", json={"number": case.number, "query_code": "WRONG"})
    unknown = client.post("/api/v1/tracking", json={"number": "NOPE", "query_code": "WRONG"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json() == unknown.get_json()
    missing = client.post("/api/v1/tracking", json={"number": case.number})
    assert missing.status_code == 422
    assert missing.get_json()["field"] == "query_code"


def test_tracking_has_the_pages_throttle(database_url, app, hall):
    from service_center import create_app

    case = hall.receive()
    db.session.commit()
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         TRACK_RATE_LIMIT="3 per minute", TRACK_CASE_RATE_LIMIT="100 per minute",
                         TRACK_CASE_BURST_LIMIT="100 per minute")
    try:
        client = limited.test_client()
        codes = [client.post("/api/v1/tracking", json={"number": f"X{n}", "query_code": "BAD"}).status_code
                 for n in range(4)]
        assert codes == [404, 404, 404, 429]
        refused = client.post("/api/v1/tracking", json={"number": "X9", "query_code": "BAD"})
        assert refused.get_json()["code"] == "too_many_lookups"
        right = client.post("/api/v1/tracking", json={"number": case.number, "query_code": case.query_code})
        assert right.status_code == 200  # a correct lookup is answered even from an address over its limit
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_rating_a_closed_case_once_with_the_services_rules(client, hall):
    case = closed_case(hall)
    credentials = {"number": case.number, "query_code": case.query_code}
    bad = client.post("/api/v1/ratings", json={**credentials, "level": "dissatisfied"})
    assert bad.status_code == 400
    assert bad.get_json()["field"] == "reason"
    level = client.post("/api/v1/ratings", json={**credentials, "level": "superb"})
    assert level.status_code == 400
    assert level.get_json()["field"] == "level"
    done = client.post("/api/v1/ratings", json={**credentials, "level": "satisfied"})
    assert done.status_code == 201
    assert done.get_json() == {"number": case.number, "level": "satisfied", "channel": "link"}
    again = client.post("/api/v1/ratings", json={**credentials, "level": "satisfied"})
    assert again.status_code == 400
    assert again.get_json()["field"] == "channel"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 1
    wrong = client.post("/api/v1/ratings", json={**credentials, "query_code": "NOPE", "level": "satisfied"})
    assert wrong.status_code == 404


def test_an_open_case_cannot_be_rated(client, hall):
    case = hall.receive()
    db.session.commit()
    response = client.post("/api/v1/ratings", json={"number": case.number, "query_code": case.query_code,
                                                    "level": "satisfied"})
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def test_filing_a_complaint_and_tracking_it(client, hall):
    response = client.post("/api/v1/complaints", json={"content": "窗口态度不好", "name": "李四",
                                                       "phone": "13900000000"})
    body = response.get_json()
    assert response.status_code == 201
    assert set(body) == {"number", "query_code"}
    case = db.session.scalar(sa.select(Case).where(Case.number == body["number"]))
    assert case.applicant_name == "李四"
    assert case.applicant_phone == "13900000000"
    tracked = client.post("/api/v1/tracking", json=body).get_json()
    assert tracked["applicant_name"] == "李*"
    assert tracked["in_progress"] is True
    blank = client.post("/api/v1/complaints", json={"content": ""})
    assert blank.status_code in (400, 422)
    assert blank.get_json()["field"] == "content"
    unknown = client.post("/api/v1/complaints", json={"content": "x", "surprise": 1})
    assert unknown.status_code == 422
    assert unknown.get_json()["field"] == "surprise"


def test_nul_in_a_json_body_is_refused(client, hall):
    response = client.post("/api/v1/complaints", json={"content": "a\u0000b"})
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
