"""The supervision pages: the card list with its filters (bad input is a field error), a card's appeal and
its decision through the forms, the thresholds form, and the cards on the landing pages."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import AppealStatus, CardAppeal, Role, WarningCard, WarningSetting
from service_center.services import reception
from service_center.services.warnings import raise_warning_cards
from tests.conftest import extract_csrf, login
from tests.hall import at


def signed_in(app, user):  # type: ignore[no-untyped-def]
    """A client of its own, signed in as ``user``."""
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _cards(hall) -> list[WarningCard]:  # type: ignore[no-untyped-def]
    """A yellow card (accepted 2/2, seen 2/24) and a red one (accepted 1/5, past 2/2 statutory)."""
    for day in ("2026-02-02", "2026-01-05"):
        reception.accept(hall.receive(day=day), hall.actor("clerk"), when=at(day))
    raise_warning_cards(now=at("2026-02-24"))
    db.session.commit()
    return list(db.session.scalars(sa.select(WarningCard).order_by(WarningCard.id)))


def test_the_office_lists_and_filters_cards_and_bad_filters_are_field_errors(client, hall, login_as):
    yellow, red = sorted(_cards(hall), key=lambda c: c.level != "yellow")
    login_as(Role.SUPERVISOR)
    page = client.get("/supervision/cards").get_data(as_text=True)
    assert yellow.case.number in page
    assert red.case.number in page
    page = client.get("/supervision/cards?level=red").get_data(as_text=True)
    assert red.case.number in page
    assert yellow.case.number not in page
    page = client.get(f"/supervision/cards?department={hall.lead.id}&appeal=none&state=open").get_data(as_text=True)
    assert red.case.number in page
    assert yellow.case.number in page
    bad = client.get("/supervision/cards?level=purple&raised_from=2026-13-01&department=x")
    assert bad.status_code == 400
    assert red.case.number in bad.get_data(as_text=True)  # the bad filters are left out
    empty = client.get("/supervision/cards?raised_from=2030-01-01")
    assert empty.status_code == 200
    assert red.case.number not in empty.get_data(as_text=True)


def test_a_head_appeals_and_the_office_revokes_through_the_forms(app, hall, make_user):
    card = _cards(hall)[0]
    supervisor = make_user(Role.SUPERVISOR)
    db.session.commit()
    client = signed_in(app, hall.clerk)
    page = client.get(f"/supervision/cards/{card.id}")
    assert page.status_code == 200
    assert 'name="reason"' not in page.get_data(as_text=True)
    client = signed_in(app, hall.head)
    page = client.get(f"/supervision/cards/{card.id}").get_data(as_text=True)
    empty = client.post(f"/supervision/cards/{card.id}", data={"csrf_token": extract_csrf(page),
                                                               "reason": "  "})
    assert empty.status_code == 400
    done = client.post(f"/supervision/cards/{card.id}", data={"csrf_token": extract_csrf(page),
                                                              "reason": "申请人原因导致延误"})
    assert done.status_code == 302
    client = signed_in(app, supervisor)
    page = client.get(f"/supervision/cards/{card.id}").get_data(as_text=True)
    assert "申请人原因导致延误" in page
    done = client.post(f"/supervision/cards/{card.id}", data={
        "csrf_token": extract_csrf(page), "decision": "revoke", "decision_reason": "情况属实"})
    assert done.status_code == 302
    appeal = db.session.scalars(sa.select(CardAppeal)).one()
    assert (appeal.status, appeal.decision_reason, appeal.decided_by_id) == (
        AppealStatus.REVOKED, "情况属实", supervisor.id)
    listed = client.get("/supervision/cards?appeal=revoked").get_data(as_text=True)
    assert card.case.number in listed
    assert "已撤销" in listed


def test_the_clerk_and_the_head_see_their_cards_on_their_landing_pages(app, hall):
    cards = _cards(hall)
    for user in (hall.clerk, hall.head):
        page = signed_in(app, user).get("/").get_data(as_text=True)
        assert 'id="warning-cards"' in page
        assert "黄牌" in page
        assert "红牌" in page
        assert all(c.case.number in page for c in cards)


def test_the_office_sets_the_thresholds_and_bad_input_is_a_field_error(client, login_as):
    login_as(Role.SUPERVISOR)
    page = client.get("/supervision/settings").get_data(as_text=True)
    bad = client.post("/supervision/settings", data={"csrf_token": extract_csrf(page), "default": "12"})
    assert bad.status_code == 400
    bad = client.post("/supervision/settings", data={"csrf_token": extract_csrf(page), "default": "x"})
    assert bad.status_code == 400
    ok = client.post("/supervision/settings", data={"csrf_token": extract_csrf(page), "default": "2",
                                                    "licensing": "3"})
    assert ok.status_code == 302
    assert dict(db.session.execute(sa.select(WarningSetting.scope, WarningSetting.reminder_days)).all()) == {
        "default": 2, "licensing": 3}


def test_clerks_cannot_set_thresholds(client, login_as):
    login_as(Role.CLERK)
    assert client.get("/supervision/settings").status_code == 403
