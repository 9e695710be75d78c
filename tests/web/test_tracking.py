"""Public tracking tells the applicant what to do (service_center/queries/tracking.py, views/cases/track.py)."""

from __future__ import annotations

import re

from service_center.extensions import db
from service_center.services import clock_stops, decisions, reception, steps
from service_center.services.clock import due_dates_on, local_today
from service_center.services.intake import Applicant
from service_center.services.materials import MaterialCheck
from service_center.services.reception import receive_application
from tests.conftest import extract_csrf
from tests.hall import at
from tests.web.test_cases_web import long_zh
from tests.web.test_page_cache import statements_of


def track(client, case) -> str:  # type: ignore[no-untyped-def]
    token = extract_csrf(client.get("/track").get_data(as_text=True))
    response = client.post("/track", data={"csrf_token": token, "number": case.number,
                                           "query_code": case.query_code})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def field(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(dd|ul|p)>', html, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_a_paused_case_shows_the_procedure_since_when_and_the_completion_date_as_of_today(client, hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="样品检验", expected_days=12,
                         when=at("2026-03-05"))
    db.session.commit()
    stored = case.due_promised
    as_of_today = due_dates_on(case, local_today())[0]
    assert as_of_today > stored  # the stored date went stale while the clock stopped
    html = track(client, case)
    assert field(html, "track-pause").startswith(f"计时暂停：检验，自{long_zh(case.open_pause.started_on)}起")
    assert "12" in field(html, "track-pause")
    assert long_zh(as_of_today) in field(html, "track-promised")
    assert long_zh(stored) not in html
    assert "样品检验" not in html  # the internal reason stays internal
    assert field(html, "track-next")  # what happens next, in plain words
    assert field(html, "track-department") == hall.lead.name
    assert hall.window.number in field(html, "track-window")


def test_an_awaited_supplement_lists_each_material_and_its_defect(client, hall):
    case = receive_application(item=hall.committed, window=hall.window, clerk=hall.clerk,
                               applicant=Applicant("张三", "330102199001011234", "13800000000"),
                               materials=[MaterialCheck("申请书", True, "复印件不清晰")], when=at("2026-03-02"))
    reception.request_supplement(case, hall.actor("clerk"), ["申请书", "身份证复印件"], when=at("2026-03-02"))
    db.session.commit()
    html = track(client, case)
    assert field(html, "track-missing") == "申请书：复印件不清晰 身份证复印件"
    assert "补齐" in field(html, "track-next")


def test_a_refusal_shows_its_reason(client, hall):
    case = hall.receive()
    reception.refuse(case, hall.actor("clerk"), "不属于本机关职权范围", when=at("2026-03-02"))
    db.session.commit()
    html = track(client, case)
    assert field(html, "track-reason") == "不属于本机关职权范围"
    assert "track-promised" not in html


def test_gaps_show_the_list_and_their_due_date(client, hall):
    case = hall.receive(day="2026-03-02")
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                               when=at("2026-03-02"))
    db.session.commit()
    html = track(client, case)
    assert field(html, "track-gaps") == "身份证复印件"
    assert long_zh(case.due_gaps) in field(html, "track-gaps-due")


def test_an_approved_extension_shows_its_length_and_reason(client, hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "需现场核查", when=at("2026-03-03"))
    clock_stops.approve_extension(case, hall.actor("head"), when=at("2026-03-03"))
    db.session.commit()
    html = track(client, case)
    assert "延长5个工作日：需现场核查" in html


def test_a_joint_case_shows_each_departments_progress_without_opinions(client, hall):
    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    lead_step = next(s for s in case.steps if s.department_id == hall.lead.id)
    steps.record_step_decision(lead_step.id, hall.actor("reviewer"), "approve", "同意，内部意见甲",
                               when=at("2026-03-03"))
    db.session.commit()
    html = track(client, case)
    progress = field(html, "track-departments")
    assert f"{hall.lead.name}：已同意" in progress
    assert f"{hall.other.name}：待审查" in progress
    assert f"{hall.third.name}：待审查" in progress
    assert "内部意见甲" not in html


def test_a_granted_case_shows_how_to_collect_it(client, hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), True, when=at("2026-03-04"))
    db.session.commit()
    html = track(client, case)
    pickup = field(html, "track-pickup")
    assert hall.window.number in pickup
    assert long_zh(case.due_delivery) in pickup
    decisions.deliver(case, hall.actor("clerk"), when=at("2026-03-05"))
    db.session.commit()
    assert long_zh(case.delivered_on) in field(track(client, case), "track-pickup")


def test_the_page_needs_few_queries_and_masks_personal_data(client, hall):
    case = hall.receive(hall.joint, name="欧阳娜娜")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="检验", when=at("2026-03-05"))
    db.session.commit()
    token = extract_csrf(client.get("/track").get_data(as_text=True))
    data = {"csrf_token": token, "number": case.number, "query_code": case.query_code}
    count, html = statements_of(lambda: client.post("/track", data=data).get_data(as_text=True))
    # the case (with item, window, department), events, steps (with departments), pauses, extensions (two more
    # than before this page told the applicant what to do), and the calendar's stamp, read by every clock
    assert count <= 6
    assert "欧阳娜娜" not in html
    assert "330102199001011234" not in html
    assert "13800000000" not in html
