"""Timestamps keep their instant on both databases (SQLite has no time zone type)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import User


def test_an_aware_local_time_reads_back_as_the_same_instant(app, make_user):
    local = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    user = make_user(last_login_at=local)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(User.last_login_at).where(User.id == user.id))
    assert stored == local
    assert stored.astimezone(UTC).hour == 1


def test_naive_datetimes_are_refused(app, make_user):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        make_user(last_login_at=datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001 - the point of the test
