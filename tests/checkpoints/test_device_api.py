"""The device endpoints: enrolment with the one-time token, then the manifest, the event upload and the status
with the device credential. 401 for no, a wrong or a revoked credential; 403 for another checkpoint."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from tengri.checkpoints.devices import device_register, device_revoke
from tengri.checkpoints.models import CrossingEvent
from tengri.core.audit import audit_trail, audit_verify
from tengri.permits.models import Permit
from tengri.permits.services import permit_qr_text, permit_revoke
from tests.factories import PASSWORD
from tests.permits.test_issuing import IN_SEASON, live_permits

from .conftest import DURING_TRIP, scan

KZ_MORNING = datetime(2027, 7, 10, 1, 0, tzinfo=UTC)  # 06:00 on 10 July at Karkara (UTC+5)
DEVICE_ENDPOINTS = [
    ("get", "/api/v1/device/manifest"),
    ("post", "/api/v1/device/events"),
    ("get", "/api/v1/device/status"),
]


def bearer(credential: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {credential}"}


def call(client, method: str, path: str, credential: str | None, body: dict | None = None):
    headers = bearer(credential) if credential is not None else {}
    if method == "post":
        return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)
    return client.get(path, **headers)


def events_body(events: list[dict], sent_at: datetime = DURING_TRIP) -> dict:
    as_json = [
        {
            **event,
            "id": str(event["id"]),
            "permit_id": event["permit_id"] and str(event["permit_id"]),
            "device_time": event["device_time"].isoformat(),
        }
        for event in events
    ]
    return {"sent_at": sent_at.isoformat(), "events": as_json}


def manifest(client, credential: str, **query):
    return client.get("/api/v1/device/manifest", query, **bearer(credential))


# --- Enrolment -----------------------------------------------------------------------------------------------------


def test_a_node_enrols_with_its_token_once_and_then_signs_in_with_the_credential(demo_season, device_clock, client):
    device, token = device_register(actor=None, checkpoint_code="KRK-HB-KZ", label="KRK heli laptop")

    response = client.post("/api/v1/devices/enrol", {"token": token}, content_type="application/json")

    assert response.status_code == 200
    answer = response.json()
    assert answer["device_id"] == str(device.pk) and answer["credential"].startswith(f"{device.pk}.")
    checkpoint = {"code": "KRK-HB-KZ", "name": "Karkara heli base (KZ)", "country": "KZ", "utc_offset_hours": 5}
    assert answer["checkpoint"] == checkpoint
    status = call(client, "get", "/api/v1/device/status", answer["credential"])
    assert status.status_code == 200
    assert status.json() == {
        "device_id": str(device.pk),
        "label": "KRK heli laptop",
        "checkpoint": checkpoint,
        "server_time": IN_SEASON.isoformat().replace("+00:00", "Z"),
    }

    again = client.post("/api/v1/devices/enrol", {"token": token}, content_type="application/json")
    wrong = client.post("/api/v1/devices/enrol", {"token": "x" * 43}, content_type="application/json")
    assert again.status_code == wrong.status_code == 400
    assert again.json() == wrong.json()


def test_an_expired_token_gets_the_same_answer_as_a_wrong_one(demo_season, device_clock, client):
    _, token = device_register(actor=None, checkpoint_code="KRK", label="laptop")
    device_clock.moment = IN_SEASON + timedelta(hours=73)
    expired = client.post("/api/v1/devices/enrol", {"token": token}, content_type="application/json")
    wrong = client.post("/api/v1/devices/enrol", {"token": "nope"}, content_type="application/json")
    assert expired.status_code == 400 and expired.json() == wrong.json()


# --- Who may call ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), DEVICE_ENDPOINTS)
def test_no_unknown_or_malformed_credential_gets_in(device_enrolled, client, method, path):
    device, credential = device_enrolled()
    secret = credential.split(".")[1]
    for attempt in [None, "", "garbage", f"{uuid.uuid4()}.{secret}", f"{device.pk}.wrong", str(device.pk), secret]:
        response = call(client, method, path, attempt, events_body([scan()]))
        assert response.status_code == 401, attempt
    basic = {"HTTP_AUTHORIZATION": f"Basic {credential}"}
    assert getattr(client, method)(path, **basic).status_code == 401
    assert not CrossingEvent.objects.exists()


@pytest.mark.parametrize(("method", "path"), DEVICE_ENDPOINTS)
def test_a_revoked_device_is_refused_on_every_endpoint(device_enrolled, client, method, path):
    device, credential = device_enrolled()
    assert call(client, method, path, credential, events_body([])).status_code == 200

    device_revoke(actor=None, device_id=device.pk, reason="laptop stolen")

    response = call(client, method, path, credential, events_body([scan()]))
    assert response.status_code == 401
    assert not CrossingEvent.objects.exists()


def test_no_user_is_a_device_not_even_an_administrator(device_enrolled, client, officers):
    """Device endpoints answer to a device credential only: a session or a password gets 401, whoever it is."""
    administrator = get_user_model().objects.create_superuser("root", "root@tengri.example", "pw")
    password = {
        "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{officers['KZ'].username}:{PASSWORD}".encode()).decode()
    }
    for user in (officers["KZ"], administrator):
        client.force_login(user)
        for method, path in DEVICE_ENDPOINTS:
            assert call(client, method, path, None, events_body([scan()])).status_code == 401
        client.logout()
    for method, path in DEVICE_ENDPOINTS:
        assert getattr(client, method)(path, **password).status_code == 401
    assert not CrossingEvent.objects.exists()


def test_a_device_cannot_post_events_for_another_checkpoint(device_enrolled, client):
    _, credential = device_enrolled("KRK-HB-KZ")

    response = call(client, "post", "/api/v1/device/events", credential, events_body([scan(), scan("NIB-HP")]))

    assert response.status_code == 403
    assert response.json() == {"detail": "this device belongs to KRK-HB-KZ, not NIB-HP"}
    assert not CrossingEvent.objects.exists()


# --- Events ------------------------------------------------------------------------------------------------------


def test_events_are_answered_one_by_one_with_the_measured_skew(device_enrolled, device_clock, client):
    device, credential = device_enrolled()
    device_clock.moment = DURING_TRIP + timedelta(minutes=10)
    first, second = scan(), scan(verdict="EXPIRED", direction="out", method="image")
    body = events_body([first, second], sent_at=device_clock.moment - timedelta(seconds=90))

    response = call(client, "post", "/api/v1/device/events", credential, body)

    assert response.status_code == 200
    assert response.json() == {
        "server_time": device_clock.moment.isoformat().replace("+00:00", "Z"),
        "clock_skew_s": 90.0,
        "results": [{"id": str(first["id"]), "status": "stored"}, {"id": str(second["id"]), "status": "stored"}],
    }
    retry = call(client, "post", "/api/v1/device/events", credential, body)
    assert [result["status"] for result in retry.json()["results"]] == ["duplicate", "duplicate"]
    body["events"][1]["officer"] = "someone else"
    conflict = call(client, "post", "/api/v1/device/events", credential, body)
    assert [result["status"] for result in conflict.json()["results"]] == ["duplicate", "conflict"]
    stored = CrossingEvent.objects.get(pk=second["id"])
    assert (stored.device, stored.method, stored.officer, stored.clock_skew_s) == (device, "image", "Serik", 90)


@pytest.mark.parametrize(
    "change",
    [
        {"direction": "sideways"},
        {"method": "guess"},
        {"detail": "x" * 301},
        {"checkpoint": "X" * 13},
        {"id": "not-a-uuid"},
        {"verdict": ""},
        {"officer": "NUL\x00"},
    ],
)
def test_a_malformed_event_is_a_422_and_nothing_is_stored(device_enrolled, client, change):
    _, credential = device_enrolled()
    body = events_body([scan(), scan()])
    body["events"][1].update(change)
    assert call(client, "post", "/api/v1/device/events", credential, body).status_code == 422
    assert not CrossingEvent.objects.exists()


def test_a_batch_of_more_than_500_is_refused(device_enrolled, client):
    _, credential = device_enrolled()
    response = call(client, "post", "/api/v1/device/events", credential, events_body([scan() for _ in range(501)]))
    assert response.status_code == 422
    assert not CrossingEvent.objects.exists()


# --- The manifest --------------------------------------------------------------------------------------------------


def manifest_ids(client, credential: str, **query) -> set[str]:
    response = manifest(client, credential, **query)
    assert response.status_code == 200
    return {permit["permit_id"] for permit in response.json()["permits"]}


def test_the_manifest_holds_the_permits_planned_here_within_the_days_asked(
    device_world, device_clock, device_enrolled, client
):
    """The demo group passes KRK-HB-KZ on 13 and 27 July: its permits' window there is 12–28 July."""
    _, credential = device_enrolled("KRK-HB-KZ")
    permits = live_permits(device_world)
    device_clock.moment = KZ_MORNING  # 10 July at Karkara

    response = manifest(client, credential, days=3)  # 10, 11, 12 July

    assert response.status_code == 200
    answer = response.json()
    assert answer["generated"] == int(KZ_MORNING.timestamp())
    assert answer["checkpoint"] == {
        "code": "KRK-HB-KZ",
        "name": "Karkara heli base (KZ)",
        "country": "KZ",
        "utc_offset_hours": 5,
    }
    assert sorted(answer["permits"], key=lambda permit: permit["permit_id"]) == [
        {
            "permit_id": str(permit.id),
            "qr": permit_qr_text(permit),
            "not_before": permit.not_before.isoformat().replace("+00:00", "Z"),
            "expires": permit.expires.isoformat().replace("+00:00", "Z"),
        }
        for permit in sorted(permits, key=lambda permit: str(permit.id))
    ]
    assert len(answer["permits"]) == 4
    assert manifest_ids(client, credential, days=2) == set()  # 10 and 11 July: before the window
    assert manifest_ids(client, credential) == {str(permit.id) for permit in permits}  # default: 3 days


def test_the_manifest_follows_the_checkpoints_local_date(device_world, device_clock, device_enrolled, client):
    """19:30 UTC on 10 July is already 11 July at Karkara (UTC+5): two days then reach the 12th."""
    _, credential = device_enrolled("KRK-HB-KZ")
    device_clock.moment = datetime(2027, 7, 10, 18, 30, tzinfo=UTC)
    assert len(manifest_ids(client, credential, days=2)) == 0  # 23:30 local, 10 July: 10–11 July
    device_clock.moment = datetime(2027, 7, 10, 19, 30, tzinfo=UTC)
    assert len(manifest_ids(client, credential, days=2)) == 4  # 00:30 local, 11 July: 11–12 July


def test_the_manifest_ends_with_the_window(device_world, device_clock, device_enrolled, client):
    _, credential = device_enrolled("NIB-HP")
    device_clock.moment = datetime(2027, 7, 28, 12, 0, tzinfo=UTC)  # 28 July at NIB-HP: the window's last day
    assert len(manifest_ids(client, credential, days=1)) == 4
    device_clock.moment = datetime(2027, 7, 28, 18, 0, tzinfo=UTC)  # 00:00 on 29 July at UTC+6
    assert manifest_ids(client, credential, days=14) == set()


def test_the_manifest_leaves_out_other_checkpoints_revoked_and_expired_permits(
    device_world, device_clock, device_enrolled, client
):
    _, krk = device_enrolled("KRK-HB-KZ")
    _, karkara_bridge = device_enrolled("KRK")  # not on the group's itinerary
    _, south = device_enrolled("SIB-HP")
    revoked, expired, *kept = live_permits(device_world)
    permit_revoke(actor=None, permit=revoked, reason="lost")
    Permit.objects.filter(pk=expired.pk).update(expires=DURING_TRIP)
    device_clock.moment = DURING_TRIP

    assert manifest_ids(client, krk, days=1) == {str(permit.id) for permit in kept}
    assert manifest_ids(client, karkara_bridge, days=14) == set()
    assert manifest_ids(client, south, days=14) == set()
    device_clock.moment = DURING_TRIP - timedelta(seconds=1)
    assert str(expired.id) in manifest_ids(client, krk, days=1)


def test_each_manifest_is_one_audit_entry_without_personal_data(device_world, device_clock, device_enrolled, client):
    device, credential = device_enrolled("KRK-HB-KZ")
    device_clock.moment = DURING_TRIP
    before = len(audit_trail(limit=1000))

    response = manifest(client, credential, days=3)

    [entry] = audit_trail(limit=1000)[before:]
    assert (entry.action, entry.subject_type, entry.subject_id) == (
        "personal_data.read",
        "checkpoints.device",
        str(device.pk),
    )
    assert entry.data["permits"] == 4 and "document_number" in entry.data["fields"]
    assert entry.reason == "manifest of checkpoint KRK-HB-KZ for 3 day(s) from 2027-07-13"
    recorded = json.dumps(entry.data) + entry.reason
    for permit in response.json()["permits"]:
        assert permit["permit_id"] not in recorded and permit["qr"][:20] not in recorded
    assert audit_verify() == []


@pytest.mark.parametrize("days", [0, 15, -1])
def test_the_manifest_covers_one_to_fourteen_days(device_enrolled, client, days):
    _, credential = device_enrolled()
    assert manifest(client, credential, days=days).status_code == 422
    assert manifest(client, credential, days=14).status_code == 200


def test_the_openapi_document_lists_the_device_answers(demo_season, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for method, path in DEVICE_ENDPOINTS:
        assert set(paths[path][method]["responses"]) == {"200", "400", "401", "403", "422"}
    assert set(paths["/api/v1/devices/enrol"]["post"]["responses"]) == {"200", "400", "422"}
