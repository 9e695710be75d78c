"""Complaints (投诉) from both doors: the public form (/complain, anonymous, contact optional and masked) and staff
entry of complaints by phone or from the 12345 hotline (/complaints/new); accepted with an answer limit of 5-10
working days; the complainant tracks the complaint at /track with the number and query code shown once filed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, ComplaintDetails, Role
from service_center.services import ServiceError, complaints
from service_center.services.clock import work_calendar
from tests.conftest import extract_csrf, login
from tests.hall import at
from tests.web import test_throttle

limited_app = test_throttle.limited_app  # the fixture: an app of its own with the limiter on


def sign_in(client, user) -> None:
    db.session.commit()
    assert login(client, user.username).status_code == 302


def filed(number: str) -> tuple[Case, ComplaintDetails]:
    db.session.expire_all()
    case = db.session.scalar(sa.select(Case).where(Case.number == number))
    return case, db.session.get(ComplaintDetails, case.id)


def test_a_public_complaint_is_filed_anonymously_and_tracked_by_its_number_and_code(client, hall):
    about = hall.receive(name="张三")
    db.session.commit()
    page = client.get("/complain")
    assert page.status_code == 200
    token = extract_csrf(page.get_data(as_text=True))
    # No complaint text: a field error, nothing filed.
    empty = client.post("/complain", data={"csrf_token": token, "content": " "})
    assert empty.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintDetails)) == 0
    # No CSRF token: refused.
    assert client.post("/complain", data={"content": "态度差"}).status_code == 400
    response = client.post("/complain", data={
        "csrf_token": token, "content": "窗口人员态度差", "about_case_number": about.number, "about_staff": "工号 07",
        "phone": "13912345678"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "13912345678" not in html  # contact masked
    assert "139****5678" in html
    number = html.split('id="complaint-number">')[1].split("<")[0]
    code = html.split('id="complaint-query-code">')[1].split("<")[0]
    case, details = filed(number)
    assert (case.workflow_key, case.state, case.parent_id, case.department_id) == (
        "complaint", "received", about.id, about.department_id)
    assert (case.applicant_name, case.applicant_phone) == ("匿名", "13912345678")
    assert (details.source, details.about_case_number, details.about_staff, details.work_order_number) == (
        "online", about.number, "工号 07", "")
    assert case.due_promised == work_calendar().add_working_days(case.received_on, 5)
    # The complainant tracks it like any case; the phone stays masked there too.
    track_page = client.get("/track")
    tracked = client.post("/track", data={"csrf_token": extract_csrf(track_page.get_data(as_text=True)),
                                          "number": number, "query_code": code})
    assert tracked.status_code == 200
    text = tracked.get_data(as_text=True)
    assert number in text
    assert "已收到" in text
    assert "13912345678" not in text


def test_staff_enter_a_12345_complaint_with_its_work_order_and_accept_it_with_a_limit(client, hall, make_user):
    supervisor = make_user(Role.SUPERVISOR)
    sign_in(client, hall.clerk)
    assert client.get("/complaints/new").status_code == 403  # the supervision office enters complaints
    client.post("/logout", data={"csrf_token": extract_csrf(client.get("/cases").get_data(as_text=True))})
    sign_in(client, supervisor)
    token = extract_csrf(client.get("/complaints/new").get_data(as_text=True))
    missing = client.post("/complaints/new", data={"csrf_token": token, "source": "12345", "content": "排队太久"})
    assert missing.status_code == 400
    assert "工单号" in missing.get_data(as_text=True)
    response = client.post("/complaints/new", data={
        "csrf_token": token, "source": "12345", "work_order_number": "GD20261202-0042", "content": "排队太久",
        "about_window": hall.window.number, "name": "李四", "phone": "13800001111"})
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case).where(Case.workflow_key == "complaint"))
    case, details = filed(case.number)
    assert (details.source, details.work_order_number, case.window_id) == ("12345", "GD20261202-0042",
                                                                           hall.window.id)
    # The case page offers the answer limit on its accept form; outside 5-10 it is a field error, nothing changes.
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'name="accept-answer_days"' in page
    for bad in ("4", "11", "x"):
        refused = post_action(client, case, "accept", answer_days=bad)
        assert refused.status_code == 400, bad
        db.session.expire_all()
        assert db.session.get(Case, case.id).state == "received"
    assert post_action(client, case, "accept", answer_days="7").status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.promised_limit_days) == ("accepted", 7)
    assert case.due_promised == work_calendar().add_working_days(case.accepted_on, 7)


def post_action(client, case: Case, trigger: str, **fields):
    token = extract_csrf(client.get("/cases").get_data(as_text=True))
    data = {f"{trigger}-csrf_token": token, f"{trigger}-lock_version": case.lock_version}
    data.update({f"{trigger}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.id}/actions/{trigger}", data=data)


def test_the_service_refuses_an_answer_limit_outside_five_to_ten_days(hall):
    case = complaints.receive_complaint(complainant=complaints.Applicant("王五"), content="投诉",
                                        actor=hall.actor("manager"))
    for bad in (4, 11, "x"):
        with pytest.raises(ServiceError) as refused:
            complaints.accept_complaint(case, hall.actor("manager"), answer_days=bad)
        assert refused.value.field == "answer_days"
    assert case.state == "received"


def test_public_complaints_are_rate_limited_per_address(limited_app, hall):
    db.session.commit()
    client = limited_app(COMPLAINT_RATE_LIMIT="2 per minute").test_client()
    token = extract_csrf(client.get("/complain").get_data(as_text=True))
    for _ in range(2):
        assert client.post("/complain", data={"csrf_token": token, "content": "投诉"}).status_code == 200
    refused = client.post("/complain", data={"csrf_token": token, "content": "投诉"})
    assert refused.status_code == 429
    assert "投诉过多" in refused.get_data(as_text=True)


def test_the_default_answer_limit_is_ten_days_and_a_phone_complaint_has_no_work_order(hall):
    case = complaints.receive_complaint(complainant=complaints.Applicant(""), content="电话投诉",
                                        actor=hall.actor("manager"), source="phone", when=at("2026-10-08"))
    assert db.session.get(ComplaintDetails, case.id).source == "phone"
    complaints.accept_complaint(case, hall.actor("manager"), when=at("2026-10-08"))
    assert (case.promised_limit_days, case.due_promised) == (10, date(2026, 10, 21))
    with pytest.raises(ServiceError) as refused:
        complaints.receive_complaint(complainant=complaints.Applicant(""), content="x", actor=hall.actor("manager"),
                                     source="fax")
    assert refused.value.field == "source"
