"""The sync tests' shared world (node/test_sync.py through the fixtures of node/conftest.py, and
test_sync_faults.py directly): the demo group on its way in, its permits' QR texts, and the centre's crossing
events in the node's wire format, to compare with what the devices recorded.

Plain functions, no fixtures: test_sync_faults.py lives outside this folder and makes its world per block."""

from datetime import datetime

from django.db.models import QuerySet

from tengri.checkpoints.ingest import CONTENT
from tengri.checkpoints.models import CrossingEvent
from tengri.expeditions.models import Application
from tengri.permits.models import Permit
from tengri.permits.services import permit_qr_text
from tests.permits.test_issuing import Clock, demo_world

from .centre import TRIP_DAY


def trip_world(capture_on_commit, clock: Clock) -> Application:
    """The demo people, keys and applications, made on the pinned clock; then the clock moves to the day the
    approved group (KT-2027-000001) enters at KRK-HB-KZ. Returns that application."""
    application = demo_world(capture_on_commit)
    clock.moment = TRIP_DAY
    return application


def live_permits(application: Application) -> list[Permit]:
    """The group's permits not revoked, by member."""
    return list(application.permits.filter(revoked_at=None).select_related("member").order_by("member_id"))


def qr_texts(application: Application) -> list[str]:
    """What the group's live permits show as QR codes, by member."""
    return [permit_qr_text(permit) for permit in live_permits(application)]


def centre_wire(row: CrossingEvent) -> dict:
    """A centre event as the device sent it (`NodeEvent.wire`): its id, checkpoint and content (`CONTENT`)."""
    wire: dict = {"id": str(row.id), "checkpoint": row.checkpoint.code}
    for name in CONTENT:
        value = getattr(row, name)
        if name == "permit_id":
            value = str(value) if value else None
        elif isinstance(value, datetime):
            value = value.isoformat()
        wire[name] = value
    return wire


def centre_events(ids=None) -> dict[str, tuple[str, dict]]:
    """The centre's events (those with `ids`, else all) by id: the device that sent each, and its wire form."""
    rows: QuerySet[CrossingEvent] = CrossingEvent.objects.select_related("checkpoint")
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return {str(row.id): (str(row.device_id), centre_wire(row)) for row in rows}
