"""Contract tests of the staff endpoints (cases, actions, steps, notices, cards, orders) and the scope matrix of
role x endpoint, as for the pages."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import CaseEvent, Role, WarningCard
from service_center.services import reception
from service_center.services.clock import local_today
from service_center.services.orders import issue_order
from tests.api.conftest import bearer
from tests.conftest import login

PROBLEM = "application/problem+json"


def today_case(hall):  # type: ignore[no-untyped-def]
    return hall.receive(day=local_today().isoformat())


def events(case_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(CaseEvent.trigger).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.id)))


def test_case_list_is_scoped_filtered_and_paged(client, hall, make_user, token_for):
    cases = [today_case(hall) for _ in range(3)]
    reception.accept(cases[0], hall.actor("clerk"))
    stranger = make_user(Role.CLERK)
    db.session.commit()
    secret = token_for(hall.clerk)
    page = client.get("/api/v1/cases?limit=2", headers=bearer(secret)).get_json()
    rest = client.get(f"/api/v1/cases?limit=2&cursor={page['next_cursor']}", headers=bearer(secret)).get_json()
    assert [c["id"] for c in page["items"] + rest["items"]] == [c.id for c in reversed(cases)]
    assert rest["next_cursor"] is None
    accepted = client.get("/api/v1/cases?state=under_review", headers=bearer(secret)).get_json()["items"]
    assert [c["id"] for c in accepted] == [cases[0].id]
    assert accepted[0]["state"] == "under_review"
    assert accepted[0]["accepted_on"] == local_today().isoformat()
    by_number = client.get(f"/api/v1/cases?q={cases[1].number}", headers=bearer(secret)).get_json()["items"]
    assert [c["number"] for c in by_number] == [cases[1].number]
    bad = client.get("/api/v1/cases?received_from=2026-13-40", headers=bearer(secret))
    assert bad.status_code == 400
    assert bad.mimetype == PROBLEM
    assert bad.get_json()["field"] == "received_from"
    foreign = client.get(f"/api/v1/cases?window={hall.window.id + 999}", headers=bearer(secret))
    assert foreign.status_code == 400
    assert foreign.get_json()["field"] == "window"
    assert client.get("/api/v1/cases", headers=bearer(token_for(stranger))).get_json() == {
        "items": [], "next_cursor": None}


def test_a_case_with_its_clock_steps_events_actions_and_etag(client, hall, token_for):
    case = hall.receive(item=hall.joint, day=local_today().isoformat())
    reception.accept(case, hall.actor("clerk"), departments=[hall.other.id])
    db.session.commit()
    response = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token_for(hall.other_reviewer)))
    body = response.get_json()
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"case-{case.id}-v{case.lock_version}"'
    assert body["lock_version"] == case.lock_version
    assert body["state"] == "parallel_review"
    assert body["clock"] == {"used": 0, "left_promised": body["clock"]["left_promised"],
                             "left_statutory": body["clock"]["left_statutory"]}
    assert body["clock"]["left_statutory"] >= body["clock"]["left_promised"] > 0
    assert {s["department_id"] for s in body["steps"]} == {hall.lead.id, hall.other.id}
    assert [e["trigger"] for e in body["events"]][:2] == ["receive", "accept"]
    assert body["applicant_id_number"] == "330102199001011234"  # staff in scope see the applicant
    assert body["notices"] == ["receipt", "acceptance"]
    assert body["actions"] == []  # a participating department acts on its step, not on the case


def test_an_action_through_the_command_path(client, hall, token_for):
    case = today_case(hall)
    db.session.commit()
    secret = token_for(hall.clerk)
    version = case.lock_version
    etag = client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).headers["ETag"]
    response = client.post(f"/api/v1/cases/{case.id}/actions/accept", json={"comment": "材料齐全"},
                           headers=bearer(secret, **{"If-Match": etag}))
    body = response.get_json()
    assert response.status_code == 200
    assert body["state"] == "under_review"
    assert body["lock_version"] == version + 1
    assert response.headers["ETag"] == f'"case-{case.id}-v{body["lock_version"]}"'
    assert events(case.id)[:2] == ["receive", "accept"]
    accept = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.trigger == "accept"))
    assert (accept.actor_id, accept.comment) == (hall.clerk.id, "材料齐全")


@pytest.mark.parametrize(("trigger", "body", "status", "code", "field"), [
    ("refuse", {}, 400, "invalid_input", "reason"),
    ("refuse", {"reason": " "}, 400, "invalid_input", "reason"),
    ("request_supplement", {"missing_materials": ["没有这份材料"]}, 400, "invalid_input", "missing_materials"),
    ("fly", {}, 404, "not_found", None),
    ("accept", {"comment": 5}, 422, "invalid_input", "comment"),
    ("accept", {"surprise": "x"}, 422, "invalid_input", "surprise"),
])
def test_refused_actions_change_nothing(client, hall, token_for, trigger, body, status, code, field):
    case = today_case(hall)
    db.session.commit()
    version = case.lock_version
    response = client.post(f"/api/v1/cases/{case.id}/actions/{trigger}", json=body,
                           headers=bearer(token_for(hall.clerk)))
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["code"] == code
    assert problem.get("field") == field
    assert problem["status"] == status
    db.session.refresh(case)
    assert (case.state, case.lock_version, events(case.id)) == ("received", version, ["receive"])


def test_if_match_conflicts(client, hall, token_for):
    case = today_case(hall)
    db.session.commit()
    secret = token_for(hall.clerk)
    stale = f'"case-{case.id}-v{case.lock_version}"'
    reception.request_supplement(case, hall.actor("clerk"), ["申请书"])  # somebody else acts first
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.id}/actions/record_supplement", json={},
                           headers=bearer(secret, **{"If-Match": stale}))
    assert response.status_code == 412
    assert response.get_json()["code"] == "precondition_failed"
    assert response.get_json()["field"] == "If-Match"
    other_case = f'"case-{case.id + 1}-v{case.lock_version}"'
    for header in ("garbage", other_case):
        wrong = client.post(f"/api/v1/cases/{case.id}/actions/record_supplement", json={},
                            headers=bearer(secret, **{"If-Match": header}))
        assert wrong.status_code == 412
    assert events(case.id) == ["receive", "request_supplement"]
    current = client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).headers["ETag"]
    done = client.post(f"/api/v1/cases/{case.id}/actions/record_supplement", json={},
                       headers=bearer(secret, **{"If-Match": current}))
    assert done.status_code == 200
    assert done.get_json()["state"] == "under_review"


def test_a_refusal_by_the_rules_is_not_a_failed_precondition(client, hall, token_for):
    case = hall.receive(day="2026-03-02")  # long past the notice period: deemed accepted, no refusal any more
    db.session.commit()
    secret = token_for(hall.clerk)
    current = client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).headers["ETag"]
    response = client.post(f"/api/v1/cases/{case.id}/actions/refuse", json={"reason": "不符合条件"},
                           headers=bearer(secret, **{"If-Match": current}))
    assert response.status_code == 409
    assert response.get_json()["code"] == "invalid_transition"
    assert events(case.id) == ["receive"]


def test_a_departments_step_decision(client, hall, token_for):
    case = hall.receive(item=hall.joint, day=local_today().isoformat())
    reception.accept(case, hall.actor("clerk"), departments=[hall.other.id])
    db.session.commit()
    step = next(s for s in case.steps if s.department_id == hall.other.id)
    url = f"/api/v1/cases/{case.id}/steps/{step.id}/decision"
    foreign = client.post(url, json={"decision": "approve", "opinion": "同意"},
                          headers=bearer(token_for(hall.third_reviewer)))
    assert foreign.status_code == 403
    reviewer = bearer(token_for(hall.other_reviewer))
    blank = client.post(url, json={"decision": "approve", "opinion": ""}, headers=reviewer)
    assert blank.status_code == 400
    assert blank.get_json()["field"] == "opinion"
    done = client.post(url, json={"decision": "approve", "opinion": "同意", "lock_version": step.lock_version},
                       headers=bearer(token_for(hall.other_reviewer)))
    assert done.status_code == 200
    assert done.get_json()["id"] == case.id
    db.session.refresh(step)
    assert (str(step.status), step.opinion) == ("approved", "同意")


def test_notices_as_data(client, hall, token_for):
    case = today_case(hall)
    reception.request_supplement(case, hall.actor("clerk"), ["申请书"], comment="请补充签名")
    db.session.commit()
    body = client.get(f"/api/v1/cases/{case.id}/notices", headers=bearer(token_for(hall.clerk))).get_json()
    assert [n["kind"] for n in body["items"]] == ["receipt", "supplement"]
    supplement = body["items"][1]
    assert supplement["materials"] == [{"name": "申请书", "defect": ""}]
    assert supplement["reason"] == "请补充签名"
    assert supplement["issued_on"] == local_today().isoformat()
    assert supplement["number"] == case.number
    assert supplement["tracking_url"].endswith(f"number={case.number}")


def _supervision(hall):  # type: ignore[no-untyped-def]
    case = today_case(hall)
    card = WarningCard(case_id=case.id, level="yellow", rule="promised_passed", due_on=date(2026, 3, 2),
                       judged_on=date(2026, 3, 3), working_days_over=1, window_id=hall.window.id,
                       department_id=hall.lead.id)
    db.session.add(card)
    order = issue_order(hall.manager, expectation="请说明超期原因", response_days=3, case=case)
    db.session.commit()
    return case, card, order


def test_cards_and_orders(client, hall, token_for):
    case, card, order = _supervision(hall)
    cards = client.get("/api/v1/supervision/cards?level=yellow", headers=bearer(token_for(hall.manager))).get_json()
    assert cards["items"] == [{
        "id": card.id, "level": "yellow", "rule": "promised_passed", "case_id": case.id, "case_number": case.number,
        "step_id": None, "department_id": hall.lead.id, "window_id": hall.window.id, "handler_id": None,
        "raised_at": cards["items"][0]["raised_at"], "appeal": None}]
    none = client.get("/api/v1/supervision/cards?level=red", headers=bearer(token_for(hall.manager))).get_json()
    assert none["items"] == []
    orders = client.get("/api/v1/supervision/orders", headers=bearer(token_for(hall.head))).get_json()["items"]
    assert [(o["id"], o["status"], o["case_id"], o["expectation"]) for o in orders] == [
        (order.id, "issued", case.id, "请说明超期原因")]


ROLES = ("clerk", "other_clerk", "reviewer", "other_reviewer", "head", "manager", "supervisor", "admin")
# role -> (cases listed, GET case, notices, cards listed, orders listed or status, refuse a new case, stale If-Match)
MATRIX = {
    "clerk": (1, 200, 200, 1, 403, 200, 412),
    "other_clerk": (0, 403, 403, 0, 403, 403, 403),
    "reviewer": (1, 200, 200, 1, 403, 403, 412),
    "other_reviewer": (0, 403, 403, 0, 403, 403, 403),
    "head": (1, 200, 200, 1, 1, 403, 412),
    "manager": (1, 200, 200, 1, 1, 403, 412),
    "supervisor": (1, 200, 200, 1, 1, 403, 412),
    "admin": (1, 200, 200, 1, 403, 403, 412),
}


def test_scope_matrix_role_by_endpoint(app, hall, make_user, token_for):
    """The same scope as the pages: a clerk their windows, reviewers and heads their department, oversight all;
    orders for the office and heads only; acting as the workflow's roles allow."""
    case, _card, _order = _supervision(hall)
    users = {"clerk": hall.clerk, "other_clerk": make_user(Role.CLERK), "reviewer": hall.reviewer,
             "other_reviewer": hall.other_reviewer, "head": hall.head, "manager": hall.manager,
             "supervisor": make_user(Role.SUPERVISOR), "admin": make_user(Role.ADMIN)}
    db.session.commit()
    for role in ROLES:
        client = app.test_client()
        secret = token_for(users[role])
        fresh = today_case(hall)
        db.session.commit()
        stale = {"If-Match": f'"case-{case.id}-v0"'}
        orders = client.get("/api/v1/supervision/orders", headers=bearer(secret))
        row = (
            sum(c["id"] == case.id for c in client.get("/api/v1/cases", headers=bearer(secret)).get_json()["items"]),
            client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).status_code,
            client.get(f"/api/v1/cases/{case.id}/notices", headers=bearer(secret)).status_code,
            len(client.get("/api/v1/supervision/cards", headers=bearer(secret)).get_json()["items"]),
            len(orders.get_json()["items"]) if orders.status_code == 200 else orders.status_code,
            client.post(f"/api/v1/cases/{fresh.id}/actions/refuse", json={"reason": "不符合条件"},
                        headers=bearer(secret)).status_code,
            client.post(f"/api/v1/cases/{case.id}/actions/refuse", json={"reason": "不符合条件"},
                        headers=bearer(secret, **stale)).status_code,
        )
        assert row == MATRIX[role], role


def test_the_browser_session_is_not_accepted(client, hall):
    case = today_case(hall)
    db.session.commit()
    assert login(client, hall.clerk.username).status_code == 302
    assert client.get("/cases").status_code == 200  # signed in for the pages
    listed = client.get("/api/v1/cases")
    assert listed.status_code == 401
    assert listed.get_json()["code"] == "unauthorized"
    assert listed.headers["WWW-Authenticate"].startswith("Bearer")
    acted = client.post(f"/api/v1/cases/{case.id}/actions/accept", json={})
    assert acted.status_code == 401
    assert events(case.id) == ["receive"]
    db.session.refresh(case)
    assert case.state == "received"


def test_unknown_case_and_methods_are_problems(client, hall, token_for):
    secret = token_for(hall.clerk)
    missing = client.get("/api/v1/cases/999999", headers=bearer(secret))
    assert missing.status_code == 404
    assert missing.get_json()["code"] == "not_found"
    wrong_method = client.delete("/api/v1/cases/1", headers=bearer(secret))
    assert wrong_method.status_code == 405
    assert wrong_method.mimetype == PROBLEM
    assert "GET" in wrong_method.headers["Allow"]
