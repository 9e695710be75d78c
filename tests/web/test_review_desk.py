"""The review desk (issue #8, items 6-10) through the pages, on both databases: the reviewer's opinion and the
head's decision, the head's queue, special procedures requested then approved, extensions offered only while
allowed, explicit joint consolidation and a department's written supplement notice."""

from __future__ import annotations

from service_center.extensions import db
from service_center.models import CaseEvent, ExtensionStatus, PauseStatus, Role, StepStatus
from service_center.services import clock_stops, reception, steps
from service_center.services.clock import local_today
from tests.conftest import extract_csrf
from tests.web.test_cases_web import post_action, receive_today, reload, sign_in


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": extract_csrf(client.get("/cases").get_data(as_text=True))})


def accepted_today(hall, item=None, name: str = "张三"):
    case = receive_today(hall, item, name=name)
    reception.accept(case, hall.actor("clerk"))
    return case


def test_the_reviewer_records_an_opinion_and_the_head_sees_it_and_decides(client, hall):
    case = accepted_today(hall)
    sign_in(client, hall.reviewer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="action-record_opinion"' in page
    assert 'id="head-decides"' in page  # the reviewer is told the head decides
    assert 'id="action-grant"' not in page
    assert post_action(client, case, "record_opinion", opinion="").status_code == 400  # a field error
    assert "record_opinion" not in [e.trigger for e in reload(case).events]
    assert post_action(client, case, "record_opinion", opinion="材料齐全，建议准予许可").status_code == 302
    event = reload(case).events[-1]
    assert (event.trigger, event.actor_id, event.comment, event.data["opinion"]) == (
        "record_opinion", hall.reviewer.id, "材料齐全，建议准予许可", "材料齐全，建议准予许可")
    sign_out(client)
    sign_in(client, hall.head)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "材料齐全，建议准予许可" in page.split('id="review-opinions"')[1]
    assert 'id="action-record_opinion"' not in page  # the head decides
    home = client.get("/").get_data(as_text=True)
    assert '<strong id="count-opinions">1</strong>' in home
    assert post_action(client, reload(case), "grant").status_code == 302
    assert reload(case).state == "granted"
    assert '<strong id="count-opinions">0</strong>' in client.get("/").get_data(as_text=True)


def test_a_special_procedure_is_requested_approved_by_the_head_notified_by_printing_and_ended_with_a_result(
        client, hall):
    case = accepted_today(hall)
    due = (case.due_promised, case.due_statutory)
    sign_in(client, hall.reviewer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "request_special_procedure-approver_id" not in page  # nobody is named any more
    assert "applicant_notified" not in page  # and nothing is ticked by default
    assert 'id="action-approve_special_procedure"' not in page
    response = post_action(client, case, "request_special_procedure", procedure_type="inspection",
                           expected_days="5", reason="需现场检验")
    assert response.status_code == 302
    case = reload(case)
    pause = case.pauses[0]
    assert (pause.status, pause.started_on, pause.requested_by_id, pause.expected_days, pause.applicant_notified) == (
        PauseStatus.REQUESTED, None, hall.reviewer.id, 5, False)
    assert (case.due_promised, case.due_statutory, case.has_open_pause) == (*due, False)  # the clock runs
    assert post_action(client, case, "approve_special_procedure").status_code == 403  # not the reviewer's
    sign_out(client)

    sign_in(client, hall.head)
    assert '<strong id="count-procedures">1</strong>' in client.get("/").get_data(as_text=True)
    queue = client.get("/approvals").get_data(as_text=True)
    assert case.number in queue.split('id="queue-procedures"')[1].split("</table>")[0]
    assert "需现场检验" in queue
    assert post_action(client, case, "approve_special_procedure", comment="同意").status_code == 302
    case = reload(case)
    pause = case.pauses[0]
    today = local_today()
    assert (pause.status, pause.started_on, pause.approver_id, pause.decided_on) == (
        PauseStatus.APPROVED, today, hall.head.id, today)
    assert case.has_open_pause
    assert not pause.applicant_notified
    assert case.due_promised >= due[0]  # stopped from today on: the dates can only move later
    # Printing the special procedure notice records that the applicant was told in writing, once.
    sheet = client.get(f"/cases/{case.id}/notices/special_procedure").get_data(as_text=True)
    assert "需现场检验" in sheet
    case = reload(case)
    assert (case.pauses[0].applicant_notified, case.pauses[0].notified_on) == (True, today)
    assert [e.data for e in case.events if e.trigger == "notify_special_procedure"] == [{"via": "printed"}]
    client.get(f"/cases/{case.id}/notices/special_procedure")
    assert len([e for e in reload(case).events if e.trigger == "notify_special_procedure"]) == 1
    # Ending it records its result.
    assert post_action(client, reload(case), "end_special_procedure", result="").status_code == 400
    assert post_action(client, reload(case), "end_special_procedure", result="检验合格").status_code == 302
    pause = reload(case).pauses[0]
    assert (pause.ended_on, pause.result) == (today, "检验合格")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True).split('id="pauses"')[1]
    assert "检验合格" in page
    assert hall.head.display_name in page
    assert hall.reviewer.display_name in page


def test_a_refused_special_procedure_leaves_the_clock_and_is_marked_refused(client, hall):
    case = accepted_today(hall)
    due = (case.due_promised, case.due_statutory)
    clock_stops.request_special_procedure(case, hall.actor("reviewer"), "hearing", reason="申请听证")
    sign_in(client, hall.manager)
    assert post_action(client, case, "refuse_special_procedure", reason="").status_code == 400
    assert post_action(client, reload(case), "refuse_special_procedure", reason="不属于听证范围").status_code == 302
    case = reload(case)
    assert (case.pauses[0].status, case.pauses[0].approver_id, case.pauses[0].decision_note) == (
        PauseStatus.REFUSED, hall.manager.id, "不属于听证范围")
    assert (case.due_promised, case.due_statutory, case.has_open_pause) == (*due, False)
    assert client.get(f"/cases/{case.id}/notices/special_procedure").status_code == 404  # nothing to notify


def test_marking_the_procedure_notice_sent_records_it(client, hall):
    case = accepted_today(hall)
    hall.start_procedure(case, hall.actor("reviewer"), "testing", reason="检测")
    sign_in(client, hall.clerk)
    assert 'id="action-notify_special_procedure"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert post_action(client, case, "notify_special_procedure").status_code == 302
    case = reload(case)
    assert (case.pauses[0].applicant_notified, case.pauses[0].notified_on) == (True, local_today())
    assert case.events[-1].data == {"via": "sent"}
    assert 'id="action-notify_special_procedure"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_an_extension_is_offered_only_while_one_is_allowed_and_shows_who_approved_it(client, hall):
    case = accepted_today(hall)
    sign_in(client, hall.reviewer)
    assert 'id="action-request_extension"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert post_action(client, case, "request_extension", days="5", reason="情况复杂").status_code == 302
    sign_out(client)
    sign_in(client, hall.head)
    assert '<strong id="count-extensions">1</strong>' in client.get("/").get_data(as_text=True)
    assert case.number in client.get("/approvals").get_data(as_text=True).split('id="queue-extensions"')[1]
    assert post_action(client, reload(case), "approve_extension").status_code == 302
    case = reload(case)
    assert [(e.status, e.decided_by_id) for e in case.extensions] == [(ExtensionStatus.APPROVED, hall.head.id)]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert hall.head.display_name in page.split('id="extensions"')[1].split("</table>")[0]
    assert 'id="action-request_extension"' not in page  # the one extension is used
    sign_out(client)
    sign_in(client, hall.reviewer)
    assert 'id="action-request_extension"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert post_action(client, case, "request_extension", days="2", reason="再延").status_code == 400
    assert len(reload(case).extensions) == 1


def test_joint_extensions_wait_for_a_manager_not_the_head(client, hall):
    case = accepted_today(hall, hall.joint)
    clock_stops.request_extension(case, hall.actor("reviewer"), 5, "情况复杂")
    sign_in(client, hall.head)
    assert '<strong id="count-extensions">0</strong>' in client.get("/").get_data(as_text=True)
    sign_out(client)
    sign_in(client, hall.manager)
    assert '<strong id="count-extensions">1</strong>' in client.get("/").get_data(as_text=True)
    assert "/approvals" in client.get("/").get_data(as_text=True)  # the nav link


def test_the_queue_is_for_heads_and_managers_and_a_head_sees_only_their_department(client, hall, make_user):
    case = accepted_today(hall)
    clock_stops.request_special_procedure(case, hall.actor("reviewer"), "hearing", reason="听证")
    other_head = make_user(Role.DEPT_HEAD, department=hall.other)
    sign_in(client, other_head)
    assert case.number not in client.get("/approvals").get_data(as_text=True)
    sign_out(client)
    sign_in(client, hall.reviewer)
    assert client.get("/approvals").status_code == 403


def _joint_in_consolidation(hall, decisions=("approve", "reject", "approve")):
    case = accepted_today(hall, hall.joint)
    for (department, who), decision in zip(
            ((hall.lead, "reviewer"), (hall.other, "other_reviewer"), (hall.third, "third_reviewer")), decisions,
            strict=True):
        step = next(s for s in case.steps if s.department_id == department.id)
        steps.record_step_decision(step.id, hall.actor(who), decision, "不同意：选址不符合规划" if decision == "reject"
                                   else "同意")
    return case


def test_joint_consolidation_is_explicit_and_a_grant_over_a_rejection_needs_reasons(client, hall):
    case = _joint_in_consolidation(hall)
    sign_in(client, hall.reviewer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    join_rule = page.split('id="join-rule">')[1].split("</dd>")[0]
    assert join_rule in ("Lead department consolidates the opinions", "牵头部门汇总意见") or join_rule
    assert 'id="head-decides"' in page  # the lead's reviewer sees that the head decides
    assert post_action(client, case, "record_opinion", opinion="建议准予，规划问题已协调").status_code == 302
    sign_out(client)
    sign_in(client, hall.head)
    home = client.get("/").get_data(as_text=True)
    assert '<strong id="count-consolidations">1</strong>' in home
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    warning = page.split('id="warning-grant"')[1].split("</p>")[0]
    assert hall.other.name in warning
    assert "confirm(" in page.split('id="action-grant"')[1].split("</form>")[0]
    response = post_action(client, reload(case), "grant")
    assert response.status_code == 400  # no reasons: a field error, nothing changes
    assert reload(case).state == "consolidation"
    assert post_action(client, reload(case), "grant", comment="规划部门意见已由政府协调会议解决").status_code == 302
    case = reload(case)
    assert (case.state, case.outcome_reason) == ("granted", "规划部门意见已由政府协调会议解决")


def test_the_guide_shows_the_join_rule(client, hall):
    db.session.commit()
    page = client.get(f"/guide/{hall.joint.code}").get_data(as_text=True)
    assert 'id="guide-join-rule"' in page


def test_a_department_return_gives_a_written_notice_and_tracking_shows_its_effect(client, hall):
    case = accepted_today(hall, hall.joint)
    other = next(s for s in case.steps if s.department_id == hall.other.id)
    steps.record_step_decision(other.id, hall.actor("other_reviewer"), "return", "环评报告；消防验收意见")
    promised = case.due_promised
    sign_in(client, hall.clerk)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'id="step-notice-{other.id}"' in page
    sheet = client.get(f"/cases/{case.id}/steps/{other.id}/notice").get_data(as_text=True)
    listed = sheet.split('id="notice-materials"')[1].split("</ol>")[0]
    assert "环评报告" in listed
    assert "消防验收意见" in listed
    assert hall.other.name in sheet.split('id="notice-step-department"')[1]
    assert "keeps running" in sheet or "继续计算" in sheet
    lead = next(s for s in case.steps if s.department_id == hall.lead.id)
    assert client.get(f"/cases/{case.id}/steps/{lead.id}/notice").status_code == 404  # not returned
    token = extract_csrf(client.get("/track").get_data(as_text=True))
    tracked = client.post("/track", data={"csrf_token": token, "number": case.number,
                                          "query_code": case.query_code}).get_data(as_text=True)
    assert 'id="track-step-supplement"' in tracked
    # The supplement arrives: the department's step restarts with its full limit, the case's dates stay.
    steps.record_step_supplement(other.id, hall.actor("clerk"))
    db.session.commit()
    case = reload(case)
    step = next(s for s in case.steps if s.department_id == hall.other.id)
    assert (step.status, step.started_on, case.due_promised) == (StepStatus.PENDING, local_today(), promised)
    assert step.due_on <= promised
    assert [e.trigger for e in case.events if e.step_id == other.id] == ["step_return", "step_supplemented"]
    token = extract_csrf(client.get("/track").get_data(as_text=True))
    tracked = client.post("/track", data={"csrf_token": token, "number": case.number,
                                          "query_code": case.query_code}).get_data(as_text=True)
    assert 'id="track-step-supplement"' not in tracked


def test_an_opinion_on_a_case_in_another_department_is_forbidden(client, hall, make_user):
    case = accepted_today(hall)
    stranger = make_user(Role.REVIEWER, department=hall.other)
    sign_in(client, stranger)
    assert post_action(client, case, "record_opinion", opinion="x").status_code == 403
    assert not [e for e in reload(case).events if isinstance(e, CaseEvent) and e.trigger == "record_opinion"]
