"""Schemathesis against the generated OpenAPI document, in-process (the app's own WSGI test client): no server
error, every response (status, content type, headers, body) matches the document. Public and with a token of the
supervision office (scope act; it also sees the statistics); a bounded number of examples per operation keeps it
under a minute."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from service_center.extensions import db
from service_center.models import Role
from service_center.services import reception
from service_center.services.clock import local_today
from tests.api.conftest import bearer

EXAMPLES = 4
# Conformance of what the API answers. Not positive_data_acceptance: schema-valid filters may still name a
# department or window outside the token's scope, which is a 400 on that field, as on the pages.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]


@pytest.fixture
def seeded(hall, make_user, token_for):  # type: ignore[no-untyped-def]
    """A hall with cases in a few states and a supervisor's token that may act."""
    case = hall.receive(day=local_today().isoformat())
    joint = hall.receive(item=hall.joint, day=local_today().isoformat())
    reception.accept(joint, hall.actor("clerk"), departments=[hall.other.id])
    db.session.commit()
    return {"case": case, "token": token_for(make_user(Role.SUPERVISOR), scope="act")}


def test_the_api_keeps_to_its_document(app, client, seeded):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def conforms(case):  # type: ignore[no-untyped-def]
            for headers in ({}, bearer(seeded["token"])):
                response = client.open(**case.as_transport_kwargs(headers=headers))
                assert response.status_code < 500, (case.operation.label, response.get_data(as_text=True))
                case.validate_response(response, checks=CHECKS)

        conforms()
