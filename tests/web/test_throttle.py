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
    assert client.get("/").status_code == 302  # still anonymous


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


def test_failed_lookups_are_limited_and_found_cases_are_not(limited_app, hall):
    case = hall.receive()
    db.session.commit()
    limited = limited_app()
    client = limited.test_client()
    for _ in range(5):
        assert track(client, case.number, case.query_code).status_code == 200
    for _ in range(3):
        assert track(client, case.number, "WRONGCODE").status_code == 404
    response = track(client, case.number, case.query_code)
    assert response.status_code == 429
    assert case.query_code not in response.get_data(as_text=True)


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
