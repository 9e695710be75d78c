"""The demo hall seed (``flask demo``): counts, catalogue shape, accounts, idempotency, the CLI."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from service_center.demo.hall_data import COMPREHENSIVE_WINDOW, DEPARTMENTS, WINDOWS
from service_center.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, expand_catalogue, seed_demo
from service_center.extensions import db
from service_center.models import (
    AcceptancePeriod,
    CaseType,
    Department,
    Item,
    ItemCategory,
    ItemMaterial,
    ItemStatus,
    Role,
    User,
    Window,
    item_departments,
    item_windows,
    user_windows,
)
from service_center.services.accounts import authenticate

TODAY = date(2026, 5, 20)


def quiet(_: str) -> None:
    pass


def seed(today: date = TODAY) -> Counter[str]:
    return seed_demo(echo=quiet, today=today)


def row_counts() -> dict[str, int]:
    tables = {
        "departments": Department,
        "windows": Window,
        "items": Item,
        "materials": ItemMaterial,
        "periods": AcceptancePeriod,
        "users": User,
        "item_windows": item_windows,
        "item_departments": item_departments,
        "user_windows": user_windows,
    }
    return {name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for name, t in tables.items()}


def all_items() -> list[Item]:
    query = sa.select(Item).options(
        selectinload(Item.materials),
        selectinload(Item.windows),
        selectinload(Item.participating_departments),
        selectinload(Item.acceptance_periods),
    )
    return list(db.session.scalars(query))


# --- pure: the generated catalogue ------------------------------------------------------------------------------


def test_catalogue_is_deterministic_with_unique_codes():
    first, second = expand_catalogue(), expand_catalogue()
    assert first == second
    assert len({i.code for i in first}) == len(first)
    assert all(len(i.code) <= 40 and len(i.name) <= 200 for i in first)


def test_catalogue_case_type_mix_is_realistic():
    items = expand_catalogue()
    share = {t: sum(i.case_type == t for i in items) / len(items) for t in CaseType}
    assert 0.25 <= share[CaseType.INSTANT] <= 0.35
    assert 0.50 <= share[CaseType.COMMITTED] <= 0.62
    assert 0.07 <= share[CaseType.JOINT] <= 0.13
    assert 0.03 <= share[CaseType.FORWARDED] <= 0.08


def test_hall_layout_gives_every_department_an_open_window():
    open_by_department = Counter(w.department for w in WINDOWS if w.is_open)
    assert {d.code for d in DEPARTMENTS} <= set(open_by_department)
    assert any(not w.is_open for w in WINDOWS)
    assert set(COMPREHENSIVE_WINDOW.values()) <= {w.number for w in WINDOWS if w.is_open}


def test_demo_accounts_cover_every_role():
    assert {a.role for a in DEMO_ACCOUNTS} == set(Role)
    assert len({a.username for a in DEMO_ACCOUNTS}) == len(DEMO_ACCOUNTS)
    clerks = [a for a in DEMO_ACCOUNTS if a.role == Role.CLERK]
    assert len(clerks) >= 5
    assert all(1 <= len(a.windows) <= 2 for a in clerks)


# --- seeded into the database (SQLite and PostgreSQL) -----------------------------------------------------------


def test_seed_creates_a_realistic_hall(app):
    created = seed()
    counts = row_counts()
    assert counts["departments"] >= 18
    assert counts["windows"] >= 30
    assert counts["items"] >= 200
    assert created["departments"] == counts["departments"]
    assert created["items"] == counts["items"]

    departments = list(db.session.scalars(sa.select(Department).options(selectinload(Department.windows))))
    assert all(d.windows and d.contact_phone and d.head_name for d in departments)
    assert any(len(d.windows) >= 3 for d in departments)
    assert db.session.scalar(sa.select(sa.func.count()).where(Window.name.like("综合受理窗口%"))) >= 4
    assert db.session.scalar(sa.select(sa.func.count()).where(Window.is_open.is_(False))) >= 1


def test_seeded_items_are_complete_and_consistent(app):
    seed()
    items = all_items()
    assert {i.case_type for i in items} == set(CaseType)
    assert {i.category for i in items} == set(ItemCategory)
    for item in items:
        assert item.status == ItemStatus.PUBLISHED
        assert item.version == 1
        assert item.published_at is not None
        assert 0 <= item.promised_limit_days <= item.statutory_limit_days, item.code
        assert item.windows, item.code
        assert len(item.materials) >= 2, item.code
        assert any(m.is_key for m in item.materials), item.code
        assert [m.position for m in item.materials] == list(range(1, len(item.materials) + 1))
        assert item.fees
        assert item.legal_basis.startswith("《")
        assert item.conditions
        if item.case_type == CaseType.INSTANT:
            assert item.promised_limit_days == 0, item.code
        if item.case_type == CaseType.JOINT:
            assert item.lead_department_id == item.department_id
            assert item.lead_department in item.participating_departments
            assert 2 <= len(item.participating_departments) <= 4
            assert item.join_rule is not None
            assert item.workflow_key == "joint"
        else:
            assert not item.participating_departments
            assert item.lead_department_id is None


def test_seeded_items_are_accepted_at_their_departments_windows(app):
    seed()
    for item in all_items():
        own = [w for w in item.windows if w.department_id == item.department_id]
        others = [w for w in item.windows if w.department_id != item.department_id]
        assert own, item.code
        assert all(w.name.startswith("综合受理窗口") for w in others), item.code
        assert all(w.is_open for w in item.windows), item.code


def test_disclosure_items_and_acceptance_periods(app):
    seed(today=TODAY)
    items = all_items()
    disclosure = [i for i in items if i.workflow_key == "disclosure"]
    assert len(disclosure) >= 3
    assert all(i.name == "政府信息公开申请" and i.statutory_limit_days == 20 for i in disclosure)

    seasonal = [i for i in items if i.acceptance_periods]
    assert len(seasonal) >= 2
    for item in seasonal:
        assert [(p.opens_on, p.closes_on) for p in item.acceptance_periods] == [
            (date(2026, 3, 1), date(2026, 3, 31)),
            (date(2026, 9, 1), date(2026, 9, 30)),
        ]
        assert item.accepts_on(date(2026, 3, 15))
        assert item.accepts_on(date(2026, 9, 30))
        assert not item.accepts_on(TODAY)
        assert item.next_acceptance_period(TODAY).opens_on == date(2026, 9, 1)


def test_every_role_has_a_demo_user_who_can_sign_in(app):
    seed()
    users = {u.username: u for u in db.session.scalars(sa.select(User).options(selectinload(User.windows)))}
    assert {u.role for u in users.values()} == set(Role)
    for account in DEMO_ACCOUNTS:
        user = users[account.username]
        assert user.role == account.role
        assert user.active
        assert [w.number for w in user.windows] == sorted(account.windows)
        if account.role in (Role.CLERK, Role.REVIEWER, Role.DEPT_HEAD):
            assert user.department is not None
    # The demo password is hashed once and shared (scrypt is slow); each account keeps its own session token.
    assert len({u.password_hash for u in users.values()}) == 1
    assert len({u.session_token for u in users.values()}) == len(users)
    for role in Role:
        user = next(u for u in users.values() if u.role == role)
        assert user.check_password(DEMO_PASSWORD), role
    assert not users["admin"].check_password("wrong-password")
    assert authenticate("clerk01", DEMO_PASSWORD).username == "clerk01"


def test_seeding_twice_creates_nothing(app):
    seed()
    before = row_counts()
    created = seed()
    assert created.total() == 0
    assert not db.session().in_transaction()  # committed, and nothing left open (SQLite's write lock)
    assert row_counts() == before


def test_seed_keeps_existing_records(app, make_user):
    """A hall that already has some of the demo's keys keeps them; the rest is filled in."""
    department = Department(code="SCJG", name="市场监管局（已有）", contact_phone="1", head_name="张三")
    db.session.add(department)
    db.session.add(Window(number="A03", name="已有窗口", department=department))
    admin = make_user(Role.ADMIN, username="admin")
    db.session.commit()
    old_hash = admin.password_hash

    created = seed()
    assert created["departments"] == len(DEPARTMENTS) - 1
    assert created["windows"] == len(WINDOWS) - 1
    assert created["users"] == len(DEMO_ACCOUNTS) - 1
    assert db.session.scalar(sa.select(Department.name).where(Department.code == "SCJG")) == "市场监管局（已有）"
    assert db.session.get(User, admin.id).password_hash == old_hash
    clerk02 = db.session.scalar(sa.select(User).where(User.username == "clerk02"))
    assert [w.number for w in clerk02.windows] == ["A03", "A04"]


def test_seed_leaves_other_versions_of_demo_items_alone(app, make_item):
    code = expand_catalogue()[0].code
    make_item(code=code, version=2, name="已修订的事项")
    db.session.commit()
    created = seed()
    assert created["items"] == len(expand_catalogue()) - 1
    assert db.session.scalars(sa.select(Item.version).where(Item.code == code)).all() == [2]


@pytest.mark.parametrize("runs", [1, 2])
def test_flask_demo_command(app, runs):
    runner = app.test_cli_runner()
    for _ in range(runs):
        result = runner.invoke(args=["demo", "--days", "3"])
        assert result.exit_code == 0, result.output
    assert "Demo accounts" in result.output
    assert DEMO_PASSWORD in result.output
    for account in DEMO_ACCOUNTS:
        assert account.username in result.output
    if runs == 2:
        assert "nothing added" in result.output
        assert "Historical cases already present" in result.output
    else:
        assert "Historical cases:" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == len(expand_catalogue())


def test_demo_refuses_production_without_force(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_ALLOWED", False)
    result = app.test_cli_runner().invoke(args=["demo", "--no-cases"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 0

