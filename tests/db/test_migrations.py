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
from tests.conftest import BACKENDS, scratch_postgres_database


@pytest.fixture(scope="module")
def migrations_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of this run's own for the migrations."""
    yield from scratch_postgres_database(postgres_server_url, "mig")


@pytest.fixture(params=BACKENDS)
def empty_app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """An app on an empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        url = request.getfixturevalue("migrations_postgres_url")
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
