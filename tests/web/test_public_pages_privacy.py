"""No public page shows an applicant's name, identity number or phone in full.

The hall and its cases are made as the demo makes them (service_center/demo: the catalogue, the staff, a few
weeks of cases through the services, persons and companies), plus a complaint filed on the public form with its
contact details and ratings given on the public pages. Then every public page is read as an anonymous visitor:
the front door, the guide's index pages and the guides of the items with cases, the tracking result of a case in
every state, the published results (every page), /rate (also prefilled from a slip's link) and /complain. A
person's name appears only masked (张*); a company's name may appear (published results show it); identity
numbers and phones never. The window evaluator needs a signed-in tablet, so it is not a public page.
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from service_center.demo.cases import seed_demo_cases
from service_center.demo.seed import seed_demo
from service_center.extensions import db
from service_center.models import ApplicantKind, Case, Department, Item, User
from service_center.services.clock import local_now
from tests.conftest import extract_csrf

COMPLAINANT, COMPLAINANT_PHONE = "林晓燕", "13912345678"


def _secrets() -> set[str]:
    """Every person's name, identity number and phone held on a case, less what the public pages rightly show
    for other reasons (a staff member's or a department's name, a department's phone)."""
    rows = db.session.execute(sa.select(Case.applicant_kind, Case.applicant_name, Case.applicant_id_number,
                                        Case.applicant_phone)).all()
    secrets = set()
    for kind, name, id_number, phone in rows:
        if kind == ApplicantKind.PERSON and len(name or "") >= 2:
            secrets.add(name)
        secrets.update(value for value in (id_number, phone) if value and len(value) >= 7)
    shown_anyway = set(db.session.scalars(sa.select(User.display_name)))
    shown_anyway |= set(db.session.scalars(sa.select(Department.name)))
    shown_anyway |= set(db.session.scalars(sa.select(Department.contact_phone)))
    return secrets - shown_anyway


def _pages(client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    """``path`` and, when it is paginated, every further page."""
    first = client.get(path)
    assert first.status_code == 200, path
    html = first.get_data(as_text=True)
    found = re.search(r"共 ?(\d+) ?页|of (\d+) \(", html)
    pages = [html]
    last = int(next(g for g in found.groups() if g)) if found else 1
    joiner = "&" if "?" in path else "?"
    for number in range(2, last + 1):
        response = client.get(f"{path}{joiner}page={number}")
        assert response.status_code == 200, (path, number)
        pages.append(response.get_data(as_text=True))
    return pages


def _track(client, token: str, case: Case) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/track", data={"csrf_token": token, "number": case.number,
                                           "query_code": case.query_code})
    assert response.status_code == 200, case.number
    html = response.get_data(as_text=True)
    assert case.number in html
    return html


def test_no_public_page_shows_personal_data(app):
    seed_demo(echo=lambda _: None)
    created = seed_demo_cases(now=local_now() - timedelta(minutes=5), days=15, per_day=(5, 8), echo=lambda _: None)
    db.session.commit()
    assert created > 40
    client = app.test_client()

    # A complaint from the public form, with its contact details.
    token = extract_csrf(client.get("/complain").get_data(as_text=True))
    filed = client.post("/complain", data={"csrf_token": token, "content": "窗口人员态度冷淡", "name": COMPLAINANT,
                                           "phone": COMPLAINANT_PHONE}, follow_redirects=True)
    assert filed.status_code == 200
    secrets = _secrets()
    assert {COMPLAINANT, COMPLAINANT_PHONE} <= secrets
    assert sum(1 for s in secrets if re.fullmatch(r"\d{17}[\dX]", s)) > 20  # identity numbers of the demo

    pages: dict[str, str] = {"/": client.get("/").get_data(as_text=True)}
    for number, html in enumerate(_pages(client, "/guide/"), start=1):
        pages[f"/guide/?page={number}"] = html
    codes = db.session.scalars(sa.select(Item.code).join(Case, Case.item_id == Item.id).distinct()
                               .order_by(Item.code).limit(25)).all()
    for code in codes:
        pages[f"/guide/{code}"] = client.get(f"/guide/{code}").get_data(as_text=True)
    results = _pages(client, "/results")
    assert any("<td" in html and "准予许可" in html for html in results)  # the demo's decisions are listed
    for number, html in enumerate(results, start=1):
        pages[f"/results?page={number}"] = html
    pages["/rate"] = client.get("/rate").get_data(as_text=True)
    pages["/complain"] = client.get("/complain").get_data(as_text=True)

    # The tracking result of one case in each state (and kind: the complaint too), and /rate from its link.
    token = extract_csrf(client.get("/track").get_data(as_text=True))
    one_per_state = db.session.scalars(
        sa.select(Case).where(Case.id.in_(sa.select(sa.func.min(Case.id)).group_by(Case.workflow_key, Case.state)))
    ).all()
    assert len(one_per_state) > 8
    for case in one_per_state:
        pages[f"/track {case.number} ({case.state})"] = _track(client, token, case)
        pages[f"/rate?number={case.number}"] = client.get(f"/rate?number={case.number}").get_data(as_text=True)

    leaks = {path: sorted(s for s in secrets if s in html) for path, html in pages.items()}
    assert {path: found for path, found in leaks.items() if found} == {}
    # The pages do name the applicants, masked: a person's first character and stars.
    assert any(re.search(r"id=\"track-applicant\">.\*{1,2}<", html) for html in pages.values())
