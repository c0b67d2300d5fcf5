"""Property-based contract test: every API operation, fed generated input, answers within its schema and
never with a server error (schemathesis over the OpenAPI document, in-process through WSGI)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Operations that exchange a secret for a credential: a well-formed secret that was never issued is refused
# (400, the same answer for every wrong one), so "valid data is accepted" cannot hold for generated input.
CREDENTIAL_EXCHANGES = {"/api/v1/devices/enrol"}


@pytest.fixture
def keep_test_connection():
    """As Django's test client does: requests must not close the connection holding the test transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_its_schema(demo_season, keep_test_connection):
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
            case.call_and_validate(excluded_checks=_unissued_credentials_refused(case))

        conforms()


@pytest.mark.parametrize("username", ["operator-kz", "officer-kg"])
def test_signed_in_operations_conform_to_their_schema(demo_season, keep_test_connection, username):
    """Signed in, generated input reaches the services: still only documented answers, never a 500."""
    import base64

    from tengri.expeditions.demo import PASSWORD, demo_applications_load, demo_people_load

    demo_people_load()
    demo_applications_load()
    credentials = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        if not operation.path.startswith(("/api/v1/applications", "/api/v1/mrz")):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(headers={"Authorization": f"Basic {credentials}"})

        conforms()


def test_device_operations_conform_to_their_schema(demo_season, keep_test_connection):
    """With a real device credential (a device enrolled at KRK), generated manifests and event batches reach
    the services: only documented answers, never a 500."""
    from tengri.checkpoints.devices import device_enrol, device_register

    _, token = device_register(actor=None, checkpoint_code="KRK", label="contract test laptop")
    _, credential = device_enrol(token=token)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    device_operations = [operation for operation in operations if operation.path.startswith("/api/v1/device/")]
    assert {operation.path for operation in device_operations} == {
        "/api/v1/device/manifest",
        "/api/v1/device/events",
        "/api/v1/device/status",
    }
    for operation in device_operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {credential}"})

        conforms()


def _unissued_credentials_refused(case) -> list:
    return [positive_data_acceptance] if case.operation.path in CREDENTIAL_EXCHANGES else []
