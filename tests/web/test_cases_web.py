"""Case pages: the counter, the list, the case page and its actions, notices, and public tracking."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, CaseEvent, CaseStep, Role, StepStatus
from service_center.services import clock_stops, core, decisions, reception
from service_center.services.clock import local_today
from service_center.services.intake import Applicant
from service_center.services.reception import receive_application
from tests.conftest import extract_csrf, login
from tests.hall import at

D = date.fromisoformat


def sign_in(client, user) -> None:
    db.session.commit()
    assert login(client, user.username).status_code == 302


def receive_today(hall, item=None, name: str = "张三"):
    """A case received now (the services' clock), so date-bound actions such as the supplement notice apply."""
    return receive_application(item=item or hall.committed, window=hall.window, clerk=hall.clerk,
                               applicant=Applicant(name, "330102199001011234", "13800000000"))


def reload(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def post_action(client, case: Case, trigger: str, *, version: int | None = None, **fields):
    """POST one action form as the case page would: prefixed fields, CSRF token, the lock_version."""
    token = extract_csrf(client.get("/cases").get_data(as_text=True))
    data = {f"{trigger}-csrf_token": token,
            f"{trigger}-lock_version": case.lock_version if version is None else version}
    data.update({f"{trigger}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.id}/actions/{trigger}", data=data)


def long_zh(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- the counter ------------------------------------------------------------------------------------------------


def test_receive_via_the_form_creates_the_case_at_the_clerks_window(client, hall):
    sign_in(client, hall.clerk)
    page = client.get("/cases/receive")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert hall.committed.name in html
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": "李四", "applicant_id_number": "330102199001011234",
        "applicant_phone": "13912345678", "title": "",
    })
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case).where(Case.applicant_name == "李四"))
    assert response.headers["Location"].endswith(f"/cases/{case.id}?received=1")  # the receipt slip is offered
    assert case.window_id == hall.window.id
    assert case.first_contact_id == hall.clerk.id
    assert case.item_id == hall.committed.id
    assert case.state == "received"
    assert case.applicant_phone == "13912345678"
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.number in detail
    assert case.query_code in detail


def test_receive_at_a_closed_window_shows_the_error_on_the_window(client, hall):
    hall.window.is_open = False
    sign_in(client, hall.clerk)
    html = client.get("/cases/receive").get_data(as_text=True)
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": "李四",
    })
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert re.search(r'class="error" role="alert">[^<]*' + re.escape(hall.window.number), body)
    assert 'value="李四"' in body  # the input is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("days", "status"), [(60, 302), (-1, 400)], ids=["renewal", "licence-already-expired"])
def test_a_renewal_is_received_with_the_licence_expiry(client, hall, days, status):
    sign_in(client, hall.clerk)
    html = client.get("/cases/receive").get_data(as_text=True)
    expires = local_today() + timedelta(days=days)
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": "李四", "licence_expires_on": expires.isoformat(),
    })
    assert response.status_code == status
    case = db.session.scalar(sa.select(Case).where(Case.applicant_name == "李四"))
    if status == 400:
        assert case is None
        assert "请申请新的许可" in response.get_data(as_text=True)
        return
    assert case.licence_expires_on == expires
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert re.search(r'id="licence-expires">' + expires.isoformat(), detail)


def test_only_clerks_reach_the_counter(client, hall):
    sign_in(client, hall.reviewer)
    assert client.get("/cases/receive").status_code == 403


# -- actions ----------------------------------------------------------------------------------------------------


def test_accept_via_the_form_moves_the_state_and_shows_the_due_date(client, hall):
    case = receive_today(hall)
    sign_in(client, hall.clerk)
    response = post_action(client, case, "accept", comment="材料齐全")
    assert response.status_code == 302
    case = reload(case)
    assert case.state == "under_review"
    assert case.accepted_on == local_today()
    assert case.due_promised is not None
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.due_promised.isoformat() in html
    assert "材料齐全" in html  # the comment in the history
    assert [e.trigger for e in case.events][-2:] == ["accept", "start_review"]
    assert re.search(r'id="clock">已用 0 个工作日 · 承诺时限剩余 \d+ 个工作日', html)


def test_a_clerk_of_another_window_gets_403_and_changes_nothing(client, hall, make_user):
    case = hall.receive()
    outsider = make_user(Role.CLERK)
    sign_in(client, outsider)
    version = case.lock_version
    assert client.get(f"/cases/{case.id}").status_code == 403
    response = post_action(client, case, "accept")
    assert response.status_code == 403
    case = reload(case)
    assert case.state == "received"
    assert case.lock_version == version
    assert [e.trigger for e in case.events] == ["receive"]


def test_a_stale_lock_version_gives_409_and_changes_nothing(client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    stale = case.lock_version
    case.title = "changed by a colleague"  # another user saved first: the version moves on
    db.session.commit()
    assert case.lock_version == stale + 1
    response = post_action(client, case, "accept", version=stale)
    assert response.status_code == 409
    assert "Reload" in response.get_data(as_text=True) or "重新" in response.get_data(as_text=True)
    case = reload(case)
    assert case.state == "received"
    assert case.accepted_on is None


def test_an_action_the_state_does_not_allow_gives_409_with_a_message(client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    response = post_action(client, case, "deliver")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'class="flash flash-danger"' in html
    assert "deliver" in html or "送达" in html
    assert reload(case).state == "received"


def test_refuse_without_reasons_is_a_field_error_and_changes_nothing(client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    response = post_action(client, case, "refuse", reason="  ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="action-refuse" open>.*?class="error" role="alert"', html, re.S)
    case = reload(case)
    assert case.state == "received"
    assert case.outcome is None


def test_refuse_with_reasons_and_print_the_refusal_notice(client, hall):
    case = receive_today(hall)
    sign_in(client, hall.clerk)
    assert post_action(client, case, "refuse", reason="不属于本机关职权范围").status_code == 302
    case = reload(case)
    assert case.state == "refused"
    assert case.outcome_reason == "不属于本机关职权范围"
    assert f"/cases/{case.id}/notices/refusal" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    html = client.get(f"/cases/{case.id}/notices/refusal").get_data(as_text=True)
    assert "不属于本机关职权范围" in html
    assert case.number in html
    assert "60" in html
    assert "6" in html
    assert client.get(f"/cases/{case.id}/notices/acceptance").status_code == 404


def test_request_supplement_lists_every_material_on_the_notice(client, hall):
    case = receive_today(hall)
    sign_in(client, hall.clerk)
    response = client.post(f"/cases/{case.id}/actions/request_supplement", data={
        "request_supplement-csrf_token": extract_csrf(client.get("/cases").get_data(as_text=True)),
        "request_supplement-lock_version": case.lock_version,
        "request_supplement-missing_materials": ["申请书", "身份证复印件"],
        "request_supplement-other_materials": "营业执照副本\n\n场地证明",
    })
    assert response.status_code == 302
    case = reload(case)
    assert case.state == "supplement_requested"
    assert case.outstanding_materials == ["申请书", "身份证复印件", "营业执照副本", "场地证明"]
    html = client.get(f"/cases/{case.id}/notices/supplement").get_data(as_text=True)
    listed = re.findall(r"<li>([^<]+)</li>", html.split('id="notice-materials"')[1].split("</ol>")[0])
    assert listed == ["申请书", "身份证复印件", "营业执照副本", "场地证明"]
    assert long_zh(local_today()) in html


def _granted_after_a_procedure_and_an_extension(hall):
    case = hall.receive(day="2026-03-02")
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], gaps_due=D("2026-03-09"),
                           commitment_signed=True, when=at("2026-03-02"))
    hall.start_procedure(case, hall.actor("reviewer"), "expert_review", reason="组织专家评审论证",
                                  expected_days=5, when=at("2026-03-03"))
    clock_stops.end_special_procedure(case, hall.actor("reviewer"), result="程序完成", when=at("2026-03-05"))
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "需现场核查经营场所", when=at("2026-03-06"))
    clock_stops.approve_extension(case, hall.actor("head"), when=at("2026-03-06"))
    reception.record_gap_materials(case, hall.actor("clerk"), when=at("2026-03-09"))
    return case


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("gaps", ["容缺", "身份证复印件", "2026年3月9日"]),
        ("special_procedure", ["专家评审", "组织专家评审论证", "2026年3月3日", "2026年3月5日"]),
        ("extension", ["延长", "需现场核查经营场所", "5"]),
        ("decision", ["准予", "2026年3月10日"]),
    ],
)
def test_the_notices_the_applicant_is_given_in_writing(client, hall, kind, expected):
    case = _granted_after_a_procedure_and_an_extension(hall)
    sign_in(client, hall.clerk)
    assert client.get(f"/cases/{case.id}/notices/decision").status_code == 404  # not decided yet
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-10"))
    assert f"/cases/{case.id}/notices/{kind}" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.get(f"/cases/{case.id}/notices/{kind}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (case.number, *expected):
        assert text in html, text


def test_a_denial_notice_gives_the_reasons_and_the_remedies(client, hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=False, reason="经营场所不符合卫生要求", when=at("2026-03-05"))
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}/notices/decision").get_data(as_text=True)
    assert "不予" in html
    assert "经营场所不符合卫生要求" in html
    assert "60" in html
    assert client.get(f"/cases/{case.id}/notices/extension").status_code == 404  # none approved


def test_acceptance_notice_shows_number_code_promised_date_and_complaint_phone(app, client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    post_action(client, case, "accept")
    case = reload(case)
    html = client.get(f"/cases/{case.id}/notices/acceptance").get_data(as_text=True)
    assert case.number in html
    assert case.query_code in html
    assert hall.committed.name in html
    assert "张三" in html
    assert long_zh(case.due_promised) in html
    assert long_zh(case.accepted_on) in html
    assert app.config["COMPLAINT_PHONE"] in html
    assert "(印章)" in html or "(Seal)" in html


def test_a_reviewer_decides_their_departments_step(client, hall):
    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"))
    db.session.commit()
    step = next(s for s in case.steps if s.department_id == hall.other.id)
    lead_step = next(s for s in case.steps if s.department_id == hall.lead.id)
    sign_in(client, hall.other_reviewer)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/steps/{step.id}/decision" in html
    assert f"/cases/{case.id}/steps/{lead_step.id}/decision" not in html
    token = extract_csrf(html)
    # Another department's step is not theirs to decide.
    refused = client.post(f"/cases/{case.id}/steps/{lead_step.id}/decision", data={
        f"step{lead_step.id}-csrf_token": token, f"step{lead_step.id}-lock_version": lead_step.lock_version,
        f"step{lead_step.id}-decision": "approve", f"step{lead_step.id}-opinion": "同意"})
    assert refused.status_code == 403
    response = client.post(f"/cases/{case.id}/steps/{step.id}/decision", data={
        f"step{step.id}-csrf_token": token, f"step{step.id}-lock_version": step.lock_version,
        f"step{step.id}-decision": "approve", f"step{step.id}-opinion": "符合规划要求"})
    assert response.status_code == 302
    db.session.expire_all()
    step = db.session.get(CaseStep, step.id)
    assert step.status == StepStatus.APPROVED
    assert step.opinion == "符合规划要求"
    assert step.decided_by_id == hall.other_reviewer.id
    assert db.session.get(CaseStep, lead_step.id).status == StepStatus.PENDING
    events = db.session.scalars(sa.select(CaseEvent.trigger).where(CaseEvent.case_id == case.id)).all()
    assert "step_approve" in events


def test_a_step_decision_without_opinion_is_a_field_error(client, hall):
    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"))
    step = next(s for s in case.steps if s.department_id == hall.other.id)
    sign_in(client, hall.other_reviewer)
    token = extract_csrf(client.get("/cases").get_data(as_text=True))
    response = client.post(f"/cases/{case.id}/steps/{step.id}/decision", data={
        f"step{step.id}-csrf_token": token, f"step{step.id}-lock_version": step.lock_version,
        f"step{step.id}-decision": "approve", f"step{step.id}-opinion": ""})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(CaseStep, step.id).status == StepStatus.PENDING


def test_head_grants_and_clerk_delivers_and_closes(client, hall, make_user):
    case = hall.receive()
    reception.accept(case, hall.actor("clerk"))
    sign_in(client, hall.head)
    assert post_action(client, case, "grant").status_code == 302
    case = reload(case)
    assert case.state == "granted"
    assert case.due_delivery is not None
    client.post("/logout", data={"csrf_token": extract_csrf(client.get("/cases").get_data(as_text=True))})
    sign_in(client, hall.clerk)
    assert post_action(client, case, "deliver").status_code == 302
    assert post_action(client, reload(case), "close").status_code == 302
    assert reload(case).state == "closed"


def test_special_procedure_and_extension_forms(client, hall):
    case = receive_today(hall)
    case.workflow_version = 3  # before version 4 the handler names the approver and it starts at once
    reception.accept(case, hall.actor("clerk"))
    sign_in(client, hall.reviewer)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'<option selected value="{hall.head.id}">' in html  # the department's head approves by default
    assert f'value="{hall.reviewer.id}"' not in html.split('name="start_special_procedure-approver_id"')[1][:400]
    fields = {"procedure_type": "expert_review", "expected_days": "5", "reason": "组织专家评审"}
    response = post_action(client, case, "start_special_procedure", approver_id=str(hall.reviewer.id), **fields)
    assert response.status_code == 400  # a reviewer cannot approve stopping the clock
    assert not reload(case).has_open_pause
    response = post_action(client, case, "start_special_procedure", approver_id=str(hall.manager.id), **fields)
    assert response.status_code == 302
    case = reload(case)
    assert case.has_open_pause
    assert (case.pauses[0].approver_id, case.pauses[0].applicant_notified) == (hall.manager.id, False)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "badge-paused" in html
    assert hall.manager.display_name in html
    assert post_action(client, case, "end_special_procedure", result="专家评审通过").status_code == 302
    response = post_action(client, reload(case), "request_extension", days="30", reason="情况复杂")
    assert response.status_code == 400  # more than the policy allows: the service's field error
    assert re.search(r'id="action-request_extension" open>.*?class="error" role="alert"',
                     response.get_data(as_text=True), re.S)
    assert post_action(client, reload(case), "request_extension", days="5", reason="情况复杂").status_code == 302
    assert len(reload(case).extensions) == 1


# -- list and landing pages -------------------------------------------------------------------------------------


def test_the_list_is_scoped_to_the_clerks_windows(client, hall, make_user, make_window):
    own = hall.receive(name="王五")
    other_window = make_window()
    hall.committed.windows = [hall.window, other_window]
    other_clerk = make_user(Role.CLERK, windows=[other_window])
    foreign = receive_application(item=hall.committed, window=other_window, clerk=other_clerk,
                                  applicant=Applicant("赵六"))
    sign_in(client, hall.clerk)
    html = client.get("/cases").get_data(as_text=True)
    assert own.number in html
    assert foreign.number not in html
    assert client.get(f"/cases/{foreign.id}").status_code == 403
    # Search by number and by applicant name within the scope.
    assert own.number in client.get(f"/cases?q={own.number}").get_data(as_text=True)
    assert own.number not in client.get("/cases?q=赵六").get_data(as_text=True)


def test_reviewers_see_their_departments_cases_and_their_steps(client, hall, make_user):
    joint = hall.receive(hall.joint, name="联办申请人")
    reception.accept(joint, hall.actor("clerk"))
    committed = hall.receive(name="承诺件申请人")
    sign_in(client, hall.other_reviewer)
    html = client.get("/cases").get_data(as_text=True)
    assert joint.number in html  # a participating department
    assert committed.number not in html  # the lead department's own case
    home = client.get("/").get_data(as_text=True)
    assert joint.number in home  # its pending step on the landing page


def test_filters_and_badges_for_overdue_and_due_soon(client, hall):
    today = local_today()
    late, soon, later = hall.receive(name="甲"), hall.receive(name="乙"), hall.receive(name="丙")
    for case, due in ((late, today - timedelta(days=3)), (soon, today), (later, today + timedelta(days=10))):
        reception.accept(case, hall.actor("clerk"))
        case.due_promised, case.due_statutory = due, today + timedelta(days=60)
    sign_in(client, hall.manager)
    overdue = client.get("/cases?due=overdue").get_data(as_text=True)
    assert late.number in overdue
    assert soon.number not in overdue
    assert "badge-danger" in overdue
    due_soon = client.get("/cases?due=soon").get_data(as_text=True)
    assert soon.number in due_soon
    assert late.number not in due_soon
    assert later.number not in due_soon
    assert "badge-warn" in due_soon
    everything = client.get("/cases").get_data(as_text=True)
    assert everything.index(late.number) < everything.index(soon.number) < everything.index(later.number)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'id="count-overdue">1<', home)
    assert re.search(r'id="count-soon">1<', home)


def test_state_filter(client, hall):
    received = hall.receive(name="甲")
    accepted = hall.receive(name="乙")
    reception.accept(accepted, hall.actor("clerk"))
    sign_in(client, hall.clerk)
    html = client.get("/cases?state=under_review").get_data(as_text=True)
    assert accepted.number in html
    assert received.number not in html


def test_open_cases_come_before_finished_ones(client, hall):
    finished = hall.receive(name="甲", day="2026-03-02")
    reception.refuse(finished, hall.actor("clerk"), "不属于本机关职权范围", when=finished.received_at)
    later_due = hall.receive(name="乙", day="2026-03-03")
    reception.accept(later_due, hall.actor("clerk"), when=later_due.received_at)
    sooner_due = hall.receive(name="丙", day="2026-03-02")
    reception.accept(sooner_due, hall.actor("clerk"), when=sooner_due.received_at)
    sign_in(client, hall.clerk)
    html = client.get("/cases").get_data(as_text=True)
    order = [html.index(c.number) for c in (sooner_due, later_due, finished)]
    assert order == sorted(order)


def test_clerk_home_lists_recent_cases(client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    assert case.number in client.get("/").get_data(as_text=True)


# -- public tracking --------------------------------------------------------------------------------------------


def _track(client, number: str, code: str):
    token = extract_csrf(client.get("/track").get_data(as_text=True))
    return client.post("/track", data={"csrf_token": token, "number": number, "query_code": code})


def test_tracking_shows_the_status_with_personal_data_masked(client, hall):
    case = hall.receive(name="欧阳娜娜")
    reception.accept(case, hall.actor("clerk"), comment="内部备注：材料已核对")
    db.session.commit()
    response = _track(client, case.number, case.query_code.lower())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'id="track-applicant">欧\*\*<', html)
    assert "欧阳娜娜" not in html
    assert "330***********1234" in html
    assert "330102199001011234" not in html
    assert "138****0000" in html
    assert hall.committed.name in html
    assert long_zh(case.due_promised) in html
    assert "内部备注" not in html  # no internal comments
    assert hall.clerk.display_name not in html  # no staff names
    assert case.query_code not in html


def test_a_wrong_code_answers_like_an_unknown_number(client, hall):
    case = hall.receive()
    db.session.commit()
    wrong = _track(client, case.number, "WRONG234")
    unknown = _track(client, "SC20990101-00001", "WRONG234")
    assert wrong.status_code == unknown.status_code == 404
    wrong_html, unknown_html = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert 'id="track-not-found"' in wrong_html
    assert f'value="{case.number}"' in wrong_html  # the input is kept
    assert 'value="WRONG234"' in wrong_html
    assert "张三" not in wrong_html
    assert wrong_html.replace(case.number, "X") == unknown_html.replace("SC20990101-00001", "X").replace(
        extract_csrf(unknown_html), extract_csrf(wrong_html))


def test_tracking_needs_the_csrf_token(client, hall):
    case = hall.receive()
    db.session.commit()
    response = client.post("/track", data={"number": case.number, "query_code": case.query_code})
    assert response.status_code == 400
    assert case.applicant_name not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/cases", "/cases/receive"])
def test_case_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# -- every kind renders, for every role in scope ----------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["accept", "accept_with_gaps", "record_supplement"])
def test_joint_accept_with_chosen_departments(client, hall, trigger):
    case = receive_today(hall, hall.joint)
    fields = {}
    if trigger == "accept_with_gaps":
        fields = {"missing_materials": "身份证复印件", "commitment_signed": "y"}
    if trigger == "record_supplement":
        reception.request_supplement(case, hall.actor("clerk"), ["营业执照"])
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'name="{trigger}-departments"' in html
    response = post_action(client, case, trigger, departments=[str(hall.lead.id), str(hall.third.id)], **fields)
    assert response.status_code == 302
    case = reload(case)
    assert case.state == "parallel_review"
    assert sorted(s.department_id for s in case.steps) == sorted([hall.lead.id, hall.third.id])


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_case_pages_render_for_every_kind_and_role(client, hall, make_user, lang):
    from service_center.services import complaints

    received = {key: hall.receive(getattr(hall, key)) for key in ("committed", "instant", "forwarded", "joint",
                                                                    "disclosure")}
    accepted = {key: hall.receive(getattr(hall, key)) for key in ("committed", "instant", "forwarded", "joint")}
    for case in accepted.values():
        reception.accept(case, hall.actor("clerk"))
    complaint = complaints.receive_complaint(window=hall.window, complainant=Applicant("投诉人"), content="态度差",
                                             actor=hall.actor("manager"))
    supervisor = make_user(Role.SUPERVISOR)
    admin = make_user(Role.ADMIN)
    all_cases = [*received.values(), *accepted.values(), complaint]
    for user in (hall.clerk, hall.reviewer, hall.head, hall.manager, supervisor, admin):
        client.get(f"/lang/{lang}")
        sign_in(client, user)
        assert client.get("/").status_code == 200
        listing = client.get("/cases")
        assert listing.status_code == 200
        for case in all_cases:
            response = client.get(f"/cases/{case.id}")
            if case is complaint and user.role not in (Role.MANAGER, Role.SUPERVISOR, Role.ADMIN):
                assert response.status_code == 403  # complaints are for the supervision office
                continue
            assert response.status_code == 200, (user.role, case.workflow_key, case.state)
            assert case.number in response.get_data(as_text=True)
        client.post("/logout", data={"csrf_token": extract_csrf(listing.get_data(as_text=True))})


def test_complaints_are_hidden_from_the_window_complained_about(client, hall):
    from service_center.services.complaints import receive_complaint

    complaint = receive_complaint(window=hall.window, complainant=Applicant("李四", "", "13900000000"),
                                  content="窗口人员态度差", actor=core.Actor.staff(hall.manager))
    sign_in(client, hall.clerk)
    assert client.get(f"/cases/{complaint.id}").status_code == 403
    assert complaint.number not in client.get("/cases").get_data(as_text=True)


def test_a_returned_share_is_reopened_from_the_case_page(client, hall):
    from service_center.services import steps

    case = hall.receive(hall.joint)
    reception.accept(case, hall.actor("clerk"), when=case.received_at)
    other = next(s for s in case.steps if s.department_id == hall.other.id)
    steps.record_step_decision(other.id, hall.actor("other_reviewer"), "return", "缺消防图纸")
    sign_in(client, hall.clerk)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/steps/{other.id}/supplement" in page
    response = client.post(f"/cases/{case.id}/steps/{other.id}/supplement", data={"csrf_token": extract_csrf(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseStep, other.id).status == StepStatus.PENDING
    # Again: nothing to reopen, a clear refusal and no change.
    again = client.post(f"/cases/{case.id}/steps/{other.id}/supplement", data={"csrf_token": extract_csrf(page)})
    assert again.status_code == 400


def test_a_procedure_started_after_the_due_date_leaves_the_overdue_badge(client, hall):
    today = local_today()
    in_time, late = hall.receive(name="甲"), hall.receive(name="乙")
    for case in (in_time, late):
        reception.accept(case, hall.actor("clerk"))
        hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="检验")
        case.due_promised, case.due_statutory = today - timedelta(days=3), today + timedelta(days=30)
    in_time.pauses[0].started_on = today - timedelta(days=5)  # before the due date: the clock stopped in time
    sign_in(client, hall.manager)
    listing = client.get("/cases").get_data(as_text=True)
    row = {c: listing.split(c.number)[1].split("</tr>")[0] for c in (in_time, late)}
    assert "badge-paused" in row[in_time]
    assert "badge-danger" not in row[in_time]
    assert "badge-paused" in row[late]
    assert "badge-danger" in row[late]
    assert "badge-danger" in client.get(f"/cases/{late.id}").get_data(as_text=True).split("</h1>")[0]
    home = client.get("/").get_data(as_text=True)
    assert late.number in home
    assert in_time.number not in home


def test_no_approver_to_choose_means_no_approver_field(client, hall):
    hall.head.active = hall.manager.active = False
    case = receive_today(hall)
    case.workflow_version = 3  # before version 4 the handler names the approver
    reception.accept(case, hall.actor("clerk"))
    sign_in(client, hall.reviewer)
    assert "start_special_procedure-approver_id" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = post_action(client, case, "start_special_procedure", procedure_type="hearing", expected_days="3",
                           reason="组织听证")
    assert response.status_code == 302
    assert reload(case).pauses[0].approver_id == hall.reviewer.id


def test_a_disclosure_consultation_has_no_licensing_procedure_notice(client, hall):
    case = receive_today(hall, hall.disclosure)
    core.perform(case, "start_processing", hall.actor("reviewer"))
    clock_stops.start_special_procedure(case, hall.actor("reviewer"), "consultation", reason="征求第三方意见")
    sign_in(client, hall.clerk)
    assert client.get(f"/cases/{case.id}/notices/special_procedure").status_code == 404


def test_a_gaps_notice_without_a_recorded_date_still_prints(client, hall):
    case = receive_today(hall)
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True)
    event = next(e for e in case.events if e.trigger == "accept_with_gaps")
    events = CaseEvent.__table__  # recorded before the date was kept with the event (the ORM forbids edits)
    db.session.execute(events.update().where(events.c.id == event.id).values(
        data={"missing_materials": ["身份证复印件"]}))
    db.session.expire(event)
    reception.record_gap_materials(case, hall.actor("clerk"))
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}/notices/gaps").get_data(as_text=True)
    assert "约定期限" in html
    assert "身份证复印件" in html


@pytest.mark.parametrize(("pause_days_before_due", "overdue_shown"), [(2, False), (-1, True)])
def test_a_step_stopped_by_a_procedure_in_time_is_not_overdue(client, hall, pause_days_before_due, overdue_shown):
    today = local_today()
    case = receive_today(hall, hall.joint)
    reception.accept(case, hall.actor("clerk"))
    hall.start_procedure(case, hall.actor("head"), "inspection", reason="检验")
    step_due = today - timedelta(days=3)
    for step in case.steps:
        step.due_on = step_due
    case.pauses[0].started_on = step_due - timedelta(days=pause_days_before_due)
    sign_in(client, hall.other_reviewer)
    home = client.get("/").get_data(as_text=True)
    steps_table = home.split('id="pending-steps"')[1].split("</table>")[0]
    assert case.number in steps_table
    assert ("badge-danger" in steps_table) == overdue_shown
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert ("badge-danger" in detail.split("</h1>")[1]) == overdue_shown


def test_the_gaps_notice_is_dated_the_day_the_commitment_was_signed(client, hall):
    case = hall.receive(day="2026-03-02")  # not noticed within 5 working days: accepted as of 3/2
    reception.accept_with_gaps(case, hall.actor("clerk"), ["身份证复印件"], commitment_signed=True,
                               when=at("2026-03-12"))
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}/notices/gaps").get_data(as_text=True)
    assert "2026年3月12日" in html.split('class="notice-date"')[1][:40]


def test_a_case_withdrawn_after_its_grant_owes_no_delivery(client, hall):
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    decisions.decide(case, hall.actor("head"), grant=True, when=at("2026-03-05"))
    assert case.due_delivery is not None
    decisions.withdraw(case, core.APPLICANT, "不再需要", when=at("2026-03-06"))
    assert (case.outcome, case.due_delivery) == ("granted", None)
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}/notices/decision").get_data(as_text=True)
    assert "准予行政许可决定书" in html
    assert 'id="notice-delivery"' not in html
