"""Reads of checkpoint devices, the manifest a checkpoint node pulls (the permits it may be shown soon), and
the refused scans (attempted crossings) the presence page lists."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, Min, QuerySet

from tengri.checkpoints.models import CrossingEvent, Device
from tengri.checkpoints.tracks import ACCEPTED
from tengri.core.audit import PERSONAL_DATA_READ, audit_record
from tengri.core.errors import NotFound
from tengri.expeditions.models import Application
from tengri.permits.checking import checkpoint_country, checkpoint_utc_offset
from tengri.permits.codec import MalformedPermit
from tengri.permits.models import Permit
from tengri.permits.services import PASSAGE_SLACK, permit_qr_text
from tengri.permits.verify import read_claims
from tengri.registry.models import Checkpoint
from tengri.registry.selectors import checkpoint_list

MANIFEST_DAYS_MAX = 14
# What the manifest's QR texts carry besides names: named in its audit entry (the names, never the values).
MANIFEST_FIELDS = ["birth_date", "document_number", "given_names", "nationality", "surname"]
REFUSED_SCANS_MAX = 500


def devices_list() -> QuerySet[Device]:
    return Device.objects.select_related("checkpoint", "registered_by").order_by("checkpoint__code", "label")


def device_get(device_id: str | uuid.UUID) -> Device:
    """Raises NotFound for an unknown or malformed id."""
    try:
        key = device_id if isinstance(device_id, uuid.UUID) else uuid.UUID(str(device_id).strip())
    except ValueError:
        raise NotFound(f"no device {device_id!r} (a device id is a UUID)") from None
    device = devices_list().filter(pk=key).first()
    if device is None:
        raise NotFound(f"no device {device_id}")
    return device


def checkpoint_summary(checkpoint: Checkpoint) -> dict[str, Any]:
    """What a node needs to know of its checkpoint: code, name, state and clock."""
    return {
        "code": checkpoint.code,
        "name": checkpoint.name,
        "country": checkpoint_country(checkpoint),
        "utc_offset_hours": checkpoint_utc_offset(checkpoint.code),
    }


def permit_manifest(*, device: Device, days: int, now: datetime) -> dict[str, Any]:
    """The permits valid at the device's checkpoint from its local today for `days` days (today counts as
    the first), with their QR texts: unrevoked, unexpired, and with a checkpoint window here that overlaps
    those days. The windows are the signed ones, read from each permit's own claims.

    The QR texts carry passport numbers and birth dates: one audit entry per manifest, with the device as
    its subject and how many permits it held (never who)."""
    checkpoint = device.checkpoint
    summary = checkpoint_summary(checkpoint)
    first_day = (now + timedelta(hours=summary["utc_offset_hours"])).date()
    last_day = first_day + timedelta(days=days - 1)
    permits = []
    for permit in _candidates(checkpoint, first_day, last_day, now):
        text = permit_qr_text(permit)
        if _window_here(text, checkpoint.code, first_day, last_day):
            permits.append(
                {"permit_id": str(permit.id), "qr": text, "not_before": permit.not_before, "expires": permit.expires}
            )
    audit_record(
        actor=None,
        action=PERSONAL_DATA_READ,
        subject=device,
        reason=f"manifest of checkpoint {checkpoint.code} for {days} day(s) from {first_day.isoformat()}",
        data={"fields": MANIFEST_FIELDS, "permits": len(permits)},
    )
    return {"generated": int(now.timestamp()), "checkpoint": summary, "permits": permits}


def _candidates(checkpoint: Checkpoint, first_day: date, last_day: date, now: datetime) -> QuerySet[Permit]:
    """Live permits of applications whose planned passages here, widened by the slack the windows were
    issued with, overlap the days asked for. Narrows the search; the signed windows decide."""
    applications = (
        Application.objects.filter(passages__checkpoint=checkpoint)
        .annotate(first_passage=Min("passages__date"), last_passage=Max("passages__date"))
        .filter(first_passage__lte=last_day + PASSAGE_SLACK, last_passage__gte=first_day - PASSAGE_SLACK)
        .values("pk")
    )
    return Permit.objects.filter(application__in=applications, revoked_at=None, expires__gt=now).order_by("id")


def _window_here(text: str, code: str, first_day: date, last_day: date) -> bool:
    try:
        claims = read_claims(text)
    except MalformedPermit:
        return False  # cannot happen for a permit this server signed; a node could not use it anyway
    return any(w.code == code and w.first_day <= last_day and w.last_day >= first_day for w in claims.checkpoints)


@dataclass(frozen=True)
class RefusedScan:
    """A refused scan (an attempted crossing) and the state of its checkpoint, whose local time it is shown in."""

    event: CrossingEvent
    country: str


def refused_scans(*, country: str | None, since: datetime, limit: int = REFUSED_SCANS_MAX) -> list[RefusedScan]:
    """The refused scans from `since` at the checkpoints of `country` (every checkpoint when None), newest
    first, at most `limit`. A checkpoint's state comes from its place (or its border service), not from a
    column: it is worked out once per checkpoint here, and the events are filtered by checkpoint."""
    countries = {checkpoint.pk: checkpoint_country(checkpoint) for checkpoint in checkpoint_list()}
    events = (
        CrossingEvent.objects.exclude(verdict=ACCEPTED)
        .filter(occurred_at__gte=since)
        .select_related("checkpoint")
        .order_by("-occurred_at", "id")
    )
    if country is not None:
        events = events.filter(checkpoint_id__in=[pk for pk, state in countries.items() if state == country])
    return [RefusedScan(event, countries.get(event.checkpoint_id, "")) for event in events[:limit]]
