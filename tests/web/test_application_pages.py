"""Bad input through the pages and the API gets a clear error and changes nothing."""

import base64
from datetime import date

import pytest

from tengri.core.models import AuditEntry
from tengri.documents.specimen import td3_lines
from tengri.expeditions.demo import PASSWORD, demo_applications_load, demo_people_load
from tengri.expeditions.models import Application, Member


@pytest.fixture
def demo_applications(demo_season):
    demo_people_load()
    demo_applications_load()


@pytest.fixture
def operator(client, demo_applications):
    client.login(username="operator-kg", password=PASSWORD)
    return client


def basic(username: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


def draft() -> Application:
    return Application.objects.get(state=Application.State.DRAFT)


def snapshot(application: Application) -> tuple:
    application.refresh_from_db()
    return (application.state, application.start_date, application.end_date, application.members.count())


def test_a_malformed_mrz_names_the_field_and_adds_no_one(operator):
    application, before = draft(), snapshot(draft())
    line1, line2 = td3_lines(
        surname="ISAKOV",
        given_names="ERLAN",
        number="AC1234567",
        nationality="KGZ",
        birth_date=date(1990, 5, 6),
        sex="M",
        expiry_date=date(2033, 1, 1),
    )
    broken = line2[:9] + str((int(line2[9]) + 1) % 10) + line2[10:]  # the number's check digit
    response = operator.post(f"/en/applications/{application.reference}/members", {"mrz": f"{line1}\n{broken}"})
    assert response.status_code == 400
    assert "check digit" in response.content.decode()
    assert snapshot(application) == before


def test_reversed_dates_are_refused_and_nothing_is_created(operator):
    count = Application.objects.count()
    response = operator.post(
        "/en/applications/new", {"route": "KT-S-KG", "start_date": "2027-08-10", "end_date": "2027-08-01"}
    )
    assert response.status_code == 400
    assert "before it starts" in response.content.decode()
    assert Application.objects.count() == count


def test_an_unknown_route_is_refused(operator):
    count = Application.objects.count()
    response = operator.post(
        "/en/applications/new", {"route": "K2", "start_date": "2027-08-01", "end_date": "2027-08-10"}
    )
    assert response.status_code == 400
    assert "K2" in response.content.decode()
    response = operator.post(
        "/api/v1/applications",
        {"route": "K2", "start_date": "2027-08-01", "end_date": "2027-08-10"},
        content_type="application/json",
        **basic("operator-kg"),
    )
    assert response.status_code == 404
    assert Application.objects.count() == count


def test_an_oversized_paste_is_refused_before_parsing(operator):
    application, before = draft(), snapshot(draft())
    entries = AuditEntry.objects.count()
    response = operator.post(f"/en/applications/{application.reference}/members", {"mrz": "P<" * 600_000})
    assert response.status_code == 400
    assert snapshot(application) == before
    assert AuditEntry.objects.count() == entries


def test_an_api_paste_longer_than_the_limit_is_a_validation_error(demo_applications, client):
    application, before = draft(), snapshot(draft())
    response = client.post(
        f"/api/v1/applications/{application.reference}/members",
        {"mrz": "x" * 9000},
        content_type="application/json",
        **basic("operator-kg"),
    )
    assert response.status_code == 422
    assert snapshot(application) == before


def test_a_submitted_application_cannot_be_edited(operator):
    application = Application.objects.get(state=Application.State.SUBMITTED, company__country="KZ")
    operator.logout()
    operator.login(username="operator-kz", password=PASSWORD)
    before = snapshot(application)
    response = operator.post(f"/en/applications/{application.reference}/details", {"insurance_policy": "X-1"})
    assert response.status_code == 400
    assert "cannot be changed now" in response.content.decode()
    assert snapshot(application) == before


def test_decision_without_reason_is_refused_and_nothing_recorded(demo_applications, client):
    application = Application.objects.get(state=Application.State.SUBMITTED)
    client.login(username="officer-kg", password=PASSWORD)
    response = client.post(f"/en/applications/{application.reference}/decide", {"verdict": "reject", "reason": " "})
    assert response.status_code == 400
    assert "reason is required" in response.content.decode()
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert not application.decisions.exists()


def test_the_officer_page_shows_documents_and_logs_the_read(demo_applications, client):
    application = Application.objects.get(state=Application.State.UNDER_REVIEW)
    client.login(username="officer-kg", password=PASSWORD)
    reads = AuditEntry.objects.filter(action="personal_data.read").count()
    response = client.get(f"/ru/applications/{application.reference}/")
    assert response.status_code == 200
    leader = Member.objects.get(application=application, role="leader")
    assert leader.surname in response.content.decode()
    assert "DM00000" in response.content.decode()  # the demo's document numbers, decrypted for the officer
    entry = AuditEntry.objects.filter(action="personal_data.read").latest("sequence")
    assert AuditEntry.objects.filter(action="personal_data.read").count() == reads + 1
    assert entry.actor_name == "officer-kg" and entry.reason == "officer review"
