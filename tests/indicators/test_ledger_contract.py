"""Signed in as an analyst, generated input reaches the ledger's parsers (claims, CSV): only documented
answers, never a server error (schemathesis over the OpenAPI document, in-process through WSGI)."""

import base64

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tengri.core.roles import Role
from tengri.indicators.seed import ledger_seed
from tests import factories
from tests.api.test_openapi_contract import keep_test_connection  # noqa: F401 - a fixture


def test_ledger_operations_conform_to_their_schema(db, keep_test_connection):  # noqa: F811
    analyst = factories.user(Role.ANALYST)
    ledger_seed()
    credentials = base64.b64encode(f"{analyst.username}:{factories.PASSWORD}".encode()).decode()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    ledger = [operation for operation in operations if operation.path.startswith("/api/v1/ledger/")]
    assert {operation.path for operation in ledger} == {
        "/api/v1/ledger/entries",
        "/api/v1/ledger/derived",
        "/api/v1/ledger/mirror",
        "/api/v1/ledger/claim-check",
        "/api/v1/ledger/import",
    }
    for operation in ledger:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            # A claim and a CSV are free text inside a valid schema: one that cannot be read is a 400 by
            # design, so "schema-valid data is accepted" cannot hold; every other check does.
            case.call_and_validate(
                headers={"Authorization": f"Basic {credentials}"}, excluded_checks=[positive_data_acceptance]
            )

        conforms()
