"""Behaviour clients rely on: a retried POST with the same Idempotency-Key acts once (also two at once on
PostgreSQL), and the rate limit counts per token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask

from service_center import create_app
from service_center.extensions import db
from service_center.models import CaseEvent
from service_center.models.api import IdempotencyRecord
from service_center.services.clock import local_today
from tests.api.conftest import bearer


def accepts(case_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.trigger == "accept"))


def test_a_retried_post_with_the_same_key_acts_once(client, hall, token_for):
    case = hall.receive(day=local_today().isoformat())
    db.session.commit()
    headers = bearer(token_for(hall.clerk), **{"Idempotency-Key": "accept-1"})
    first = client.post(f"/api/v1/cases/{case.id}/actions/accept", json={"comment": "ok"}, headers=headers)
    retry = client.post(f"/api/v1/cases/{case.id}/actions/accept", json={"comment": "ok"}, headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert accepts(case.id) == 1
    reused = client.post(f"/api/v1/cases/{case.id}/actions/accept", json={"comment": "other"}, headers=headers)
    assert reused.status_code == 422
    assert reused.get_json()["code"] == "idempotency_key_reused"
    assert accepts(case.id) == 1


def test_keys_belong_to_their_token(client, hall, token_for):
    """The same key from another token is another request (it acts, or is refused, on its own)."""
    case = hall.receive(day=local_today().isoformat())
    db.session.commit()
    url = f"/api/v1/cases/{case.id}/actions/accept"
    assert client.post(url, json={}, headers=bearer(token_for(hall.clerk), **{"Idempotency-Key": "k"})
                       ).status_code == 200
    other = client.post(url, json={}, headers=bearer(token_for(hall.clerk), **{"Idempotency-Key": "k"}))
    assert other.status_code == 409
    assert "Idempotent-Replayed" not in other.headers
    assert accepts(case.id) == 1


def test_a_refused_request_is_not_stored_and_its_retry_runs_again(client, hall, token_for):
    case = hall.receive(day=local_today().isoformat())
    db.session.commit()
    headers = bearer(token_for(hall.clerk), **{"Idempotency-Key": "refuse-1"})
    url = f"/api/v1/cases/{case.id}/actions/refuse"
    assert client.post(url, json={"reason": ""}, headers=headers).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0
    fixed = client.post(url, json={"reason": ""}, headers=headers)
    assert fixed.status_code == 400  # the same request is refused the same way, not replayed
    long_key = client.post(url, json={"reason": "x"}, headers={**headers, "Idempotency-Key": "k" * 201})
    assert long_key.status_code == 400
    assert long_key.get_json()["field"] == "Idempotency-Key"


@pytest.fixture
def second_app(database_url: str, app: Flask) -> Iterator[Flask]:
    """Another app on the test database whose test clients run each request in an app context of its own
    (threads), as two server processes would."""
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    yield other
    with other.app_context():
        db.engine.dispose()


def test_two_concurrent_retries_act_once(backend, second_app, hall, token_for):
    if backend != "postgresql":
        pytest.skip("PostgreSQL: two transactions racing on the unique key")
    case = hall.receive(day=local_today().isoformat())
    db.session.commit()
    headers = bearer(token_for(hall.clerk), **{"Idempotency-Key": "twins"})
    url = f"/api/v1/cases/{case.id}/actions/accept"
    barrier = threading.Barrier(2)

    def post(_i: int):  # type: ignore[no-untyped-def]
        client = second_app.test_client()
        barrier.wait(timeout=30)
        response = client.post(url, json={}, headers=headers)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(post, range(2)))
    db.session.expire_all()
    assert accepts(case.id) == 1
    statuses = sorted(status for status, _ in results)
    assert statuses in ([200, 200], [200, 409])
    if statuses == [200, 409]:  # the twin arrived while the first was finishing: told to retry, nothing done
        assert {body["code"] for status, body in results if status == 409} <= {"idempotency_in_flight",
                                                                               "invalid_transition"}
    else:
        assert results[0][1] == results[1][1]


def test_rate_limit_counts_per_token(database_url, app, hall, token_for):
    first, second = token_for(hall.clerk), token_for(hall.reviewer)
    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         API_RATE_LIMIT="3 per minute")
    try:
        client = limited.test_client()
        codes = [client.get("/api/v1/cases", headers=bearer(first)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/v1/cases", headers=bearer(first))
        assert refused.mimetype == "application/problem+json"
        assert refused.get_json()["status"] == 429
        assert client.get("/api/v1/cases", headers=bearer(second)).status_code == 200
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_old_idempotency_records_are_purged_daily(app, hall, token_for):
    from service_center.jobs import load_jobs, run_job
    from service_center.models.api import ApiToken
    from tests.hall import at

    load_jobs()
    token_for(hall.clerk)
    token_id = db.session.scalar(sa.select(ApiToken.id))
    db.session.add_all([
        IdempotencyRecord(token_id=token_id, key="old", fingerprint="x", created_at=at("2026-03-09", 1)),
        IdempotencyRecord(token_id=token_id, key="new", fingerprint="x", created_at=at("2026-03-10", 1)),
    ])
    db.session.commit()
    result = run_job("api.idempotency_purge", now=at("2026-03-10", 3))
    assert result.ran
    assert result.run.counts == {"deleted": 1}
    db.session.expire_all()
    assert list(db.session.scalars(sa.select(IdempotencyRecord.key))) == ["new"]
