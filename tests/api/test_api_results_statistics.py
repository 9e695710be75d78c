"""Contract tests of the published results (public) and the statistics' rates (the dashboard's roles and scope)."""

from __future__ import annotations

from datetime import date

from service_center.extensions import db
from service_center.models import Role
from service_center.services import decisions, reception
from service_center.services.clock import local_today
from service_center.services.statistics import refresh_days
from tests.api.conftest import bearer
from tests.hall import at

PROBLEM = "application/problem+json"


def test_published_results_list_decisions_masked(client, hall):
    today = local_today().isoformat()
    case = hall.receive(day=today)
    reception.accept(case, hall.actor("clerk"))
    decisions.decide(case, hall.actor("head"), grant=True)
    hall.receive(day=today)  # undecided: not listed
    db.session.commit()
    body = client.get("/api/v1/results").get_json()
    assert body == {"items": [{
        "number": case.number, "item_name": hall.committed.name, "item_code": hall.committed.code,
        "department": hall.lead.name, "outcome": "granted", "outcome_label": body["items"][0]["outcome_label"],
        "decided_on": today, "applicant": "张*"}], "next_cursor": None}
    other = client.get(f"/api/v1/results?department={hall.other.id}").get_json()
    assert other["items"] == []
    bad = client.get("/api/v1/results?decided_from=yesterday")
    assert bad.status_code == 422
    assert bad.get_json()["field"] == "decided_from"


def _closed_in_march(hall) -> None:  # type: ignore[no-untyped-def]
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-05"))
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-06"))
    decisions.close_case(case, hall.actor("clerk"), when=at("2026-03-06"))
    refresh_days(date(2026, 3, 1), date(2026, 3, 31))
    db.session.commit()


def test_statistics_rates_for_the_centre_and_by_department(client, hall, token_for):
    _closed_in_march(hall)
    url = "/api/v1/statistics?start=2026-03-01&end=2026-03-31"
    body = client.get(url, headers=bearer(token_for(hall.manager))).get_json()
    assert (body["start"], body["end"], body["breakdown"]) == ("2026-03-01", "2026-03-31", "centre")
    [centre] = body["groups"]
    assert (centre["received"], centre["accepted"], centre["closed"]) == (1, 1, 1)
    assert centre["closed_on_time_promised"] == 1
    assert centre["on_time_rate_promised"] == 1.0
    assert centre["satisfaction_rate"] is None  # nothing rated
    by_department = client.get(f"{url}&breakdown=department", headers=bearer(token_for(hall.head))).get_json()
    assert [(g["key"], g["received"]) for g in by_department["groups"]] == [(hall.lead.id, 1)]


def test_statistics_refusals(client, hall, make_user, token_for):
    url = "/api/v1/statistics?start=2026-03-31&end=2026-03-01"
    backwards = client.get(url, headers=bearer(token_for(hall.manager)))
    assert backwards.status_code == 400
    assert backwards.get_json()["field"] == "end"
    for user in (hall.clerk, hall.reviewer, make_user(Role.ADMIN)):
        refused = client.get("/api/v1/statistics?start=2026-03-01&end=2026-03-31", headers=bearer(token_for(user)))
        assert refused.status_code == 403
        assert refused.mimetype == PROBLEM
    missing = client.get("/api/v1/statistics", headers=bearer(token_for(hall.manager)))
    assert missing.status_code == 422
    assert missing.get_json()["field"] == "start"
