"""The supervision order pages: the office issues from a case page or to a department, the head answers from
their landing page (only their department's orders), the office closes (confirmed) or sends back; the list's
filters (bad input is a field error); the daily inspections page."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import InspectionSummary, OrderStatus, Role, SupervisionOrder
from service_center.services import reception
from tests.conftest import extract_csrf, login
from tests.hall import at


def signed_in(app, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _case(hall):  # type: ignore[no-untyped-def]
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    db.session.commit()
    return case


def test_an_order_through_the_pages(app, hall, make_user):
    case = _case(hall)
    office = make_user(Role.SUPERVISOR)
    other_head = make_user(Role.DEPT_HEAD, department=hall.other)
    db.session.commit()
    client = signed_in(app, office)
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/supervision/orders/new?case={case.id}" in detail
    form = client.get(f"/supervision/orders/new?case={case.id}").get_data(as_text=True)
    bad = client.post(f"/supervision/orders/new?case={case.id}", data={
        "csrf_token": extract_csrf(form), "target": "case", "expectation": "请说明", "response_days": "99"})
    assert bad.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupervisionOrder)) == 0
    no_csrf = client.post(f"/supervision/orders/new?case={case.id}", data={
        "target": "case", "expectation": "请说明", "response_days": "3"})
    assert no_csrf.status_code == 400
    done = client.post(f"/supervision/orders/new?case={case.id}", data={
        "csrf_token": extract_csrf(form), "target": "case", "expectation": "请说明办理进度", "response_days": "3"})
    assert done.status_code == 302
    order = db.session.scalars(sa.select(SupervisionOrder)).one()
    assert (order.case_id, order.department_id, order.expectation) == (case.id, hall.lead.id, "请说明办理进度")

    assert signed_in(app, other_head).get(f"/supervision/orders/{order.id}").status_code == 404
    other_page = signed_in(app, other_head).get("/supervision/orders").get_data(as_text=True)
    assert f"/supervision/orders/{order.id}" not in other_page
    head = signed_in(app, hall.head)
    told = head.get("/notifications").get_data(as_text=True)
    assert f"督办单 {order.id}（{hall.lead.name} {case.number}）：请于 {order.due_on.isoformat()} 前答复。" in told
    landing = head.get("/").get_data(as_text=True)
    assert 'id="orders-to-answer"' in landing
    assert f"/supervision/orders/{order.id}" in landing
    page = head.get(f"/supervision/orders/{order.id}").get_data(as_text=True)
    other = signed_in(app, other_head)
    other_page = other.get("/").get_data(as_text=True)
    refused = other.post(f"/supervision/orders/{order.id}/respond", data={
        "csrf_token": extract_csrf(other_page), "response": "越权答复"})
    assert refused.status_code == 404
    empty = head.post(f"/supervision/orders/{order.id}/respond", data={
        "csrf_token": extract_csrf(page), "response": "  "})
    assert empty.status_code == 400
    answered = head.post(f"/supervision/orders/{order.id}/respond", data={
        "csrf_token": extract_csrf(page), "response": "已督促办理"})
    assert answered.status_code == 302
    db.session.expire_all()
    assert (order.status, order.response) == (OrderStatus.ANSWERED, "已督促办理")

    page = client.get(f"/supervision/orders/{order.id}").get_data(as_text=True)
    assert "已督促办理" in page
    assert "confirm(" in page
    unconfirmed = client.post(f"/supervision/orders/{order.id}/close", data={"csrf_token": extract_csrf(page)})
    assert unconfirmed.status_code == 400
    db.session.expire_all()
    assert order.status == OrderStatus.ANSWERED
    sent_back = client.post(f"/supervision/orders/{order.id}/send-back", data={
        "csrf_token": extract_csrf(page), "note": "答复不具体"})
    assert sent_back.status_code == 302
    db.session.expire_all()
    assert (order.status, order.return_note) == (OrderStatus.RETURNED, "答复不具体")
    head_page = head.get(f"/supervision/orders/{order.id}").get_data(as_text=True)
    assert "答复不具体" in head_page
    again = head.post(f"/supervision/orders/{order.id}/respond", data={
        "csrf_token": extract_csrf(head_page), "response": "已办结"})
    assert again.status_code == 302
    closed = client.post(f"/supervision/orders/{order.id}/close", data={
        "csrf_token": extract_csrf(page), "confirm": "y"})
    assert closed.status_code == 302
    db.session.expire_all()
    assert (order.status, order.closed_by_id) == (OrderStatus.CLOSED, office.id)


def test_the_office_issues_to_a_department_and_filters_the_list(app, hall, make_user):
    office = make_user(Role.MANAGER)
    db.session.commit()
    client = signed_in(app, office)
    form = client.get("/supervision/orders/new").get_data(as_text=True)
    done = client.post("/supervision/orders/new", data={
        "csrf_token": extract_csrf(form), "target": f"department:{hall.other.id}", "expectation": "整改",
        "response_days": "2"})
    assert done.status_code == 302
    order = db.session.scalars(sa.select(SupervisionOrder)).one()
    assert (order.case_id, order.department_id) == (None, hall.other.id)
    listed = client.get(f"/supervision/orders?department={hall.other.id}&status=issued").get_data(as_text=True)
    assert f"/supervision/orders/{order.id}" in listed
    assert f"/supervision/orders/{order.id}\"" not in client.get("/supervision/orders?status=closed").get_data(
        as_text=True)
    bad = client.get("/supervision/orders?status=purple&department=x")
    assert bad.status_code == 400
    assert f"/supervision/orders/{order.id}" in bad.get_data(as_text=True)  # the bad filters are left out
    assert signed_in(app, hall.clerk).get("/supervision/orders").status_code == 403
    assert signed_in(app, hall.head).get("/supervision/orders/new").status_code == 403


def test_the_inspection_page_lists_the_summaries_for_the_office_only(app, hall, make_user):
    office = make_user(Role.SUPERVISOR)
    db.session.add(InspectionSummary(day=date(2026, 3, 2), taken_at=at("2026-03-02", 8), new_yellow=7,
                                     open_orders=3, due_today=2, overdue=1))
    db.session.commit()
    page = signed_in(app, office).get("/supervision/inspection")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "2026-03-02" in text
    assert "日巡查" in text
    assert signed_in(app, hall.head).get("/supervision/inspection").status_code == 403


def test_a_refused_action_is_a_field_error_on_the_page(app, hall, make_user, monkeypatch):
    from service_center.services import ServiceError
    from service_center.views import orders as views

    office = make_user(Role.SUPERVISOR)
    db.session.commit()
    from service_center.services.orders import issue_order

    order = issue_order(office, department=hall.lead, expectation="整改", response_days=2)
    db.session.commit()

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ServiceError("此督办单已被修改")

    monkeypatch.setattr(views, "respond", refuse)
    head = signed_in(app, hall.head)
    page = head.get(f"/supervision/orders/{order.id}").get_data(as_text=True)
    refused = head.post(f"/supervision/orders/{order.id}/respond", data={
        "csrf_token": extract_csrf(page), "response": "已整改"})
    assert refused.status_code == 400
    assert "此督办单已被修改" in refused.get_data(as_text=True)
