"""The public service guide: catalogue and item guide with its flow chart, no sign-in needed."""

from __future__ import annotations

from service_center.extensions import db
from service_center.models import CaseType, ItemStatus, JoinRule


def test_catalogue_lists_published_items_only_and_searches(client, make_item):
    published = make_item(name="食品经营许可证核发")
    make_item(name="草稿事项", status=ItemStatus.DRAFT)
    db.session.commit()
    html = client.get("/guide/").get_data(as_text=True)
    assert published.name in html
    assert "草稿事项" not in html
    assert "食品经营" in client.get("/guide/?q=食品").get_data(as_text=True)
    assert published.name not in client.get("/guide/?q=营业执照").get_data(as_text=True)


def test_catalogue_filters_by_case_type(client, make_item):
    make_item(name="即办事项", case_type=CaseType.INSTANT, workflow_key="instant", statutory_limit_days=0,
              promised_limit_days=0)
    make_item(name="承诺事项")
    db.session.commit()
    html = client.get("/guide/?type=instant").get_data(as_text=True)
    assert "即办事项" in html
    assert "承诺事项" not in html


def test_item_guide_shows_materials_limits_and_the_flow_chart(client, make_item, make_window):
    item = make_item(name="建筑工程施工许可证核发", fees="不收费", legal_basis="《建筑法》第八条")
    item.windows = [make_window(department=item.department, number="D01")]
    db.session.commit()
    response = client.get(f"/guide/{item.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "申请书" in html  # key material
    assert "身份证复印件" in html
    assert "D01" in html
    assert "《建筑法》第八条" in html
    # The flow chart in order: received, accepted, under review, granted, delivered, closed.
    positions = [html.index(label) for label in ("已收件", "已受理", "审查中", "准予许可", "已送达", "已办结")]
    assert positions == sorted(positions)
    assert "stateDiagram-v2" in html


def test_joint_item_guide_names_the_departments(client, make_item, make_department):
    other = make_department(name="消防救援支队")
    item = make_item(case_type=CaseType.JOINT, statutory_limit_days=45, promised_limit_days=30,
                     join_rule=JoinRule.ALL_APPROVE)
    item.participating_departments = [item.department, other]
    db.session.commit()
    html = client.get(f"/guide/{item.code}").get_data(as_text=True)
    assert "消防救援支队" in html
    assert "并联审批中" in html


def test_drafts_and_unknown_codes_are_not_found(client, make_item):
    draft = make_item(status=ItemStatus.DRAFT)
    db.session.commit()
    assert client.get(f"/guide/{draft.code}").status_code == 404
    assert client.get("/guide/NO-SUCH").status_code == 404


def test_guide_in_english(client, make_item):
    item = make_item()
    db.session.commit()
    client.get("/lang/en")
    html = client.get(f"/guide/{item.code}").get_data(as_text=True)
    assert "Required materials" in html
    assert "Under review" in html


def test_catalogue_rows_keep_their_labels_and_case_type_names(client, make_item):
    """The labels translated once per page still appear on every row, in the user's language."""
    make_item(name="甲事项")
    make_item(name="乙事项", case_type=CaseType.INSTANT, workflow_key="instant", statutory_limit_days=0,
              promised_limit_days=0)
    db.session.commit()
    html = client.get("/guide/").get_data(as_text=True)
    assert html.count('data-label="事项"') == 2
    assert "即办件" in html
    assert "承诺件" in html
    assert "即时办结" in html  # the instant item's promised limit
    english = client.get("/guide/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert english.count('data-label="Item"') == 2
    assert "Instant" in english
    assert "Committed" in english
