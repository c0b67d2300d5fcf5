"""Property-based contract test: every API operation, fed generated input, answers within its schema and
never with a server error (schemathesis over the OpenAPI document, in-process through WSGI)."""

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings


def test_every_operation_conforms_to_its_schema(demo_season):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {
        "/api/v1/routes",
        "/api/v1/routes/{code}",
        "/api/v1/checkpoints",
    }
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate()

        conforms()
