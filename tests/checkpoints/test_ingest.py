"""Receiving crossing events from a device (the service): each event stored once by its id, duplicates and
conflicts answered, the clock skew measured and flagged, all or nothing, only for the device's own
checkpoint, and refused scans mailed to the border service of the checkpoint's state."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from tengri.checkpoints.devices import device_revoke
from tengri.checkpoints.ingest import events_ingest
from tengri.checkpoints.models import CrossingEvent
from tengri.core.errors import AccessDenied, InvalidInput, InvalidTransition
from tests import factories
from tests.permits.test_issuing import live_permits

from .conftest import DURING_TRIP, scan


def statuses(answer: dict) -> list[str]:
    return [result["status"] for result in answer["results"]]


def send(device, events: list[dict], *, skew_s: float = 0.0, now=DURING_TRIP) -> dict:
    """The device sends `events` at `now` by the server's clock, its own clock `skew_s` seconds behind."""
    return events_ingest(device=device, sent_at=now - timedelta(seconds=skew_s), events=events, now=now)


# --- Stored once -------------------------------------------------------------------------------------------------


def test_new_events_are_stored_as_the_device_sent_them(device_enrolled):
    device, _ = device_enrolled()
    sent = [scan(), scan(direction="out", verdict="EXPIRED", detail="expired on 2 Aug", method="lookup")]

    answer = send(device, sent)

    assert answer["results"] == [{"id": str(event["id"]), "status": "stored"} for event in sent]
    assert answer["server_time"] == DURING_TRIP
    for event in sent:
        stored = CrossingEvent.objects.get(pk=event["id"])
        assert stored.device == device and stored.checkpoint.code == "KRK-HB-KZ"
        for field in ("direction", "verdict", "detail", "method", "officer", "holder_name", "nationality"):
            assert getattr(stored, field) == event[field]
        assert (stored.reference, stored.route_code) == (event["reference"], event["route_code"])
        assert stored.device_time == event["device_time"] and stored.received_at == DURING_TRIP
        assert stored.permit_id is None and stored.application is None and stored.member is None


def test_an_event_sent_again_is_a_duplicate_and_stored_once(device_enrolled):
    device, _ = device_enrolled()
    first, second = scan(), scan()
    assert statuses(send(device, [first])) == ["stored"]

    answer = send(device, [first, second], now=DURING_TRIP + timedelta(minutes=5))

    assert statuses(answer) == ["duplicate", "stored"]
    assert CrossingEvent.objects.count() == 2
    assert CrossingEvent.objects.get(pk=first["id"]).received_at == DURING_TRIP  # the first arrival stands


def test_the_same_id_with_other_content_is_a_conflict_and_the_stored_one_is_kept(device_enrolled):
    device, _ = device_enrolled()
    event = scan()
    send(device, [event])
    changes = [
        {"verdict": "REVOKED"},
        {"direction": "out"},
        {"officer": "Aidos"},
        {"device_time": DURING_TRIP + timedelta(microseconds=1)},
        {"permit_id": uuid.uuid4()},
        {"detail": ""},
    ]
    for change in changes:
        assert statuses(send(device, [{**event, **change}])) == ["conflict"], change
    stored = CrossingEvent.objects.get(pk=event["id"])
    assert (stored.verdict, stored.direction, stored.officer) == ("VALID", "in", "Serik")
    assert CrossingEvent.objects.count() == 1


def test_an_id_twice_in_one_batch_is_stored_once(device_enrolled):
    device, _ = device_enrolled()
    event = scan()

    answer = send(device, [event, dict(event), {**event, "verdict": "REVOKED"}])

    assert statuses(answer) == ["stored", "duplicate", "conflict"]
    assert CrossingEvent.objects.get().verdict == "VALID"


def test_another_devices_event_id_is_a_conflict_for_other_content_and_a_duplicate_for_the_same(device_enrolled):
    """A node re-enrolled as a new device resends what it had not had acknowledged: the same event."""
    old, _ = device_enrolled(label="old laptop")
    new, _ = device_enrolled(label="new laptop")
    event = scan()
    send(old, [event])

    assert statuses(send(new, [event])) == ["duplicate"]
    assert statuses(send(new, [{**event, "officer": "Aidos"}])) == ["conflict"]
    assert CrossingEvent.objects.get().device == old


def test_events_stay_append_only(device_enrolled):
    device, _ = device_enrolled()
    event = scan()
    send(device, [event])
    stored = CrossingEvent.objects.get()
    with pytest.raises(InvalidTransition):
        stored.save()
    with pytest.raises(InvalidTransition):
        CrossingEvent.objects.filter(pk=stored.pk).update(verdict="REVOKED")
    with pytest.raises(IntegrityError), transaction.atomic():
        CrossingEvent.objects.bulk_create([CrossingEvent(**_same_row(stored))])


def _same_row(stored: CrossingEvent) -> dict:
    return {field.attname: getattr(stored, field.attname) for field in CrossingEvent._meta.concrete_fields}


# --- Clock skew --------------------------------------------------------------------------------------------------


def test_the_skew_is_measured_per_batch_and_corrects_the_event_time(device_enrolled, settings):
    device, _ = device_enrolled()
    settings.TENGRI_CLOCK_SKEW_FLAG_S = 120
    behind, slightly, ahead = scan(), scan(), scan()

    answer = send(device, [behind], skew_s=300)
    assert answer["clock_skew_s"] == 300
    send(device, [slightly], skew_s=120)
    send(device, [ahead], skew_s=-121.5)

    rows = {row.id: row for row in CrossingEvent.objects.all()}
    assert (rows[behind["id"]].clock_skew_s, rows[behind["id"]].skew_flagged) == (300, True)
    assert rows[behind["id"]].occurred_at == DURING_TRIP + timedelta(seconds=300)
    assert rows[behind["id"]].device_time == DURING_TRIP
    assert (rows[slightly["id"]].clock_skew_s, rows[slightly["id"]].skew_flagged) == (120, False)
    assert (rows[ahead["id"]].clock_skew_s, rows[ahead["id"]].skew_flagged) == (-121.5, True)
    assert rows[ahead["id"]].occurred_at == DURING_TRIP - timedelta(seconds=121.5)
    device.refresh_from_db()
    assert device.last_clock_skew_s == -121.5


def test_a_crossing_from_the_paper_log_keeps_the_time_written_down(device_enrolled):
    """The laptop's clock was reset (its battery died): its skew corrects what the laptop timed, never the
    times an officer typed in from the paper log."""
    device, _ = device_enrolled()
    timed, typed = scan(), scan(method="paper")

    send(device, [timed, typed], skew_s=27 * 365 * 86400)

    rows = {row.id: row for row in CrossingEvent.objects.all()}
    assert rows[timed["id"]].occurred_at == DURING_TRIP + timedelta(days=27 * 365)
    assert rows[typed["id"]].occurred_at == DURING_TRIP
    assert rows[typed["id"]].skew_flagged and rows[typed["id"]].method == "paper"


def test_a_duplicate_keeps_the_skew_of_its_first_arrival(device_enrolled):
    device, _ = device_enrolled()
    event = scan()
    send(device, [event], skew_s=400)
    answer = send(device, [event], skew_s=3)
    assert answer["clock_skew_s"] == 3 and statuses(answer) == ["duplicate"]
    stored = CrossingEvent.objects.get()
    assert (stored.clock_skew_s, stored.skew_flagged) == (400, True)


def test_an_empty_batch_still_measures_the_clock(device_enrolled):
    device, _ = device_enrolled()
    answer = send(device, [], skew_s=-7)
    assert answer["results"] == [] and answer["clock_skew_s"] == -7
    device.refresh_from_db()
    assert device.last_clock_skew_s == -7 and device.last_seen_at == DURING_TRIP


# --- Holders -----------------------------------------------------------------------------------------------------


def test_the_permit_id_finds_the_application_and_member(device_enrolled, device_world):
    device, _ = device_enrolled()
    permit = live_permits(device_world)[0]
    ours, foreign = scan(permit_id=permit.id), scan(permit_id=uuid.uuid4(), verdict="BAD_SIGNATURE")

    send(device, [ours, foreign])

    stored = CrossingEvent.objects.get(pk=ours["id"])
    assert (stored.application, stored.member, stored.permit_id) == (device_world, permit.member, permit.id)
    unknown = CrossingEvent.objects.get(pk=foreign["id"])
    assert (unknown.application, unknown.member, unknown.permit_id) == (None, None, foreign["permit_id"])


# --- Refused: all or nothing -------------------------------------------------------------------------------------


def test_a_device_cannot_post_for_another_checkpoint(device_enrolled):
    device, _ = device_enrolled("KRK-HB-KZ")
    batch = [scan(), scan(checkpoint="NIB-HP"), scan()]

    with pytest.raises(AccessDenied, match="belongs to KRK-HB-KZ, not NIB-HP"):
        send(device, batch)

    assert not CrossingEvent.objects.exists()
    device.refresh_from_db()
    assert device.last_clock_skew_s is None


def test_a_device_revoked_after_signing_in_stores_nothing(device_enrolled):
    device, _ = device_enrolled()
    device_revoke(actor=None, device_id=device.pk, reason="stolen")
    with pytest.raises(AccessDenied, match="revoked"):
        send(device, [scan()])  # the `device` object still says it is not revoked: the service reads it again
    assert not CrossingEvent.objects.exists()


def test_more_than_500_events_are_refused(device_enrolled):
    device, _ = device_enrolled()
    with pytest.raises(InvalidInput, match="at most 500"):
        send(device, [scan() for _ in range(501)])
    assert not CrossingEvent.objects.exists()
    assert statuses(send(device, [scan() for _ in range(500)])) == ["stored"] * 500


@pytest.mark.parametrize(
    "bad",
    [
        {"direction": "up"},
        {"method": "telepathy"},
        {"verdict": ""},
        {"id": "not-a-uuid"},
        {"permit_id": "not-a-uuid"},
        {"detail": "x" * 301},
        {"officer": "x" * 101},
        {"nationality": "DEUT"},
        {"holder_name": "NUL\x00BYTE"},
        {"device_time": "yesterday"},
    ],
)
def test_one_malformed_event_refuses_the_batch(device_enrolled, bad):
    device, _ = device_enrolled()
    with pytest.raises(InvalidInput):
        send(device, [scan(), scan(**bad)])
    assert not CrossingEvent.objects.exists()


def test_an_event_without_a_required_field_refuses_the_batch(device_enrolled):
    device, _ = device_enrolled()
    event = scan()
    del event["verdict"]
    with pytest.raises(InvalidInput, match="lacks verdict"):
        send(device, [event])
    assert not CrossingEvent.objects.exists()


def test_a_node_whose_clock_was_reset_still_syncs_and_its_times_are_put_right(device_enrolled):
    """A flat clock battery: the laptop thinks it is 1 January 1970, an hour after it booted."""
    device, _ = device_enrolled()
    booted = datetime(1970, 1, 1, tzinfo=UTC)
    event = scan(device_time=booted + timedelta(minutes=20))

    answer = events_ingest(device=device, sent_at=booted + timedelta(hours=1), events=[event], now=DURING_TRIP)

    assert statuses(answer) == ["stored"]
    stored = CrossingEvent.objects.get()
    assert stored.device_time == booted + timedelta(minutes=20) and stored.skew_flagged
    assert stored.occurred_at == DURING_TRIP - timedelta(minutes=40)


def test_times_that_contradict_each_other_beyond_the_calendar_are_stored_flagged_at_arrival(device_enrolled):
    device, _ = device_enrolled()
    late = scan(device_time=datetime(9999, 12, 31, tzinfo=UTC))

    answer = events_ingest(device=device, sent_at=datetime(1, 1, 2, tzinfo=UTC), events=[late], now=DURING_TRIP)

    assert statuses(answer) == ["stored"]
    stored = CrossingEvent.objects.get()
    assert (stored.occurred_at, stored.skew_flagged) == (DURING_TRIP, True)
    assert stored.device_time == datetime(9999, 12, 31, tzinfo=UTC)


# --- Refused scans raise an alert ---------------------------------------------------------------------------------


def test_refused_scans_are_mailed_to_the_border_officers_of_the_checkpoints_state(
    device_enrolled, device_world, django_capture_on_commit_callbacks
):
    krk, _ = device_enrolled("KRK-HB-KZ")
    nib, _ = device_enrolled("NIB-HP")
    another_kz, another_kg = factories.border_officer("KZ"), factories.border_officer("KG")
    refused = scan(verdict="REVOKED", detail="permit revoked on 12 Jul", holder_name="NOWAK PIOTR", nationality="POL")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        send(krk, [scan(), refused], skew_s=300)

    [message] = mail.outbox
    assert sorted(message.to) == sorted(["officer-kz@tengri.example", another_kz.email])
    assert message.subject == "[Tengri] attempted crossing with a refused permit at KRK-HB-KZ"
    assert "REVOKED: permit revoked on 12 Jul" in message.body
    assert "holder as claimed: NOWAK PIOTR, POL, KT-2027-000001, KT-N-KZ" in message.body
    local = DURING_TRIP + timedelta(seconds=300) + timedelta(hours=5)
    assert f"{local:%Y-%m-%d %H:%M} (UTC+5) (device clock off by 300 s)" in message.body
    assert "MUELLER" not in message.body  # the VALID scan is no alert

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send(nib, [scan("NIB-HP", verdict="WRONG_CHECKPOINT", holder_name="")])
    [message] = mail.outbox
    assert sorted(message.to) == sorted(["officer-kg@tengri.example", another_kg.email])
    assert "at NIB-HP" in message.subject and "(UTC+6)" in message.body
    assert "holder unknown" in message.body


def test_a_refused_scan_sent_again_is_not_mailed_again_and_valid_scans_are_never_mailed(
    device_enrolled, device_world, django_capture_on_commit_callbacks
):
    device, _ = device_enrolled()
    refused = scan(verdict="EXPIRED")
    with django_capture_on_commit_callbacks(execute=True):
        send(device, [refused])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(device, [refused, scan(), scan(direction="out")])

    assert callbacks == [] and mail.outbox == []
