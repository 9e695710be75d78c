"""The counter (受理窗口): the materials checklist at receipt, identity numbers, the receipt slip, the one-time
supplement notice of instant items, and notices printed in Chinese in the deciding department's name."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from stdnum.cn import ric, uscc

from service_center.extensions import db
from service_center.identity import InvalidIdNumber, checked_id_number
from service_center.models import ApplicantKind, Case, CaseEvent
from service_center.services import ServiceError, reception
from service_center.services.intake import Applicant
from service_center.services.materials import MaterialCheck
from service_center.services.reception import receive_application
from tests.conftest import extract_csrf
from tests.hall import at
from tests.web.test_cases_web import post_action, reload, sign_in
from workflows import get_definition

VALID_ID = "330102199001011234"
VALID_USCC = "91110000600037341L"


def receive_form(client, hall, item=None, *, id_number: str = VALID_ID, kind: str = "person",
                 ticks: dict[str, str | None] | None = None):
    """POST the counter form; ``ticks`` maps a material name to its defect ('' for fine, None for not received)."""
    item = item or hall.committed
    html = client.get("/cases/receive").get_data(as_text=True)
    data = {"csrf_token": extract_csrf(html), "window": hall.window.id, "item": item.id, "applicant_kind": kind,
            "applicant_name": "李四", "applicant_id_number": id_number, "applicant_phone": "13912345678"}
    for material in item.materials:
        defect = (ticks or {}).get(material.name)
        if defect is not None:
            data[f"material-{material.id}-received"] = "y"
            data[f"material-{material.id}-defect"] = defect
    return client.post("/cases/receive", data=data)


def last_case() -> Case:
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).order_by(Case.id.desc()).limit(1))


def receive_checked(hall, checks: list[MaterialCheck], item=None, **kwargs) -> Case:
    return receive_application(item=item or hall.committed, window=hall.window, clerk=hall.clerk,
                               applicant=Applicant("张三", VALID_ID, "13800000000"), materials=checks, **kwargs)


# -- 1. the materials checklist -----------------------------------------------------------------------------------


def test_the_counter_shows_the_items_checklist_and_stores_the_ticks_and_defects(client, hall):
    sign_in(client, hall.clerk)
    page = client.get("/cases/receive").get_data(as_text=True)
    checklist = page.split(f'id="checklist-{hall.committed.id}"')[1].split("</fieldset>")[0]
    assert "申请书" in checklist
    assert "身份证复印件" in checklist
    response = receive_form(client, hall, ticks={"申请书": "未签字", "身份证复印件": ""})
    assert response.status_code == 302
    case = last_case()
    assert case.materials_received == [
        {"name": "申请书", "key": True, "received": True, "defect": "未签字"},
        {"name": "身份证复印件", "key": False, "received": True, "defect": ""},
    ]
    detail = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "未签字" in detail.split('id="materials-checklist"')[1]


def test_acceptance_with_a_key_material_missing_is_refused_with_a_message(client, hall):
    sign_in(client, hall.clerk)
    receive_form(client, hall, ticks={"身份证复印件": ""})  # the key 申请书 not handed in
    case = last_case()
    response = post_action(client, case, "accept")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "申请书" in html
    assert reload(case).state == "received"
    assert reload(case).accepted_on is None


def test_acceptance_with_a_defective_key_material_is_refused_and_a_complete_one_accepted(app, hall):
    defective = receive_checked(hall, [MaterialCheck("申请书", True, "复印件不清晰")])
    with pytest.raises(ServiceError, match="申请书"):
        reception.accept(defective, hall.actor("clerk"))
    complete = receive_checked(hall, [MaterialCheck("申请书", True)])  # a non-key material may be missing
    reception.accept(complete, hall.actor("clerk"))
    assert complete.accepted_on is not None


def test_a_case_that_counts_as_accepted_is_accepted_whatever_its_checklist(app, hall):
    case = receive_checked(hall, [], when=at("2026-03-02"))
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-16"))  # notice period over: deemed accepted
    assert case.clock_start_on == date(2026, 3, 2)


def test_the_supplement_form_is_prefilled_and_the_notice_prints_each_defect(client, hall):
    sign_in(client, hall.clerk)
    receive_form(client, hall, ticks={"申请书": "未签字"})  # 身份证复印件 missing, 申请书 defective
    case = last_case()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    form = page.split('id="action-request_supplement"')[1].split("</form>")[0]
    tags = re.findall(r"<input[^>]*>", form)
    checked = [re.search(r'value="([^"]+)"', t).group(1) for t in tags if "checked" in t and "checkbox" in t]
    assert sorted(checked) == ["申请书", "身份证复印件"]
    assert "申请书（未签字）" in form
    response = post_action(client, case, "request_supplement", missing_materials=["申请书", "身份证复印件"],
                           comment="请本人签字后重新提交")
    assert response.status_code == 302
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                         CaseEvent.trigger == "request_supplement"))
    assert event.data["defects"] == {"申请书": "未签字"}
    html = client.get(f"/cases/{case.id}/notices/supplement").get_data(as_text=True)
    listed = html.split('id="notice-materials"')[1].split("</ol>")[0]
    assert [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", listed)] == [
        "申请书：未签字", "身份证复印件"]
    assert "请本人签字后重新提交" in html.split('id="notice-explanation"')[1]
    # The supplement arrives: the checklist is complete, the case accepted.
    post_action(client, reload(case), "record_supplement")
    case = reload(case)
    assert case.accepted_on is not None
    assert all(e["received"] and not e["defect"] for e in case.materials_received)


def test_a_material_the_item_does_not_list_is_refused(app, hall):
    with pytest.raises(ServiceError) as refused:
        receive_checked(hall, [MaterialCheck("营业执照", True)])
    assert refused.value.field == "materials"


def test_cases_received_without_a_checklist_are_accepted_as_before(app, hall):
    case = hall.receive()
    assert case.materials_received is None
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    assert case.accepted_on == date(2026, 3, 2)


# -- 2. identity numbers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "number"), [("person", "123"), ("person", "330102199001011235"),
                                              ("organisation", VALID_ID), ("person", VALID_USCC),
                                              ("organisation", "91110000600037341A")])
def test_a_wrong_identity_number_is_a_field_error_and_nothing_is_received(client, hall, kind, number):
    sign_in(client, hall.clerk)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    response = receive_form(client, hall, id_number=number, kind=kind)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field = html.split('name="applicant_id_number"')[1].split('class="field')[0]
    assert 'role="alert"' in field
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == before


@pytest.mark.parametrize(("kind", "number", "stored"), [("person", "33010219900101123x", None),
                                                        ("organisation", VALID_USCC.lower(), VALID_USCC)])
def test_a_valid_identity_number_is_stored_compact(client, hall, kind, number, stored):
    if stored is None:  # a resident ID ending in X, lower case as typed
        stem = "33010219900101123"
        number = stem + ric.calc_check_digit(stem + "0").lower()
        stored = number.upper()
    sign_in(client, hall.clerk)
    assert receive_form(client, hall, id_number=number, kind=kind).status_code == 302
    assert last_case().applicant_id_number == stored


def test_the_checks_follow_stdnum_without_its_county_by_birth_year_table(app):
    with app.test_request_context():
        # 510104 (锦江区) is listed from 1990 on; people born before keep the code they were first issued.
        stem = "51010419800101123"
        older = stem + ric.calc_check_digit(stem + "0")
        assert not ric.is_valid(older)
        assert checked_id_number(ApplicantKind.PERSON, older) == older
        for bad in ("123", "990102199001011234", "330102199013011234"):
            with pytest.raises(InvalidIdNumber):
                checked_id_number(ApplicantKind.PERSON, bad[:17] + ric.calc_check_digit(bad[:17] + "0"))
        assert checked_id_number(ApplicantKind.PERSON, "") == ""
        assert uscc.is_valid(VALID_USCC)


def test_the_fixtures_and_the_demo_use_valid_numbers(app):
    import random

    from service_center.demo.cases import _applicant

    assert ric.is_valid(VALID_ID)
    rng = random.Random(7)
    with app.test_request_context():
        for _n in range(300):
            applicant = _applicant(rng)
            assert checked_id_number(applicant.kind, applicant.id_number) == applicant.id_number


# -- 3. the receipt slip ------------------------------------------------------------------------------------------


def test_the_receipt_slip_is_offered_after_receipt_and_prints_what_was_received(client, hall):
    sign_in(client, hall.clerk)
    response = receive_form(client, hall, ticks={"申请书": "", "身份证复印件": "已过期"})
    case = last_case()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = page.split('id="notice-link-receipt"')[0].rsplit("<a", 1)[1]
    assert "primary" in link
    html = client.get(f"/cases/{case.id}/notices/receipt").get_data(as_text=True)
    assert "收件凭证" in html
    assert case.number in html.split('id="notice-number"')[1][:80]
    assert case.query_code in html.split('id="notice-query-code"')[1][:80]
    assert hall.committed.name in html.split('id="notice-item"')[1][:200]
    rows = re.sub(r"<[^>]+>", " ", html.split('id="notice-checklist"')[1].split("</table>")[0]).split()
    assert rows[-6:] == ["申请书", "是", "—", "身份证复印件", "是", "已过期"]
    end = case.deemed_acceptance_on
    assert f"{end.year}年{end.month}月{end.day}日" in html.split('id="notice-period-end"')[1][:80]
    assert "/track?number=" + case.number in html.split('id="notice-tracking"')[1][:200]


def test_an_instant_case_has_a_receipt_slip_without_a_notice_period(client, hall):
    case = hall.receive(hall.instant)
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}/notices/receipt").get_data(as_text=True)
    assert case.number in html
    assert 'id="notice-period-end"' not in html


def test_the_tracking_page_is_prefilled_with_the_number_from_the_qr_code(client, hall):
    case = hall.receive()
    db.session.commit()
    html = client.get(f"/track?number={case.number}").get_data(as_text=True)
    assert f'value="{case.number}"' in html
    assert case.query_code not in html


# -- 4. instant items get a one-time supplement notice ------------------------------------------------------------


def test_instant_items_send_a_supplement_notice_on_version_3_and_keep_versions_1_and_2(client, hall):
    assert get_definition("instant", 1).find("received", "request_supplement") is None
    assert get_definition("instant", 2).find("received", "request_supplement") is None
    assert get_definition("instant").version == 3
    assert not get_definition("instant").deems_acceptance
    case = receive_checked(hall, [MaterialCheck("申请书", True, "缺少签名")], item=hall.instant)
    assert case.workflow_version == 3
    assert case.deemed_acceptance_on is None
    with pytest.raises(ServiceError):
        reception.accept(case, hall.actor("clerk"))
    sign_in(client, hall.clerk)
    assert post_action(client, case, "request_supplement", missing_materials=["申请书"]).status_code == 302
    case = reload(case)
    assert case.state == "supplement_requested"
    html = client.get(f"/cases/{case.id}/notices/supplement").get_data(as_text=True)
    assert "申请书：缺少签名" in re.sub(r"<[^>]+>", "", html)
    assert post_action(client, case, "record_supplement").status_code == 302
    case = reload(case)
    assert case.state == "accepted"
    assert case.accepted_on is not None
    assert post_action(client, case, "complete").status_code == 302
    assert reload(case).state == "closed"


def test_an_instant_supplement_notice_goes_out_within_5_working_days(app, hall):
    case = hall.receive(hall.instant, day="2026-03-02")
    with pytest.raises(ServiceError, match="5"):
        reception.request_supplement(case, hall.actor("clerk"), ["申请书"], when=at("2026-03-10"))
    reception.request_supplement(case, hall.actor("clerk"), ["申请书"], when=at("2026-03-09"))
    assert case.supplement_notice_on == date(2026, 3, 9)


# -- 5. notices are legal documents -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["receipt", "acceptance"])
def test_notices_print_in_chinese_in_the_departments_name_when_the_interface_is_english(client, hall, kind):
    hall.lead.contact_phone = "0571-87654321"
    case = hall.receive()
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-02"))
    client.get("/lang/en")
    sign_in(client, hall.clerk)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Case" in page  # the interface is English
    html = client.get(f"/cases/{case.id}/notices/{kind}").get_data(as_text=True)
    sheet = html.split('<article class="notice-sheet"')[1].split("</article>")[0]
    assert {"receipt": "收件凭证", "acceptance": "受理通知书"}[kind] in sheet
    assert "案件编号" in sheet or "办件编号" in sheet
    assert "2026年3月2日" in sheet
    for english in ("Case number", "Query code", "Seal", "Window", "Track"):
        assert english not in sheet
    assert hall.lead.name in sheet.split('id="notice-issuer"')[1][:100]
    assert hall.lead.name in sheet.split('id="notice-department"')[1][:100]
    assert hall.window.number in sheet.split('id="notice-window"')[1][:200]
    assert "0571-87654321" in sheet.split('id="notice-department-phone"')[1][:100]
    assert "/track?number=" in sheet.split('id="notice-tracking"')[1][:200]
    assert "<svg" in sheet.split('id="notice-qr"')[1][:200]
    assert "Back to the case" in html  # the page around the sheet follows the interface


def test_the_tracking_address_can_be_configured(app, client, hall, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_TRACKING_URL", "https://zwfw.example.gov.cn/track")
    case = hall.receive()
    sign_in(client, hall.clerk)
    html = client.get(f"/cases/{case.id}/notices/receipt").get_data(as_text=True)
    assert f"https://zwfw.example.gov.cn/track?number={case.number}" in html
