"""Receiving a checkpoint node's crossing events: at-least-once delivery, exactly-once effect.

A node sends every event until it has an acknowledgement for it, so the same event may arrive twice,
even twice at once (a retry while the first request still runs). Each event carries the id its device
gave it; the centre inserts by that id and never twice, and answers per event: `stored`, `duplicate`
(already there, same content) or `conflict` (same id, other content: the stored one is kept).
A batch is all-or-nothing. See docs/offline-sync.md, "Sync".
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tengri.checkpoints import alerts_mail
from tengri.checkpoints.models import CrossingEvent, Device, Direction
from tengri.core.access import access_device_checkpoint
from tengri.core.errors import InvalidInput
from tengri.permits.models import Permit

MAX_EVENTS = 500
# What the device said about an event: two arrivals with the same id and these values are the same event.
CONTENT = (
    "direction",
    "verdict",
    "detail",
    "method",
    "officer",
    "permit_id",
    "holder_name",
    "nationality",
    "reference",
    "route_code",
    "device_time",
)


def _max_length(name: str) -> int:
    field = CrossingEvent._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return field.max_length


TEXT_LIMITS = {name: _max_length(name) for name in CONTENT if name not in ("permit_id", "device_time")}
REQUIRED = ("direction", "verdict", "method")
STORED, DUPLICATE, CONFLICT = "stored", "duplicate", "conflict"


@dataclass(frozen=True)
class _Sent:
    """One event as the device sent it, checked and normalised (aware UTC time, strings, a UUID)."""

    id: uuid.UUID
    checkpoint: str
    content: tuple

    def value(self, name: str) -> Any:
        return self.content[CONTENT.index(name)]


def events_ingest(*, device: Device, sent_at: datetime, events: list[dict], now: datetime | None = None) -> dict:
    """Store a batch of a device's events, each once, in one transaction; return the answer for the node:
    {"server_time", "clock_skew_s", "results": [{"id", "status"}]}.

    Clock skew = now − sent_at; each new event stores it, occurred_at = device_time + skew, and a flag when
    |skew| > TENGRI_CLOCK_SKEW_FLAG_S. Raises InvalidInput (nothing stored) for more than MAX_EVENTS or a
    malformed event, AccessDenied (nothing stored) when the device is revoked or an event names another
    checkpoint. Locks the device row for the whole batch, so a device's batches are stored one after
    another: a retry arriving while the first copy is being stored waits and then finds its duplicates.
    After commit, border officers of the checkpoint's state are mailed about refused scans stored now."""
    now = now or timezone.now()
    if len(events) > MAX_EVENTS:
        raise InvalidInput(
            _("at most %(max)d events per batch, not %(count)d") % {"max": MAX_EVENTS, "count": len(events)}
        )
    sent = [_checked(event) for event in events]
    skew = (now - _utc(sent_at, "sent_at")).total_seconds()  # any two times: timedelta cannot overflow here
    with transaction.atomic(durable=True):
        device = Device.objects.select_for_update(of=("self",)).select_related("checkpoint").get(pk=device.pk)
        for code in sorted({event.checkpoint for event in sent}):
            access_device_checkpoint(device, code)
        results, new = _store(device, sent, now, skew)
        device.last_clock_skew_s, device.last_seen_at = skew, now
        device.save(update_fields=["last_clock_skew_s", "last_seen_at"])
        refused = [event for event in new if event.verdict != "VALID"]
        if refused:
            transaction.on_commit(lambda: alerts_mail.refused_scans(device.checkpoint, refused))
    return {"server_time": now, "clock_skew_s": skew, "results": results}


def _store(device: Device, sent: list[_Sent], now: datetime, skew: float) -> tuple[list[dict], list[CrossingEvent]]:
    """Insert the events not stored yet (ON CONFLICT DO NOTHING); answer for each, in the order sent. An id
    sent twice in one batch is stored once: its later copies are duplicates or conflicts of the first."""
    stored = _stored_before({event.id for event in sent})
    holders = _holders({event.value("permit_id") for event in sent} - {None})
    first_copies: dict[uuid.UUID, _Sent] = {}
    new: dict[uuid.UUID, CrossingEvent] = {}
    answers: list[tuple[_Sent, str]] = []
    for event in sent:
        if event.id in stored:
            answers.append((event, DUPLICATE if _same(stored[event.id], event) else CONFLICT))
        elif event.id in first_copies:
            answers.append((event, DUPLICATE if first_copies[event.id].content == event.content else CONFLICT))
        else:
            first_copies[event.id] = event
            new[event.id] = _event(device, event, now, skew, holders)
            answers.append((event, STORED))
    CrossingEvent.objects.bulk_create(new.values(), ignore_conflicts=True)
    for event_id, row in _lost_races(device, new, now).items():
        del new[event_id]
        answers = [(event, _status_against(row, event, status)) for event, status in answers]
    return [{"id": str(event.id), "status": status} for event, status in answers], list(new.values())


def _stored_before(ids: set[uuid.UUID]) -> dict[uuid.UUID, CrossingEvent]:
    return {row.id: row for row in CrossingEvent.objects.filter(pk__in=ids).select_related("checkpoint")}


def _lost_races(device: Device, new: dict[uuid.UUID, CrossingEvent], now: datetime) -> dict[uuid.UUID, CrossingEvent]:
    """The new ids another device stored in the same instant (it holds its own lock, not ours): ON CONFLICT
    kept theirs, so ours were not inserted. Read back what is stored under the new ids and find them."""
    rows = CrossingEvent.objects.filter(pk__in=new).exclude(device=device, received_at=now).select_related("checkpoint")
    return {row.id: row for row in rows}


def _status_against(row: CrossingEvent, event: _Sent, status: str) -> str:
    if event.id != row.id:
        return status
    return DUPLICATE if _same(row, event) else CONFLICT


def _same(row: CrossingEvent, event: _Sent) -> bool:
    return row.checkpoint.code == event.checkpoint and _content_of(row) == event.content


def _event(device: Device, event: _Sent, now: datetime, skew: float, holders: dict) -> CrossingEvent:
    device_time = event.value("device_time")
    flagged = abs(skew) > settings.TENGRI_CLOCK_SKEW_FLAG_S
    # A crossing from the paper log carries the time a person wrote down, not the laptop's clock: the
    # laptop's skew says nothing about it.
    correction = 0.0 if event.value("method") == CrossingEvent.Method.PAPER else skew
    try:
        occurred_at = device_time + timedelta(seconds=correction)
    except OverflowError:
        # The device's times contradict each other beyond the calendar: all we know is that it happened
        # before it arrived. Flagged, so that no one takes the time for a measurement.
        occurred_at, flagged = now, True
    application_id, member_id = holders.get(event.value("permit_id"), (None, None))
    return CrossingEvent(
        id=event.id,
        device=device,
        checkpoint=device.checkpoint,
        application_id=application_id,
        member_id=member_id,
        received_at=now,
        clock_skew_s=skew,
        skew_flagged=flagged,
        occurred_at=occurred_at,
        **dict(zip(CONTENT, event.content, strict=True)),
    )


def _holders(permit_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """permit id → (application id, member id), for the permits this centre issued."""
    rows = Permit.objects.filter(pk__in=permit_ids).values_list("id", "application_id", "member_id")
    return {permit_id: (application_id, member_id) for permit_id, application_id, member_id in rows}


def _content_of(row: CrossingEvent) -> tuple:
    return tuple(getattr(row, name) for name in CONTENT)


def _checked(event: dict) -> _Sent:
    """The event's fields, validated as the model would have them; InvalidInput names what is wrong."""
    try:
        event_id = _uuid(event["id"])
        checkpoint = str(event["checkpoint"])
        values: dict[str, Any] = {name: _text(event, name) for name in TEXT_LIMITS}
        permit_id = None if event.get("permit_id") in (None, "") else _uuid(event["permit_id"])
        device_time = _utc(event["device_time"], "device_time")
    except KeyError as missing:
        raise InvalidInput(_("an event lacks %(field)s") % {"field": missing.args[0]}) from None
    if not values["verdict"]:
        raise InvalidInput(_("event %(id)s has no verdict") % {"id": event_id})
    if values["direction"] not in Direction.values:
        raise InvalidInput(_("event %(id)s: direction must be in or out") % {"id": event_id})
    if values["method"] not in CrossingEvent.Method.values:
        raise InvalidInput(_("event %(id)s: method must be qr, image, lookup or paper") % {"id": event_id})
    values.update(permit_id=permit_id, device_time=device_time)
    return _Sent(id=event_id, checkpoint=checkpoint, content=tuple(values[name] for name in CONTENT))


def _text(event: dict, name: str) -> str:
    value = event[name] if name in REQUIRED else event.get(name, "")
    value = "" if value is None else str(value)
    if len(value) > TEXT_LIMITS[name] or "\x00" in value:
        raise InvalidInput(_("%(field)s is longer than %(max)d characters") % {"field": name, "max": TEXT_LIMITS[name]})
    return value


def _uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(_("%(value)r is not a UUID") % {"value": str(value)[:40]}) from None


def _utc(moment: Any, name: str) -> datetime:
    """An aware UTC time (a time without a zone is read as UTC). Any year is taken: a node whose clock was
    reset (1970, 2000) must still sync, and the skew puts its events right. A time at the very edge of the
    calendar that UTC cannot hold (year 1 east of Greenwich) is held at that edge."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            raise InvalidInput(_("%(field)s is not an ISO time") % {"field": name}) from None
    if not isinstance(moment, datetime):
        raise InvalidInput(_("%(field)s is not a time") % {"field": name})
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)
