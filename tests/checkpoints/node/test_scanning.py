"""Scanning at a node: offline verification with the last pulled trust data, the event recorded before the
verdict, look-up by passport number through the sealed manifest. The permits are the demo group's, signed by
both authorities' real keys; the trust data comes from the centre through its API."""

import io
import sqlite3
from datetime import timedelta

import pytest
from PIL import Image

from tengri.checkpoints.node.node import Node
from tengri.checkpoints.node.scanning import NoPermitFound, NotReady
from tengri.checkpoints.node.store import DB_FILE
from tengri.core.errors import InvalidInput
from tengri.permits.codec import qr_png
from tengri.permits.services import permit_revoke
from tengri.permits.verify import read_claims


def recorded(node: Node) -> list:
    return [event for event, _ack in node.store.events_all()]


def test_a_valid_permit_is_accepted_and_its_event_recorded_before_the_answer(node, qr_texts, node_clock):
    claims = read_claims(qr_texts[0])

    result = node.scan(qr=qr_texts[0] + "\n", direction="in", officer="Serik Abenov")

    assert (result.ok, result.verdict) == (True, "VALID")
    with sqlite3.connect(node.home / DB_FILE) as another_process:  # committed before the answer
        assert another_process.execute("SELECT id, verdict FROM events").fetchall() == [(result.event.id, "VALID")]
    assert result.event.method == "qr"
    assert result.event.permit_id == str(claims.permit_id)
    assert result.event.device_time == node_clock.moment.isoformat()
    assert (result.event.checkpoint, result.event.direction, result.event.officer) == (
        "KRK-HB-KZ",
        "in",
        "Serik Abenov",
    )
    person = result.person
    assert person is not None
    assert (person.name, person.nationality, person.role) == (
        f"{claims.surname} {claims.given_names}",
        claims.nationality,
        claims.role,
    )
    assert (person.reference, person.route) == ("KT-2027-000001", "KT-N-KZ")
    assert (result.trust_age_s, result.revocations_age_s, result.warnings) == (0.0, 0.0, ())


def test_a_refused_scan_is_an_event_too(node):
    result = node.scan(qr="HC1:not a permit", direction="out", officer="Serik")

    assert (result.ok, result.verdict, result.person) == (False, "BAD_PREFIX", None)
    assert recorded(node) == [result.event]
    assert (result.event.permit_id, result.event.holder_name, result.event.verdict) == (None, "", "BAD_PREFIX")


def test_a_permit_is_refused_outside_its_window_and_at_a_checkpoint_not_on_it(make_node, qr_texts, node_clock):
    elsewhere = make_node("KRK-HB-KG", "kg")
    assert elsewhere.scan(qr=qr_texts[0], direction="in", officer="Bakyt").verdict == "WRONG_CHECKPOINT"

    helipad = make_node("NIB-HP", "nib")
    node_clock.moment += timedelta(days=20)  # 2 August: after the window at NIB-HP (to 28 July)
    result = helipad.scan(qr=qr_texts[0], direction="out", officer="Bakyt")
    assert result.verdict in {"OUTSIDE_WINDOW", "EXPIRED"}
    assert result.event.checkpoint == "NIB-HP"


def test_the_checkpoints_local_date_decides_the_window(make_node, qr_texts, node_clock):
    """The window at KRK-HB-KZ opens on 12 July local time (UTC+5): 20:00 UTC on 11 July is 01:00 on the 12th."""
    node = make_node("KRK-HB-KZ", "krk")
    first_day = read_claims(qr_texts[0]).checkpoints[0].first_day
    assert first_day.isoformat() == "2027-07-12"
    node_clock.moment = node_clock.moment.replace(day=11, hour=18, minute=59)
    assert node.scan(qr=qr_texts[0], direction="in", officer="Serik").verdict == "OUTSIDE_WINDOW"
    node_clock.moment = node_clock.moment.replace(hour=19, minute=0)
    assert node.scan(qr=qr_texts[0], direction="in", officer="Serik").verdict == "VALID"


def test_a_photo_of_the_qr_is_read_and_verified(node, qr_texts):
    result = node.scan(image=qr_png(qr_texts[1]), direction="in", officer="Serik")

    assert (result.verdict, result.event.method) == ("VALID", "image")
    assert result.event.permit_id == str(read_claims(qr_texts[1]).permit_id)


def test_an_image_without_a_qr_is_a_usage_error_and_records_nothing(node):
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    with pytest.raises(InvalidInput, match="no QR code"):
        node.scan(image=blank.getvalue(), direction="in", officer="Serik")
    with pytest.raises(InvalidInput, match="not a readable"):
        node.scan(image=b"GIF89a...", direction="in", officer="Serik")
    assert recorded(node) == []


@pytest.mark.parametrize(
    "arguments",
    [
        {"direction": "in", "officer": "Serik"},
        {"qr": "TGP1:", "passport": "N1", "direction": "in", "officer": "Serik"},
        {"qr": "TGP1:", "direction": "sideways", "officer": "Serik"},
        {"qr": "TGP1:", "direction": "in", "officer": "  "},
    ],
)
def test_a_scan_needs_one_source_a_direction_and_an_officer(node, arguments):
    with pytest.raises(InvalidInput):
        node.scan(**arguments)
    assert recorded(node) == []


def test_a_person_without_their_qr_is_looked_up_by_passport_number(node, qr_texts):
    claims = read_claims(qr_texts[2])
    typed = " ".join(claims.document_number.lower())  # as typed in a hurry

    result = node.lookup(typed, direction="in", officer="Serik")

    assert (result.verdict, result.event.method) == ("VALID", "lookup")
    assert result.event.permit_id == str(claims.permit_id)
    assert result.person is not None and result.person.document_number == claims.document_number


def test_no_passport_number_or_birth_date_is_readable_in_the_nodes_files(node, qr_texts):
    """The manifest is sealed and indexed by a keyed hash; events carry neither."""
    for text in qr_texts:
        node.lookup(read_claims(text).document_number, direction="in", officer="Serik")
        node.scan(qr=text, direction="out", officer="Serik")
    node.store.close()
    files = b"".join(path.read_bytes() for path in node.home.glob(f"{DB_FILE}*"))
    for text in qr_texts:
        claims = read_claims(text)
        assert claims.document_number.encode() not in files
        assert claims.birth_date.isoformat().encode() not in files
        assert text[5:40].encode() not in files  # nor the QR text itself
        assert claims.surname.encode() in files  # names are kept readable, as at the centre


def test_an_unknown_passport_number_is_not_found_and_records_nothing(node):
    with pytest.raises(NoPermitFound, match="no permit for passport X0000000"):
        node.lookup("X0000000", direction="in", officer="Serik")
    assert recorded(node) == []


def test_a_revocation_counts_from_the_next_pull(node, permits, qr_texts):
    permit_revoke(actor=None, permit=permits[0], reason="lost on the glacier")

    stale = node.scan(qr=qr_texts[0], direction="in", officer="Serik")
    assert stale.verdict == "VALID"  # offline, the node knows only what it pulled

    assert node.pull().ok
    fresh = node.scan(qr=qr_texts[0], direction="in", officer="Serik")
    assert fresh.verdict == "REVOKED"
    assert fresh.person is not None and fresh.person.permit_id == str(permits[0].id)
    assert [event.verdict for event in recorded(node)] == ["VALID", "REVOKED"]


def test_a_node_that_never_pulled_cannot_verify(make_node, qr_texts):
    node = make_node("KRK-HB-KZ", pulled=False)
    with pytest.raises(NotReady, match="tengri checkpoint pull"):
        node.scan(qr=qr_texts[0], direction="in", officer="Serik")
    assert recorded(node) == []
    assert node.status()["warnings"] == ["the trust list was never pulled: scans cannot be verified"]


def test_old_trust_data_is_used_with_a_warning(node, qr_texts, node_clock):
    node_clock.moment += timedelta(hours=25)
    result = node.scan(qr=qr_texts[0], direction="in", officer="Serik")

    assert result.verdict == "VALID"
    assert result.trust_age_s == result.revocations_age_s == 25 * 3600
    assert result.warnings == (
        "the trust list is 25 h old: pull when a connection is available",
        "the revocation list is 25 h old: a permit revoked since would pass",
    )


def test_no_verdict_without_its_event(node, qr_texts):
    """If the event cannot be written, the officer gets an error, not a verdict."""
    node.store.close()
    with pytest.raises(Exception, match="closed"):
        node.scan(qr=qr_texts[0], direction="in", officer="Serik")


def test_recent_events_are_newest_first_with_their_acknowledgement(node, qr_texts):
    first = node.scan(qr=qr_texts[0], direction="in", officer="Serik")
    assert node.push().ok
    second = node.scan(qr="garbage", direction="in", officer="Serik")

    recent = node.recent_events(10)

    assert [(row["id"], row["acknowledged"]) for row in recent] == [(second.event.id, None), (first.event.id, "stored")]
    assert recent[1]["verdict"] == "VALID"
