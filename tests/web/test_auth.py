"""Sign-in, sign-out, remember-me and lockout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Role, SignInAddress, User, utcnow
from service_center.services.accounts import LockPolicy
from tests.conftest import PASSWORD, extract_csrf, login


def test_login_page_renders_in_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html


def test_login_page_renders_in_english_on_request(client):
    client.get("/lang/en")
    html = client.get("/login").get_data(as_text=True)
    assert "Staff sign-in" in html


def test_login_success_lands_on_role_page(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    response = login(client, user.username)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert user.display_name in page
    assert user.windows[0].number in page


def test_wrong_password_is_refused_and_counted(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    response = login(client, user.username, "wrong-password")
    assert response.status_code == 401
    assert client.get("/cases").status_code == 302  # still anonymous
    assert db.session.scalar(sa.select(User.failed_logins).where(User.id == user.id)) == 1


def test_unknown_user_wrong_password_and_locked_account_get_the_same_answer(app, client, make_user):
    user = make_user(Role.CLERK)
    locked = make_user(Role.CLERK, failed_logins=5, locked_until=utcnow() + timedelta(minutes=5))
    db.session.commit()
    answers = set()
    for username, password in (("nobody", "whatever-pass"), (user.username, "wrong-password"),
                               (locked.username, PASSWORD)):
        response = login(client, username, password)
        assert response.status_code == 401
        answers.add(re.search(r'class="error" role="alert">([^<]+)<', response.get_data(as_text=True)).group(1))
    assert len(answers) == 1


def test_old_failures_are_forgotten(app, client, make_user):
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"], seconds=1)
    user = make_user(Role.CLERK, failed_logins=4, last_failed_login_at=utcnow() - window)
    db.session.commit()
    login(client, user.username, "wrong-password")
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1  # not 5: no lock
    assert db.session.get(User, user.id).locked_until is None


def test_parallel_guesses_cannot_outrun_the_lock(app, make_user):
    """Concurrent wrong passwords: the row lock makes them take turns, so counting stops at the lock."""
    import threading

    from service_center.services.accounts import LoginRefused, authenticate

    user = make_user(Role.CLERK)
    db.session.commit()
    username = user.username
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def guess() -> None:
        with app.app_context():
            barrier.wait()
            try:
                authenticate(username, "wrong-password")
            except LoginRefused:
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()  # end this thread's read snapshot
    assert db.session.get(User, user.id).failed_logins == app.config["LOGIN_FREE_ATTEMPTS"]


def test_lockout_after_repeated_failures_refuses_even_the_right_password(app, client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
        login(client, user.username, "wrong-password")
    db.session.expire_all()
    seen = db.session.scalar(sa.select(SignInAddress).where(SignInAddress.user_id == user.id))
    assert seen.address == "127.0.0.1"  # the lock is this account's at this address
    assert seen.locked_until is not None
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 401
    assert client.get("/cases").status_code == 302


def test_lock_expires(app, client, make_user):
    user = make_user(Role.CLERK)
    db.session.add(SignInAddress(user_id=user.id, address="127.0.0.1", failed_logins=7,
                                 last_failed_login_at=utcnow() - timedelta(minutes=2),
                                 locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert login(client, user.username).status_code == 302
    db.session.expire_all()
    seen = db.session.scalar(sa.select(SignInAddress).where(SignInAddress.user_id == user.id))
    assert (seen.failed_logins, seen.locked_until) == (0, None)
    assert seen.last_signed_in_at is not None


@pytest.mark.parametrize(
    ("failures", "minutes"), [(0, 0), (4, 0), (5, 1), (6, 2), (8, 8), (20, 60)]
)
def test_lock_delay_grows(failures, minutes):
    assert LockPolicy(free_attempts=5, max_lock_minutes=60).lock_minutes(failures) == minutes


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user(Role.CLERK, active=False)
    db.session.commit()
    assert login(client, user.username).status_code == 401


def test_login_without_csrf_token_is_rejected(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/cases").status_code == 302


def test_remember_cookie_is_httponly_lax_and_bounded(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    response = login(client, user.username, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    remember = client.get_cookie("remember_token")
    assert remember.expires is not None
    assert remember.expires - utcnow() <= timedelta(days=14, minutes=1)


def test_remembered_session_survives_a_new_browser_session(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    login(client, user.username, remember=True)
    client.delete_cookie("session")
    assert client.get("/cases").status_code == 200


def test_logout_ends_the_remembered_session(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    login(client, user.username, remember=True)
    remember = client.get_cookie("remember_token").value
    token = extract_csrf(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    # Replaying the old remember cookie in a fresh browser does not sign in again.
    client.delete_cookie("session")
    client.set_cookie("remember_token", remember)
    assert client.get("/cases").status_code == 302


def test_logout_needs_post(client, login_as):
    login_as(Role.CLERK)
    assert client.get("/logout").status_code == 405


def test_open_redirect_is_not_followed(client, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    page = client.get("/login?next=https://evil.example/")
    token = extract_csrf(page.get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    from service_center import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=None, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_cli_creates_a_clerk_for_a_window(app, make_window):
    window = make_window(number="A09")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--username", "clerk9", "--role", "clerk", "--window", "A09",
              "--password", "long-enough-pw"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "clerk9"))
    assert [w.number for w in user.windows] == ["A09"]
    assert user.department_id == window.department_id
    assert user.check_password("long-enough-pw")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "clerk"], "窗口"),  # messages follow the default language, zh_CN
        (["--role", "clerk", "--window", "Z99"], "Z99"),
        (["--role", "reviewer", "--department", "NOPE"], "NOPE"),
        (["--role", "admin", "--password", "short"], "8"),
    ],
)
def test_cli_refuses_bad_accounts(app, args, message):
    full = ["users", "create", "--username", "bad"] + args
    if "--password" not in args:
        full += ["--password", "long-enough-pw"]
    result = app.test_cli_runner().invoke(args=full)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(User).where(User.username == "bad")) is None
