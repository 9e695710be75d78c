"""Per-address limits on failed sign-ins and failed case lookups (service_center/throttle.py).

The session-wide test app has the limiter switched off (every test comes from 127.0.0.1); each test here
builds an application of its own on the same database with the limiter on and small limits.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service_center import create_app
from service_center.extensions import db
from service_center.models import Role, User
from tests.conftest import PASSWORD, extract_csrf

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def limited_app(database_url: str, app: Flask) -> Iterator[Callable[..., Flask]]:
    """Factory: an app on the test database with the limiter on (3 failures a minute unless told otherwise)."""
    built: list[Flask] = []

    def build(**config: object) -> Flask:
        settings = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
                    "TRACK_RATE_LIMIT": "3 per minute", **config}
        limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **settings)
        built.append(limited)
        return limited

    yield build
    for limited in built:
        with limited.app_context():
            db.engine.dispose()


def sign_in(client: FlaskClient, username: str, password: str, **kwargs: object):
    token = extract_csrf(client.get("/login", **kwargs).get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs)


def track(client: FlaskClient, number: str, code: str, **kwargs: object):
    token = extract_csrf(client.get("/track", **kwargs).get_data(as_text=True))
    return client.post("/track", data={"csrf_token": token, "number": number, "query_code": code}, **kwargs)


def failed_logins(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.failed_logins).where(User.id == user_id))


def test_failed_sign_ins_from_one_address_are_stopped_before_the_password_is_checked(limited_app, make_user):
    users = [make_user(Role.CLERK) for _ in range(4)]
    db.session.commit()
    client = limited_app().test_client()
    for user in users[:3]:  # three different accounts: the account lock never triggers
        assert sign_in(client, user.username, "wrong-password").status_code == 401
    response = sign_in(client, users[3].username, PASSWORD)  # even the right password
    assert response.status_code == 429
    assert "失败次数过多" in response.get_data(as_text=True)
    assert failed_logins(users[3].id) == 0  # refused at the door: the account was not even looked at
    assert client.get("/cases").status_code == 302  # still anonymous


def test_successful_sign_ins_do_not_count(limited_app, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    limited = limited_app()
    for _ in range(5):
        client = limited.test_client()
        assert sign_in(client, user.username, PASSWORD).status_code == 302
    assert sign_in(limited.test_client(), user.username, "wrong-password").status_code == 401


def test_addresses_are_counted_apart(limited_app, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    client = limited_app().test_client()
    here, there = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}}, {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}}
    for _ in range(3):
        sign_in(client, "nobody", "wrong-password", **here)
    assert sign_in(client, "nobody", "wrong-password", **here).status_code == 429
    assert sign_in(client, user.username, PASSWORD, **there).status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(limited_app, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    client = limited_app(PROXY_FIX_X_FOR=1).test_client()
    first = {"headers": {"X-Forwarded-For": "203.0.113.7"}}
    second = {"headers": {"X-Forwarded-For": "203.0.113.8"}}
    for _ in range(3):
        sign_in(client, "nobody", "wrong-password", **first)
    assert sign_in(client, user.username, PASSWORD, **first).status_code == 429
    assert sign_in(client, user.username, PASSWORD, **second).status_code == 302  # same proxy, another client


# Tracking (LookupThrottle): until this design a correct lookup was refused once its address had failed too often,
# so one person could block a hall's kiosk or a shared network; now only failures are refused per address, and a
# case number is locked, from every address, after too many failed lookups of it.

HERE, THERE = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}}, {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}}


def test_failed_lookups_from_one_address_are_limited_but_a_correct_one_is_answered(limited_app, hall):
    case = hall.receive()
    db.session.commit()
    client = limited_app().test_client()
    for i in range(3):  # three different numbers: no case number is locked
        assert track(client, f"SC20990101-0000{i}", "WRONGCODE", **HERE).status_code == 404
    refused = track(client, "SC20990101-00009", "WRONGCODE", **HERE)
    assert refused.status_code == 429
    assert "失败次数过多" in refused.get_data(as_text=True)
    assert track(client, case.number, "WRONGCODE", **HERE).status_code == 429  # a wrong code like a wrong number
    assert track(client, case.number, case.query_code, **HERE).status_code == 200  # the kiosk's next user
    assert track(client, "SC20990101-00009", "WRONGCODE", **THERE).status_code == 404  # counted apart


def test_failed_lookups_of_one_case_lock_it_from_every_address(limited_app, hall):
    case, other = hall.receive(), hall.receive(name="李四")
    db.session.commit()
    client = limited_app(TRACK_RATE_LIMIT="100 per minute", TRACK_CASE_RATE_LIMIT="3 per minute").test_client()
    for i in range(3):
        assert track(client, case.number, "WRONGCODE", environ_base={"REMOTE_ADDR": f"10.0.1.{i}"}).status_code == 404
    assert track(client, case.number, "WRONGCODE", **THERE).status_code == 429
    response = track(client, case.number, case.query_code, **THERE)  # even the right code waits now
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert case.query_code not in html
    assert "张三" not in html
    assert track(client, other.number, other.query_code, **THERE).status_code == 200  # other cases are unaffected
    unknown = [track(client, "SC20990101-00001", "WRONGCODE", **HERE).status_code for _ in range(4)]
    assert unknown == [404, 404, 404, 429]  # an unknown number is counted like a known one


def test_parallel_lookups_of_one_case_are_capped_before_they_are_answered(limited_app, hall):
    """Every lookup of a number counts against TRACK_CASE_BURST_LIMIT before the view looks it up."""
    case = hall.receive()
    db.session.commit()
    client = limited_app(TRACK_RATE_LIMIT="100 per minute", TRACK_CASE_RATE_LIMIT="100 per minute",
                         TRACK_CASE_BURST_LIMIT="4 per minute").test_client()
    codes = [track(client, case.number, "WRONGCODE", environ_base={"REMOTE_ADDR": f"10.0.2.{i}"}).status_code
             for i in range(4)]
    assert codes == [404] * 4
    assert track(client, case.number, case.query_code, **THERE).status_code == 429


def test_a_kiosk_with_hundreds_of_honest_lookups_is_never_blocked(limited_app, hall):
    """One address (a hall kiosk), the default limits, 240 lookups of 40 cases with a mistyped code now and then."""
    cases = [hall.receive(name=f"申请人{i}") for i in range(40)]
    db.session.commit()
    pairs = [(c.number, c.query_code) for c in cases]
    client = limited_app(TRACK_RATE_LIMIT=app_default("TRACK_RATE_LIMIT")).test_client()
    token = extract_csrf(client.get("/track", **HERE).get_data(as_text=True))
    answers = []
    for round_ in range(6):
        for i, (number, code) in enumerate(pairs):
            if i == round_:  # one typo a round, retyped at once
                answers.append(client.post("/track", data={"csrf_token": token, "number": number,
                                                           "query_code": "WRONGCODE"}, **HERE).status_code)
            answers.append(client.post("/track", data={"csrf_token": token, "number": number, "query_code": code},
                                       **HERE).status_code)
    assert answers.count(200) == 240
    assert answers.count(404) == 6


def app_default(key: str) -> str:
    from config import Config

    return getattr(Config, key)


def test_limit_is_shared_by_workers_through_redis(limited_app, make_user):
    """Two gunicorn workers are two apps: with RATELIMIT_STORAGE_URI they share one count."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}; the README's test setup needs it")
    user = make_user(Role.CLERK)
    db.session.commit()
    shared = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    first, second = limited_app(**shared).test_client(), limited_app(**shared).test_client()
    for client in (first, second, first):
        assert sign_in(client, "nobody", "wrong-password").status_code == 401
    assert sign_in(second, user.username, PASSWORD).status_code == 429


def test_parallel_guesses_cannot_all_slip_through_before_their_failures_are_counted(limited_app, make_user):
    """Failures are counted after the view; every POST is also counted before it (DOOR_BURST_LIMIT)."""
    db.session.commit()
    limited = limited_app(DOOR_BURST_LIMIT="5 per minute", LOGIN_RATE_LIMIT="3 per minute")
    clients = [limited.test_client() for _ in range(12)]
    tokens = [extract_csrf(c.get("/login").get_data(as_text=True)) for c in clients]
    barrier = threading.Barrier(len(clients))

    def guess(i: int) -> int:
        barrier.wait(timeout=30)
        return clients[i].post("/login", data={"username": f"nobody{i}", "password": "wrong-password",
                                               "csrf_token": tokens[i]}).status_code

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        codes = list(pool.map(guess, range(len(clients))))
    assert codes.count(401) <= 5  # the rest were stopped before the password was looked at
    assert codes.count(429) >= len(clients) - 5


def test_every_sign_in_counts_against_the_burst_limit(limited_app, make_user):
    user = make_user(Role.CLERK)
    db.session.commit()
    limited = limited_app(DOOR_BURST_LIMIT="4 per minute", LOGIN_RATE_LIMIT="10 per minute")
    assert [sign_in(limited.test_client(), user.username, PASSWORD).status_code for _ in range(5)] == [
        302, 302, 302, 302, 429]


def test_a_burst_limit_equal_to_the_failure_limit_keeps_its_own_count(limited_app):
    db.session.commit()
    client = limited_app(DOOR_BURST_LIMIT="6 per minute", LOGIN_RATE_LIMIT="6 per minute").test_client()
    assert [sign_in(client, f"nobody{i}", "wrong-password").status_code for i in range(4)] == [401] * 4


def test_the_in_memory_limiter_starts_no_thread_per_hit(limited_app):
    """memory:// is served by SweptMemoryStorage: expired keys are swept inline, not by a timer thread per POST."""
    from service_center.throttle import SweptMemoryStorage

    limited = limited_app()
    storage = limited.extensions["service_center.limiter"].storage
    assert isinstance(storage, SweptMemoryStorage)
    storage.timer.join()  # the one timer its constructor starts
    client = limited.test_client()
    track(client, "SC-NONE", "WRONG")
    assert storage.get(next(iter(storage.storage))) >= 1  # it counted
    assert not storage.timer.is_alive()  # and started no thread to sweep
