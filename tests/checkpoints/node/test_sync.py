"""Pull and push between a node and the real centre (in-process, on the test database): whole-part
replacement, per-event acknowledgements, resending after lost answers, conflicts, refusals, clock skew."""

import dataclasses
from datetime import timedelta

import httpx
import pytest

from tengri.checkpoints.devices import device_revoke
from tengri.checkpoints.ingest import CONTENT
from tengri.checkpoints.models import CrossingEvent
from tengri.checkpoints.node.client import CentreClient, DeviceRefused, NodeOffline, ServerRefused
from tengri.checkpoints.node.events import NodeEvent
from tengri.checkpoints.node.node import Node
from tengri.checkpoints.node.uuid7 import uuid7
from tengri.permits.services import permit_revoke

from .centre import SERVER, CentreTransport, FaultyNetwork
from .world import centre_events


def centre_copy(event_ids) -> dict[str, dict]:
    """The centre's events, as the node's wire format describes them."""
    return {event_id: wire for event_id, (_device, wire) in centre_events(event_ids).items()}


def scans(node: Node, qr_texts: list[str], count: int) -> list[NodeEvent]:
    texts = [*qr_texts, "TGP1:broken", "not a permit"]
    return [
        node.scan(qr=texts[i % len(texts)], direction="in" if i % 2 == 0 else "out", officer="Serik").event
        for i in range(count)
    ]


# --- pull -------------------------------------------------------------------------------------------------------


def test_a_pull_brings_the_trust_list_the_revocations_and_todays_manifest(make_node, permits):
    node = make_node("KRK-HB-KZ", pulled=False)

    report = node.pull(days=2)

    assert report.ok
    assert [part.part for part in report.parts] == ["trust list", "revocations", "manifest"]
    status = node.status()
    assert status["trust_list"]["keys"] == 2
    assert status["revocations"]["revoked"] == 0
    assert (status["manifest"]["permits"], status["manifest"]["days"]) == (len(permits), 2)
    assert status["checkpoint"] == {
        "code": "KRK-HB-KZ",
        "name": "Karkara heli base (KZ)",
        "country": "KZ",
        "utc_offset_hours": 5,
    }


def test_the_manifest_holds_only_permits_valid_here_in_the_days_pulled(make_node, node_clock, permits):
    node = make_node("KRK-HB-KZ", pulled=False)
    node_clock.moment += timedelta(days=30)  # 12 August: the group's windows have closed
    assert node.pull(days=3).ok
    assert node.status()["manifest"]["permits"] == 0


def test_a_part_cut_in_transit_keeps_the_last_good_copy(make_node, centre, permits):
    network = FaultyNetwork(centre)
    node = make_node("KRK-HB-KZ", transport=network)
    permit_revoke(actor=None, permit=permits[0], reason="lost")
    before = node.status()

    network.plan = ["pass", "cut_answer", "cut_answer"]  # the trust list arrives; the others are cut
    report = node.pull()

    assert not report.ok
    assert [(part.part, part.ok) for part in report.parts] == [("trust list", True), ("revocations", False)]
    assert "did not arrive whole" in (report.error or "")
    after = node.status()
    assert after["revocations"] == before["revocations"]  # the revoked permit is not known yet
    assert after["manifest"] == before["manifest"]
    assert after["last_error"]["action"] == "pull revocations"


def test_a_malformed_part_is_refused_and_the_other_parts_still_come(make_node, centre, node_clock):
    class BadTrustList(httpx.BaseTransport):
        def handle_request(self, request):
            if request.url.path.endswith("/trust-list"):
                return httpx.Response(200, json={"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "short"}]})
            return centre.handle_request(request)

    node = make_node("KRK-HB-KZ", transport=BadTrustList(), pulled=False)

    report = node.pull()

    assert [(part.part, part.ok) for part in report.parts] == [
        ("trust list", False),
        ("revocations", True),
        ("manifest", True),
    ]
    assert "does not follow the spec" in (report.error or "")
    assert node.status()["trust_list"] is None


def test_a_pull_when_offline_changes_nothing_and_says_so(make_node, centre):
    network = FaultyNetwork(centre)
    node = make_node("KRK-HB-KZ", transport=network)
    before = node.status()
    network.plan = ["lost_request"]

    report = node.pull()

    assert [(part.part, part.ok) for part in report.parts] == [("trust list", False)]
    assert "out of reach" in (report.error or "")
    after = node.status()
    assert (after["trust_list"], after["manifest"]) == (before["trust_list"], before["manifest"])


# --- push -------------------------------------------------------------------------------------------------------


def test_a_push_stores_each_event_at_the_centre_exactly_as_recorded(node, qr_texts, permits):
    recorded = scans(node, qr_texts, 7)

    report = node.push(batch_size=3)

    assert (report.ok, report.batches, report.sent, report.stored, report.pending) == (True, 3, 7, 7, 0)
    assert centre_copy(e.id for e in recorded) == {e.id: e.wire() for e in recorded}
    stored = CrossingEvent.objects.get(pk=recorded[0].id)
    assert stored.member_id == permits[0].member_id  # the centre found the member through the permit id
    assert [ack for _, ack in node.store.events_all()] == ["stored"] * 7


def test_a_second_push_sends_nothing(node, qr_texts, centre):
    scans(node, qr_texts, 2)
    assert node.push().ok
    requests = len(centre.requests)

    report = node.push()

    assert (report.ok, report.batches, report.sent) == (True, 0, 0)
    assert len(centre.requests) == requests


def test_a_lost_answer_leaves_the_batch_pending_and_the_next_push_gets_duplicates(make_node, centre, qr_texts):
    network = FaultyNetwork(centre)
    node = make_node("KRK-HB-KZ", transport=network)
    recorded = scans(node, qr_texts, 5)
    network.plan = ["pass", "lost_answer"]

    first = node.push(batch_size=2)

    assert (first.ok, first.stored, first.pending) == (False, 2, 3)
    assert "out of reach" in (first.error or "")
    assert len(centre_copy(e.id for e in recorded)) == 4  # the second batch arrived and was stored

    second = node.push(batch_size=2)

    assert (second.ok, second.stored, second.duplicate, second.pending) == (True, 1, 2, 0)
    assert centre_copy(e.id for e in recorded) == {e.id: e.wire() for e in recorded}
    assert [ack for _, ack in node.store.events_all()] == ["stored", "stored", "duplicate", "duplicate", "stored"]
    assert node.status()["last_error"]["action"] == "push"


def test_acknowledgements_follow_the_ids_not_the_order_of_the_answer(make_node, centre, qr_texts):
    network = FaultyNetwork(centre)
    node = make_node("KRK-HB-KZ", transport=network)
    recorded = scans(node, qr_texts, 6)
    network.plan = ["shuffled"]

    report = node.push(batch_size=6)

    assert (report.ok, report.stored) == (True, 6)
    assert centre_copy(e.id for e in recorded) == {e.id: e.wire() for e in recorded}


def test_a_conflicting_event_is_kept_at_the_centre_and_reported(make_node, qr_texts):
    first, second = make_node("KRK-HB-KZ", "first"), make_node("KRK-HB-KZ", "second")
    original = scans(first, qr_texts, 1)[0]
    assert first.push().ok
    forged = dataclasses.replace(original, detail="another scan under the same id")
    second.store.event_append(forged)

    report = second.push()

    assert report.conflicts == [original.id]
    assert report.ok  # the conflict is answered and acknowledged; it is reported, not retried
    assert centre_copy([original.id])[original.id] == original.wire()
    assert second.status()["events"]["conflict"] == 1
    assert second.store.sync_log_last(action="push").conflict == 1


def test_a_revoked_device_is_refused_and_keeps_its_events(node, qr_texts):
    recorded = scans(node, qr_texts, 2)
    device_revoke(actor=None, device_id=node.config.device_id, reason="laptop stolen")

    report = node.push()

    assert not report.ok
    assert report.error is not None and report.error.startswith("401")
    assert report.pending == 2
    assert centre_copy(e.id for e in recorded) == {}
    assert "401" in node.status()["last_error"]["detail"]


def test_an_event_the_centre_refuses_does_not_hold_the_others_back(node, qr_texts):
    """An event the centre refuses (here: recorded by a node that did not cut its texts to the centre's
    columns) is isolated and left pending; the events after it are stored."""
    first = scans(node, qr_texts, 1)[0]
    broken = dataclasses.replace(first, id=str(uuid7()), detail="x" * 301)
    node.store.event_append(broken)
    recorded = [first, *scans(node, qr_texts, 3)]  # the broken one is second in line

    report = node.push(batch_size=5)

    assert list(report.refused) == [broken.id]
    assert report.refused[broken.id].startswith("422")
    assert (report.ok, report.stored, report.pending) == (False, 4, 1)
    assert set(centre_copy(e.id for e in [*recorded, broken])) == {e.id for e in recorded}


def test_the_centre_measures_the_devices_clock(make_node, node_clock, qr_texts):
    laptop_clock = {"behind": timedelta(minutes=10)}
    node = make_node("KRK-HB-KZ")
    node._clock = lambda: node_clock.moment - laptop_clock["behind"]
    recorded = scans(node, qr_texts, 1)

    report = node.push()

    assert report.clock_skew_s == 600.0
    stored = CrossingEvent.objects.get(pk=recorded[0].id)
    assert stored.skew_flagged
    assert stored.occurred_at == node_clock.moment  # the device's time, corrected
    assert node.status()["warnings"] == ["this laptop's clock is 10 min behind the centre's: set it right"]


# --- the client's errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("lost_request", NodeOffline, "out of reach"),
        ("error_before", NodeOffline, "answered 500"),
        ("error_after", NodeOffline, "answered 502"),
        ("cut_answer", NodeOffline, "did not arrive whole"),
        ("delayed", NodeOffline, "did not answer in time"),
    ],
)
def test_every_network_or_server_failure_reads_as_offline(centre, trip, fault, error, words):
    network = FaultyNetwork(centre, plan=[fault])
    with CentreClient(SERVER, transport=network) as client, pytest.raises(error, match=words):
        client.trust_list()


def test_a_wrong_credential_is_refused_and_a_spent_token_too(node):
    wrong = CentreClient(SERVER, credential=node.config.credential + "x", transport=CentreTransport())
    with wrong, pytest.raises(DeviceRefused) as refused:
        wrong.manifest(days=3)
    assert refused.value.status == 401
    anonymous = CentreClient(SERVER, transport=CentreTransport())
    with anonymous, pytest.raises(ServerRefused, match="not valid"):
        anonymous.enrol("a token that was never issued")


def test_a_node_posting_for_another_checkpoint_is_forbidden(node, qr_texts):
    recorded = scans(node, qr_texts, 1)[0]
    elsewhere = dataclasses.replace(recorded, id=str(uuid7()), checkpoint="NIB-HP")
    client = CentreClient(SERVER, credential=node.config.credential, transport=CentreTransport())
    with client, pytest.raises(DeviceRefused) as refused:
        client.events_post(sent_at=node.now(), events=[elsewhere.wire()])
    assert refused.value.status == 403


def test_what_the_node_compares_is_what_the_centre_compares():
    """The node's wire fields and the centre's content fields name the same things."""
    assert set(CONTENT) == {field.name for field in dataclasses.fields(NodeEvent)} - {"id", "checkpoint"}
