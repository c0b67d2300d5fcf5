"""Checkpoint device endpoints: enrolment (the one-time token), then, with the device credential as a
Bearer token, the permit manifest, the crossing-event upload and a status check. See docs/offline-sync.md.

A revoked device, an unknown one or a wrong secret gets 401 (the credential is not accepted at all); an
enrolled device acting for another checkpoint gets 403 (`access_device_checkpoint`)."""

import uuid
from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from tengri.api.applications import Error
from tengri.checkpoints.devices import device_authenticate, device_enrol
from tengri.checkpoints.ingest import MAX_EVENTS, events_ingest
from tengri.checkpoints.models import Device
from tengri.checkpoints.selectors import MANIFEST_DAYS_MAX, checkpoint_summary, permit_manifest
from tengri.core import access

router = Router(tags=["devices"])
# PostgreSQL cannot store NUL in text; refused at the door rather than failing in the database.
TEXT = r"^[^\x00]*$"


class DeviceAuth(HttpBearer):
    """`Authorization: Bearer <device id>.<secret>`; anything but an enrolled, unrevoked device is a 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        return device_authenticate(token)


class DeviceRequestInvalid(Schema):
    """The request did not match its schema: what was wrong, field by field."""

    detail: list[dict]


DEVICE_ERRORS: dict[int, type] = {400: Error, 401: Error, 403: Error, 422: DeviceRequestInvalid}


class DeviceCheckpointOut(Schema):
    code: str
    name: str
    country: str
    utc_offset_hours: int


class DeviceEnrolIn(Schema):
    token: str = Field(max_length=200, pattern=TEXT, description="the one-time enrolment token")


class DeviceEnrolOut(Schema):
    device_id: str
    credential: str = Field(description="`<device id>.<secret>`: send it as a Bearer token; shown only this once")
    checkpoint: DeviceCheckpointOut


class DeviceManifestPermit(Schema):
    permit_id: str
    qr: str = Field(description="the permit's QR text, TGP1:…")
    not_before: datetime
    expires: datetime


class DeviceManifestOut(Schema):
    generated: int = Field(description="NumericDate (UTC seconds) of this answer")
    checkpoint: DeviceCheckpointOut
    permits: list[DeviceManifestPermit]


class DeviceEventIn(Schema):
    id: uuid.UUID = Field(description="UUIDv7 made on the device")
    checkpoint: str = Field(max_length=12, pattern=TEXT)
    direction: Literal["in", "out"]
    verdict: str = Field(min_length=1, max_length=20, pattern=TEXT, description="VALID or the refusal's code")
    detail: str = Field("", max_length=300, pattern=TEXT)
    method: Literal["qr", "image", "lookup", "paper"]
    officer: str = Field(max_length=100, pattern=TEXT)
    permit_id: uuid.UUID | None = None
    holder_name: str = Field("", max_length=200, pattern=TEXT)
    nationality: str = Field("", max_length=3, pattern=TEXT)
    reference: str = Field("", max_length=20, pattern=TEXT)
    route_code: str = Field("", max_length=20, pattern=TEXT)
    device_time: datetime = Field(description="the device's clock at the scan (UTC)")


class DeviceEventsIn(Schema):
    sent_at: datetime = Field(description="the device's clock when it sent the batch")
    events: list[DeviceEventIn] = Field(max_length=MAX_EVENTS)


class DeviceEventResult(Schema):
    id: str
    status: Literal["stored", "duplicate", "conflict"]


class DeviceEventsOut(Schema):
    server_time: datetime
    clock_skew_s: float = Field(description="server time minus the device's sent_at, in seconds")
    results: list[DeviceEventResult]


class DeviceStatusOut(Schema):
    device_id: str
    label: str
    checkpoint: DeviceCheckpointOut
    server_time: datetime


@router.post("/devices/enrol", response={200: DeviceEnrolOut, 400: Error, 422: DeviceRequestInvalid}, auth=None)
def enrol(request: HttpRequest, payload: DeviceEnrolIn):
    """Exchange the one-time enrolment token for the device credential. The token is the authority here:
    a wrong, spent or expired one gets the same 400."""
    device, credential = device_enrol(token=payload.token)
    return {"device_id": str(device.pk), "credential": credential, "checkpoint": checkpoint_summary(device.checkpoint)}


@router.get("/device/manifest", response={200: DeviceManifestOut, **DEVICE_ERRORS}, auth=DeviceAuth())
def manifest(request: HttpRequest, days: int = Query(3, ge=1, le=MANIFEST_DAYS_MAX)):
    """The permits valid at this device's checkpoint from its local today for `days` days, with their QR
    texts (for looking a holder up by passport number offline). Audited."""
    device = _device(request)
    access.access_device_checkpoint(device, device.checkpoint.code)
    return permit_manifest(device=device, days=days, now=timezone.now())


@router.post("/device/events", response={200: DeviceEventsOut, **DEVICE_ERRORS}, auth=DeviceAuth())
def events(request: HttpRequest, payload: DeviceEventsIn):
    """Upload crossing events: each is stored once by its id and answered stored, duplicate or conflict.
    All or nothing: an event of another checkpoint refuses the whole batch (403)."""
    device = _device(request)
    for code in sorted({event.checkpoint for event in payload.events} or {device.checkpoint.code}):
        access.access_device_checkpoint(device, code)
    body = payload.model_dump()
    return events_ingest(device=device, sent_at=body["sent_at"], events=body["events"], now=timezone.now())


@router.get("/device/status", response={200: DeviceStatusOut, **DEVICE_ERRORS}, auth=DeviceAuth())
def status(request: HttpRequest):
    """Whether the credential works, and the server's clock."""
    device = _device(request)
    access.access_device_checkpoint(device, device.checkpoint.code)
    return {
        "device_id": str(device.pk),
        "label": device.label,
        "checkpoint": checkpoint_summary(device.checkpoint),
        "server_time": timezone.now(),
    }


def _device(request: HttpRequest) -> Device:
    """The device DeviceAuth found (ninja puts what the authenticator returned on the request)."""
    return request.auth  # type: ignore[attr-defined]
