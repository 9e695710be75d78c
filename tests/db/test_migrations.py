"""The Alembic revisions build the same schema as the models, and go down and up again, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from service_center import create_app
from service_center.extensions import db
from tests.conftest import BACKENDS

MIGRATIONS_DB = "sc_test_migrations"


def _postgres_scratch_url(base_url: str) -> str:
    """A scratch database next to the test database, created when missing."""
    url = sa.make_url(base_url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": MIGRATIONS_DB})
        if not exists:
            conn.exec_driver_sql(f"CREATE DATABASE {MIGRATIONS_DB}")
    admin.dispose()
    return url.set(database=MIGRATIONS_DB).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def empty_app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """An app on an empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        url = _postgres_scratch_url(request.getfixturevalue("postgres_url"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        with db.engine.begin() as conn:  # start from nothing
            meta = sa.MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        yield app
        db.session.remove()
        db.engine.dispose()


def _diff(app: Flask) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_builds_the_models_schema(empty_app):
    upgrade()
    assert _diff(empty_app) == []


def test_downgrade_to_base_and_upgrade_again(empty_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    upgrade()
    assert _diff(empty_app) == []
    assert {"items", "users", "windows", "departments"} <= _tables()
