"""Machine authentication: personal access tokens (shown once, stored hashed, scoped, expiring, revocable) and
integration clients' keys (a role and scope of their own), and the pages that manage them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Role, User, utcnow
from service_center.models.api import ApiToken, IntegrationClient
from service_center.services.api_tokens import token_hash
from service_center.services.clock import local_today
from tests.api.conftest import bearer
from tests.conftest import extract_csrf, login


def _token(secret: str) -> ApiToken:
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))


def test_a_token_is_stored_hashed(hall, token_for):
    secret = token_for(hall.clerk)
    assert secret.startswith("scp_")
    assert len(secret) > 40
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash == token_hash(secret)
    assert secret not in (stored.token_hash, stored.hint)
    assert stored.hint == secret[:10]


@pytest.mark.parametrize("spoil", ["expired", "revoked", "inactive", "wrong_kind", "garbage", "basic", "empty"])
def test_refused_tokens(client, hall, token_for, spoil):
    secret = token_for(hall.clerk)
    headers = bearer(secret)
    if spoil == "expired":
        _token(secret).expires_at = utcnow() - timedelta(seconds=1)
    elif spoil == "revoked":
        _token(secret).revoked_at = utcnow()
    elif spoil == "inactive":
        hall.clerk.active = False
    elif spoil == "wrong_kind":  # a personal token presented as an integration key
        headers = bearer("sck_" + secret[4:])
    elif spoil == "garbage":
        headers = bearer("scp_nonsense")
    elif spoil == "basic":
        headers = {"Authorization": "Basic dXNlcjpwYXNz"}
    else:
        headers = {"Authorization": "Bearer "}
    db.session.commit()
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_a_read_token_cannot_act(client, hall, token_for):
    case = hall.receive(day=local_today().isoformat())
    db.session.commit()
    secret = token_for(hall.clerk, scope="read")
    assert client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).status_code == 200
    response = client.post(f"/api/v1/cases/{case.id}/actions/accept", json={}, headers=bearer(secret))
    assert response.status_code == 403
    assert response.get_json()["code"] == "insufficient_scope"
    db.session.refresh(case)
    assert case.state == "received"


def test_a_role_outside_the_endpoint_is_forbidden(client, hall, token_for):
    response = client.get("/api/v1/supervision/orders", headers=bearer(token_for(hall.clerk)))
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def _post_form(client, url: str, data: dict):  # type: ignore[no-untyped-def]
    token = extract_csrf(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_personal_tokens_page_shows_a_new_token_once_and_revokes(client, hall):
    assert login(client, hall.clerk.username).status_code == 302
    page = _post_form(client, "/account/tokens", {"name": "脚本", "scope": "read", "days": "30"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    secret = re.search(r'<code id="new-token">([^<]+)</code>', html).group(1)
    token = _token(secret)
    assert (token.user_id, str(token.scope), token.name) == (hall.clerk.id, "read", "脚本")
    assert token.expires_at - utcnow() > timedelta(days=29)
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again
    assert token.hint in again
    api = client.application.test_client()
    assert api.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    bad = _post_form(client, "/account/tokens", {"name": "", "scope": "read", "days": "400"})
    assert bad.status_code == 400
    csrf = extract_csrf(client.get("/account/tokens").get_data(as_text=True))
    client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert api.get("/api/v1/cases", headers=bearer(secret)).status_code == 401


def test_nobody_revokes_anothers_token(client, hall, token_for):
    secret = token_for(hall.reviewer)
    assert login(client, hall.clerk.username).status_code == 302
    csrf = extract_csrf(client.get("/account/tokens").get_data(as_text=True))
    response = client.post(f"/account/tokens/{_token(secret).id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert _token(secret).revoked_at is None


def test_integration_clients_act_with_their_own_role_and_scope(client, hall, make_user, make_window):
    admin = make_user(Role.ADMIN)
    other_window = make_window()
    mine = hall.receive(day=local_today().isoformat())
    db.session.commit()
    assert login(client, admin.username).status_code == 302
    created = _post_form(client, "/admin/integrations", {"display_name": "自助终端", "role": "clerk",
                                                         "department_id": "0", "window_ids": [str(hall.window.id)]})
    assert created.status_code == 302
    integration = db.session.scalar(sa.select(IntegrationClient).where(IntegrationClient.name == "自助终端"))
    assert integration.account.role == Role.CLERK
    assert [w.id for w in integration.account.windows] == [hall.window.id]
    page = _post_form(client, f"/admin/integrations/{integration.id}", {"name": "key1", "scope": "act", "days": ""})
    secret = re.search(r'<code id="new-token">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert secret.startswith("sck_")
    assert _token(secret).expires_at is None
    api = client.application.test_client()
    listed = api.get("/api/v1/cases", headers=bearer(secret)).get_json()["items"]
    assert [c["id"] for c in listed] == [mine.id]
    acted = api.post(f"/api/v1/cases/{mine.id}/actions/accept", json={}, headers=bearer(secret))
    assert acted.status_code == 200
    event_actor = db.session.scalar(sa.text("SELECT actor_id FROM case_events WHERE trigger = 'accept'"))
    assert event_actor == integration.user_id  # the system's service account is recorded as who acted
    assert other_window.id not in [w.id for w in integration.account.windows]
    account = db.session.get(User, integration.user_id)
    assert login(client.application.test_client(), account.username, "x" * 12).status_code != 302


def test_only_administrators_manage_integration_clients(client, hall):
    assert login(client, hall.manager.username).status_code == 302
    assert client.get("/admin/integrations").status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/admin/integrations").status_code == 302
