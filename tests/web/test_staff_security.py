"""Staff security (issue #8, 15-19): the sign-in lock per account and address, one hash check per attempt, a
new session and CSRF secret at sign-in and sign-out, production's refusal of per-process rate limits and its
HSTS header, and the administrator's masked view of applicants."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service_center import create_app
from service_center.extensions import db
from service_center.models import Role, SignInAddress, User, utcnow
from service_center.services import accounts
from service_center.services.accounts import LoginRefused, authenticate, change_password
from tests.conftest import PASSWORD, extract_csrf

OWNER, ATTACKER = "10.0.0.1", "198.51.100.9"


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, address: str = OWNER):
    env = {"REMOTE_ADDR": address}
    token = extract_csrf(client.get("/login", environ_base=env).get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=env)


def refused(username: str, password: str, address: str, **kwargs: object) -> bool:
    try:
        authenticate(username, password, address=address, **kwargs)
    except LoginRefused:
        db.session.commit()
        return True
    db.session.commit()
    return False


def rows(user: User) -> dict[str, SignInAddress]:
    db.session.expire_all()
    return {r.address: r for r in db.session.scalars(sa.select(SignInAddress).where(SignInAddress.user_id == user.id))}


# -- 15. the lock holds per account and address -------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLERK])
def test_guessing_from_one_address_does_not_keep_the_owner_out_at_theirs(app, client, make_user, role):
    user = make_user(role)
    db.session.commit()
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 3):
        assert sign_in(client, user.username, "wrong-password", ATTACKER).status_code == 401
    assert sign_in(client, user.username, PASSWORD, ATTACKER).status_code == 401  # locked there, even the right one
    seen = rows(user)
    assert seen[ATTACKER].locked_until > utcnow()
    assert seen[ATTACKER].failed_logins == app.config["LOGIN_FREE_ATTEMPTS"]  # locked attempts are not counted
    owner = client.application.test_client()
    assert sign_in(owner, user.username, PASSWORD, OWNER).status_code == 302  # the owner, at their own address
    assert owner.get("/cases").status_code == 200
    assert rows(user)[OWNER].last_signed_in_at is not None


def test_the_lock_from_an_address_doubles_and_guessing_there_stays_capped(app, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    free, now = app.config["LOGIN_FREE_ATTEMPTS"], utcnow()
    for _ in range(free):
        assert refused(user.username, "wrong-password", ATTACKER, now=now)
    assert rows(user)[ATTACKER].locked_until == now + timedelta(minutes=1)
    assert refused(user.username, PASSWORD, ATTACKER, now=now + timedelta(seconds=59))
    later = now + timedelta(minutes=1, seconds=1)  # the lock has run out: one more failure locks for 2 minutes
    assert refused(user.username, "wrong-password", ATTACKER, now=later)
    assert rows(user)[ATTACKER].failed_logins == free + 1
    assert rows(user)[ATTACKER].locked_until == later + timedelta(minutes=2)


def test_failures_from_many_addresses_lock_the_account_except_where_it_signed_in(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_FREE_ATTEMPTS", 6)
    user = make_user(Role.ADMIN)
    db.session.commit()
    assert not refused(user.username, PASSWORD, OWNER)  # the owner's own address becomes known
    for i in range(6):  # one guess each from six addresses: no address is locked, the account is
        assert refused(user.username, "wrong-password", f"203.0.113.{i}")
    db.session.expire_all()
    account = db.session.get(User, user.id)
    assert account.failed_logins == 6
    assert account.locked_until > utcnow()
    assert all(r.locked_until is None for r in rows(user).values())
    assert refused(user.username, PASSWORD, "203.0.113.99")  # a new address: the account lock holds
    assert not refused(user.username, PASSWORD, OWNER)  # the known address: the owner gets in


def test_an_address_no_longer_known_is_held_by_the_account_lock(app, make_user):
    user = make_user(Role.CLERK, failed_logins=60, last_failed_login_at=utcnow(),
                     locked_until=utcnow() + timedelta(minutes=30))
    long_ago = utcnow() - timedelta(days=app.config["LOGIN_KNOWN_ADDRESS_DAYS"] + 1)
    db.session.add(SignInAddress(user_id=user.id, address=OWNER, failed_logins=0, last_signed_in_at=long_ago))
    db.session.commit()
    assert refused(user.username, PASSWORD, OWNER)


def test_old_failures_at_an_address_are_forgotten(app, make_user):
    user = make_user(Role.CLERK)
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"], seconds=1)
    db.session.add(SignInAddress(user_id=user.id, address=ATTACKER, failed_logins=4,
                                 last_failed_login_at=utcnow() - window))
    db.session.commit()
    assert refused(user.username, "wrong-password", ATTACKER)
    assert rows(user)[ATTACKER].failed_logins == 1  # not 5: no lock
    assert rows(user)[ATTACKER].locked_until is None


def test_rows_that_hold_nothing_any_more_are_dropped(app, make_user):
    user = make_user(Role.CLERK)
    stale = utcnow() - timedelta(days=1)
    db.session.add_all([
        SignInAddress(user_id=user.id, address="192.0.2.1", failed_logins=3, last_failed_login_at=stale),
        SignInAddress(user_id=user.id, address="192.0.2.2", failed_logins=9, last_failed_login_at=stale,
                      locked_until=utcnow() + timedelta(minutes=30)),
        SignInAddress(user_id=user.id, address="192.0.2.3", failed_logins=0, last_signed_in_at=stale),
    ])
    db.session.commit()
    assert not refused(user.username, PASSWORD, OWNER)
    assert sorted(rows(user)) == ["10.0.0.1", "192.0.2.2", "192.0.2.3"]  # the lock in force and the known kept


def test_a_new_password_lifts_every_lock(app, make_user):
    user = make_user(Role.CLERK, failed_logins=60, locked_until=utcnow() + timedelta(minutes=30))
    db.session.add(SignInAddress(user_id=user.id, address=ATTACKER, failed_logins=9, last_failed_login_at=utcnow(),
                                 locked_until=utcnow() + timedelta(minutes=30)))
    db.session.commit()
    change_password(db.session.get(User, user.id), "a-new-password")
    db.session.commit()
    assert (rows(user)[ATTACKER].failed_logins, rows(user)[ATTACKER].locked_until) == (0, None)
    assert not refused(user.username, "a-new-password", ATTACKER)


# -- 16. every attempt does the same work ---------------------------------------------------------------------------

@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The password hash checks made by sign-in; creating a hash during sign-in fails the test."""
    checked: list[str] = []
    real = accounts.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    def no_hashing(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("sign-in must check a hash, not create one")

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    monkeypatch.setattr(accounts, "generate_password_hash", no_hashing)
    return checked


def _unknown(make_user) -> tuple[str, str]:
    return "nobody-here", PASSWORD


def _inactive(make_user) -> tuple[str, str]:
    return make_user(Role.CLERK, active=False).username, PASSWORD


def _wrong_password(make_user) -> tuple[str, str]:
    return make_user(Role.CLERK).username, "wrong-password"


def _locked_at_address(make_user) -> tuple[str, str]:
    user = make_user(Role.CLERK)
    db.session.add(SignInAddress(user_id=user.id, address=ATTACKER, failed_logins=5, last_failed_login_at=utcnow(),
                                 locked_until=utcnow() + timedelta(minutes=5)))
    return user.username, PASSWORD


def _account_locked(make_user) -> tuple[str, str]:
    user = make_user(Role.ADMIN, failed_logins=60, last_failed_login_at=utcnow(),
                     locked_until=utcnow() + timedelta(minutes=30))
    return user.username, PASSWORD


@pytest.mark.parametrize("case", [_unknown, _inactive, _wrong_password, _locked_at_address, _account_locked])
def test_every_refusal_checks_one_hash(app, make_user, hash_checks, case):
    username, password = case(make_user)
    db.session.commit()
    assert refused(username, password, ATTACKER)
    assert len(hash_checks) == 1


def test_a_success_checks_one_hash_against_the_users_own(app, make_user, hash_checks):
    user = make_user(Role.CLERK)
    db.session.commit()
    assert not refused(user.username, PASSWORD, OWNER)
    assert hash_checks == [user.password_hash]


def test_unknown_names_are_checked_against_a_real_scrypt_hash(app, hash_checks):
    assert refused("nobody-here", PASSWORD, ATTACKER)
    assert hash_checks[0].startswith("scrypt:")  # the same cost as a real account's check


# -- 17. a new session and CSRF secret at sign-in and sign-out -------------------------------------------------------

def test_a_csrf_token_from_before_sign_in_does_not_work_after_it(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    planted = extract_csrf(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": planted})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
    assert client.post("/logout", data={"csrf_token": planted}).status_code == 400  # the old token is dead
    assert client.get("/cases").status_code == 200  # still signed in
    fresh = extract_csrf(client.get("/").get_data(as_text=True))
    assert fresh != planted
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302
    assert client.get("/cases").status_code == 302


def test_a_csrf_token_from_the_signed_in_session_does_not_work_after_sign_out(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    assert sign_in(client, user.username).status_code == 302
    signed_in = extract_csrf(client.get("/").get_data(as_text=True))
    with client.session_transaction() as session:
        session["left_over"] = "x"
    assert client.post("/logout", data={"csrf_token": signed_in}).status_code == 302
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert "_user_id" not in session
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": signed_in})
    assert response.status_code == 400  # refused by the CSRF check, not signed in again
    assert client.get("/cases").status_code == 302


def test_the_chosen_language_survives_sign_in(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    client.get("/lang/en")
    assert sign_in(client, user.username).status_code == 302
    with client.session_transaction() as session:
        assert session["lang"] == "en"


# -- 18. production: no per-process rate limits unless accepted, HSTS -----------------------------------------------

PRODUCTION = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def test_production_refuses_a_per_process_rate_limit_store():
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI=memory://"):
        create_app("production", **PRODUCTION, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_ALLOW_PER_PROCESS=False)


@pytest.mark.parametrize("settings", [
    {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"},
    {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ALLOW_PER_PROCESS": True},
    {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False},
])
def test_production_starts_with_a_shared_store_or_when_told_one_process_counts(settings):
    assert isinstance(create_app("production", **PRODUCTION, **settings), Flask)


def test_production_sends_hsts_and_development_does_not(client):
    production = create_app("production", **PRODUCTION, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379")
    response = production.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


# -- 19. the administrator sees applicants' ID numbers and phones masked ---------------------------------------------

@pytest.mark.parametrize(("who", "id_number", "phone"), [
    ("admin", "330***********1234", "138****0000"),
    ("manager", "330102199001011234", "13800000000"),
    ("clerk", "330102199001011234", "13800000000"),
    ("reviewer", "330102199001011234", "13800000000"),
])
def test_only_the_administrator_sees_applicants_masked(client, hall, make_user, who, id_number, phone):
    case = hall.receive()
    user = make_user(Role.ADMIN) if who == "admin" else getattr(hall, who)
    db.session.commit()
    assert sign_in(client, user.username).status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'id="applicant-id-number">{id_number}<' in html
    assert f'id="applicant-phone">{phone}<' in html
    if who == "admin":
        assert "330102199001011234" not in html
        assert "13800000000" not in html
        assert "张三" in html  # the name stays: the administrator can still find a case asked about


def test_masking_follows_the_role_not_the_page():
    from service_center.masking import shown_id_number, shown_phone

    admin, clerk = User(role=Role.ADMIN), User(role=Role.CLERK)
    assert shown_id_number("330102199001011234", admin) == "330***********1234"
    assert shown_phone("13800000000", admin) == "138****0000"
    assert shown_id_number("330102199001011234", clerk) == "330102199001011234"
    assert shown_id_number(None, admin) == shown_phone("", clerk) == ""
