"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from TEST_POSTGRES_URL (default: the local server's ``test`` database). When it cannot be
reached its tests are skipped, unless REQUIRE_POSTGRES=1 (as in .ci/run), which turns that into an error.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import count

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from service_center import create_app
from service_center.database import reads_only
from service_center.extensions import db
from service_center.i18n import compile_catalogues
from service_center.models import (
    CaseType,
    Department,
    Item,
    ItemCategory,
    ItemMaterial,
    ItemStatus,
    JoinRule,
    Role,
    User,
    Window,
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
BACKENDS = ("sqlite", "postgresql")
PASSWORD = "correct-horse-9"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the translations so the zh_CN pages render in Chinese."""
    compile_catalogues()


def postgres_available(url: str = POSTGRES_URL) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The configured PostgreSQL URL, or a skip (an error under REQUIRE_POSTGRES=1) when it is unreachable."""
    if not postgres_available():
        if REQUIRE_POSTGRES:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is unreachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL unreachable (set REQUIRE_POSTGRES=1 to make this an error)")
    return POSTGRES_URL


def scratch_postgres_database(server_url: str, suffix: str) -> Iterator[str]:
    """Create a database of this test run's own next to the configured one and drop it afterwards.

    Test runs on one machine (several developers, CI) then never truncate each other's tables.
    """
    url = sa.make_url(server_url)
    name = f"{url.database}_{suffix}_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A PostgreSQL database for this test run only."""
    yield from scratch_postgres_database(postgres_server_url, "sc")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One URL per backend; tests depending on it run once on each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def _session_app(database_url: str) -> Iterator[Flask]:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _wipe(app: Flask) -> None:
    """Empty every table (commits from concurrency tests included), keeping the schema.

    DELETE in dependency order: on tables this small it is much faster than TRUNCATE on PostgreSQL.
    """
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class IsolatedClient(FlaskClient):
    """A test client whose requests run as they do in production: in an application context of their own.

    Each request therefore has its own database session, committed or rolled back by the view itself (a
    view that forgets to commit loses its changes here too) and its own ``g``. Before a request the test's
    own session commits what the test set up; afterwards it is expired, so the test reads what the request
    left in the database.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.expire_all()


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    """The application with a pushed app context and empty tables; runs on SQLite and PostgreSQL.

    The test's own SQLite transactions begin DEFERRED, so its reads never hold the write lock that the
    requests it makes (or the threads it starts) need.
    """
    _session_app.test_client_class = IsolatedClient
    with _session_app.app_context(), reads_only():
        yield _session_app
        db.session.remove()
        _wipe(_session_app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def backend(app: Flask) -> str:
    """'sqlite' or 'postgresql'."""
    return db.engine.dialect.name


_seq = count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    """PASSWORD hashed once: scrypt costs ~60 ms, and the factories make thousands of users."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="scrypt")


@pytest.fixture
def make_department(app: Flask) -> Callable[..., Department]:
    """Factory: a department with a unique code."""

    def make(**fields: object) -> Department:
        n = next(_seq)
        department = Department(
            code=f"D{n:03d}", name=f"部门{n}", contact_phone="0571-8888", head_name="负责人"
        )
        for key, value in fields.items():
            setattr(department, key, value)
        db.session.add(department)
        db.session.flush()
        return department

    return make


@pytest.fixture
def make_window(make_department: Callable[..., Department]) -> Callable[..., Window]:
    """Factory: a window (with a new department unless one is given)."""

    def make(department: Department | None = None, **fields: object) -> Window:
        n = next(_seq)
        window = Window(
            number=f"W{n:03d}",
            name=f"窗口{n}",
            department=department or make_department(),
            hall_zone="A区",
            opening_hours="9:00-17:00",
        )
        for key, value in fields.items():
            setattr(window, key, value)
        db.session.add(window)
        db.session.flush()
        return window

    return make


@pytest.fixture
def make_user(
    make_department: Callable[..., Department], make_window: Callable[..., Window]
) -> Callable[..., User]:
    """Factory: an active user of ``role`` with PASSWORD, given the scope the role needs."""

    def make(role: Role = Role.CLERK, **fields: object) -> User:
        n = next(_seq)
        user = User(username=f"user{n}", display_name=f"用户{n}", role=role, password_hash=_password_hash())
        if role == Role.CLERK and "windows" not in fields:
            window = make_window()
            user.windows = [window]
            user.department = window.department
        elif role in (Role.REVIEWER, Role.DEPT_HEAD) and "department" not in fields:
            user.department = make_department()
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_item(make_department: Callable[..., Department]) -> Callable[..., Item]:
    """Factory: a published committed item with two materials (one key, one not)."""

    def make(**fields: object) -> Item:
        n = next(_seq)
        department = fields.pop("department", None) or make_department()
        item = Item(
            code=f"ITEM-{n:04d}",
            name=f"事项{n}",
            category=ItemCategory.LICENSING,
            department=department,
            case_type=CaseType.COMMITTED,
            workflow_key="committed",
            statutory_limit_days=20,
            promised_limit_days=10,
            status=ItemStatus.PUBLISHED,
        )
        if fields.get("case_type") == CaseType.JOINT:
            item.lead_department = department
            item.join_rule = JoinRule.ALL_APPROVE
            item.workflow_key = "joint"
        for key, value in fields.items():
            setattr(item, key, value)
        item.materials = [
            ItemMaterial(position=1, name="申请书", is_key=True),
            ItemMaterial(position=2, name="身份证复印件", is_key=False),
        ]
        db.session.add(item)
        db.session.flush()
        return item

    return make


def login(client: FlaskClient, username: str, password: str = PASSWORD, remember: bool = False):
    """Sign in through the real form (with its CSRF token); returns the response."""
    page = client.get("/login")
    token = extract_csrf(page.get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def extract_csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user of ``role``, commit, and sign the test client in as them."""

    def do(role: Role = Role.CLERK, **fields: object) -> User:
        user = make_user(role, **fields)
        db.session.commit()
        response = login(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


from tests.hall import hall  # noqa: E402,F401  (the hall fixture, for service, web and browser tests)
