"""Free text made only of invisible characters is no text: refused where blanks are refused, cleaned where it is
kept (issue #7). Through the case action forms, the counter and the catalogue editor."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, CaseStep, Item, Role, StepStatus
from tests.conftest import extract_csrf, login
from tests.web.test_admin_items import _item_form

BLANKS = "   "
INVISIBLE = ["\u200b\ufeff", "\u202e\u200d\u2060", " \u200b\n\ufeff "]


def sign_in(client, user) -> None:
    db.session.commit()
    assert login(client, user.username).status_code == 302


def errors_of(html: str, form_id: str) -> list[str]:
    """The field errors shown in the action form ``form_id`` (it is open when it failed)."""
    match = re.search(rf'id="{form_id}" open>(.*?)</details>', html, re.S)
    assert match, f"{form_id} is not shown open"
    return re.findall(r'class="error" role="alert">([^<]*)<', match.group(1))


def post_action(client, case: Case, trigger: str, **fields):
    token = extract_csrf(client.get("/cases").get_data(as_text=True))
    data = {f"{trigger}-csrf_token": token, f"{trigger}-lock_version": case.lock_version}
    data.update({f"{trigger}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.id}/actions/{trigger}", data=data)


def accept(client, hall, case: Case) -> None:
    """The clerk accepts ``case`` through its form, then signs out."""
    sign_in(client, hall.clerk)
    assert post_action(client, case, "accept").status_code == 302
    client.post("/logout", data={"csrf_token": extract_csrf(client.get("/cases").get_data(as_text=True))})
    db.session.expire_all()


def _refusals(post) -> list[tuple[int, list[str]]]:
    """What ``post(text)`` answers for blanks and for each invisible text: status and errors shown."""
    return [post(text) for text in [BLANKS, *INVISIBLE]]


@pytest.mark.parametrize(("trigger", "who", "fields"), [
    ("refuse", "clerk", {}),
    ("request_extension", "reviewer", {"days": "5"}),
    ("request_special_procedure", "reviewer", {"procedure_type": "expert_review", "expected_days": "5"}),
])
def test_reasons_of_invisible_characters_are_refused_like_blanks(client, hall, trigger, who, fields):
    case = hall.receive()
    if trigger != "refuse":
        accept(client, hall, case)
    sign_in(client, getattr(hall, who))
    state, version = case.state, case.lock_version

    def post(text: str) -> tuple[int, list[str]]:
        response = post_action(client, case, trigger, reason=text, **fields)
        return response.status_code, errors_of(response.get_data(as_text=True), f"action-{trigger}")

    answers = _refusals(post)
    assert answers[0][0] == 400
    assert answers[0][1]
    assert answers == [answers[0]] * len(answers)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.state, case.lock_version) == (state, version)


def test_an_opinion_of_invisible_characters_is_refused_like_blanks(client, hall):
    case = hall.receive(hall.joint)
    accept(client, hall, case)
    step = next(s for s in case.steps if s.department_id == hall.other.id)
    sign_in(client, hall.other_reviewer)

    def post(text: str) -> tuple[int, str]:
        token = extract_csrf(client.get("/cases").get_data(as_text=True))
        response = client.post(f"/cases/{case.id}/steps/{step.id}/decision", data={
            f"step{step.id}-csrf_token": token, f"step{step.id}-lock_version": step.lock_version,
            f"step{step.id}-decision": "reject", f"step{step.id}-opinion": text})
        html = response.get_data(as_text=True)
        return response.status_code, re.findall(r'class="error" role="alert">([^<]*)<', html)

    answers = _refusals(post)
    assert answers[0][0] == 400
    assert answers[0][1]
    assert answers == [answers[0]] * len(answers)
    db.session.expire_all()
    assert db.session.get(CaseStep, step.id).status == StepStatus.PENDING


def test_a_comment_or_optional_reason_of_invisible_characters_is_kept_as_none(client, hall):
    case = hall.receive()
    sign_in(client, hall.clerk)
    assert post_action(client, case, "accept", comment="\u200b\u202e").status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.state == "under_review"
    assert all("\u200b" not in event.comment and "\u202e" not in event.comment for event in case.events)


def test_the_counter_cleans_what_it_keeps(client, hall):
    sign_in(client, hall.clerk)
    html = client.get("/cases/receive").get_data(as_text=True)
    response = client.post("/cases/receive", data={
        "csrf_token": extract_csrf(html), "window": hall.window.id, "item": hall.committed.id,
        "applicant_kind": "person", "applicant_name": "\u202e李\u200b四\x07 ",
        "applicant_phone": "\u200b\ufeff",  # nothing visible: as if left empty, not "digits only"
        "title": "\u2066新办\u2069",
    })
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert (case.applicant_name, case.applicant_phone, case.title) == ("李四", "", "新办")


# -- the catalogue editor ------------------------------------------------------------------------------------------


def _post_item(client, department, **overrides):
    token = extract_csrf(client.get("/admin/items/new").get_data(as_text=True))
    return client.post("/admin/items/new", data={"csrf_token": token, **_item_form(department, **overrides)})


def test_an_item_name_is_published_without_overrides_or_controls(client, login_as, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    response = _post_item(client, department, code="\u200bXK-100", name="\u202e食品\x1b经营许可\u200f",
                          materials="*\u200b申请书\u202e\n\u2060\n营业执照\x07复印件",
                          fees="\ufeff不收费\u2028（免费）", conditions="\u200b")
    assert response.status_code == 302
    item = db.session.scalar(sa.select(Item))
    assert (item.code, item.name, item.fees, item.conditions) == ("XK-100", "食品经营许可", "不收费\n（免费）", "")
    assert [(m.name, m.is_key) for m in item.materials] == [("申请书", True), ("营业执照复印件", False)]


@pytest.mark.parametrize("name", [BLANKS, *INVISIBLE])
def test_an_item_name_of_invisible_characters_is_refused_like_blanks(client, login_as, make_department, name):
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    client.get("/lang/en")
    response = _post_item(client, department, name=name)
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0


def test_the_editor_and_the_service_share_the_length_limits(client, login_as, make_department):
    login_as(Role.ADMIN)
    department = make_department()
    db.session.commit()
    client.get("/lang/en")
    for overrides in ({"name": "名" * 201}, {"fees": "费" * 2001}, {"legal_basis": "法" * 5001},
                      {"materials": "材" * 201}):
        response = _post_item(client, department, **overrides)
        assert response.status_code == 400, overrides
    # Invisible characters do not count: what is stored is within the limit.
    assert _post_item(client, department, name="名" * 200 + "\u200b" * 10).status_code == 302
    assert db.session.scalar(sa.select(Item.name)) == "名" * 200
