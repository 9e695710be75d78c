"""API fixtures: bearer tokens for staff of each role, and a JSON client helper."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service_center.extensions import db
from service_center.models import User
from service_center.services.api_tokens import issue_personal_token


@pytest.fixture
def token_for(app) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """Factory: a personal access token's secret for ``user`` (scope ``act`` unless told), committed."""

    def make(user: User, scope: str = "act", days: int = 30) -> str:
        issued = issue_personal_token(user, name="test", scope=scope, days=days)
        db.session.commit()
        return issued.secret

    return make


def bearer(secret: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **headers}
