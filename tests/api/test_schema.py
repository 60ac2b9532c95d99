"""Schemathesis against /openapi.json: generated requests never make the service fail,
and every answer matches the documented status codes, content types and schemas."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import service_config

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(site, tmp_path_factory):
    from radps_seq.api import create_app

    app = create_app(service_config(site, tmp_path_factory.mktemp("schema") / "w"), start_dispatcher=False)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_with_generated_requests(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call()
            assert "Traceback" not in response.text
            case.validate_response(response, checks=CHECKS)

        check()
