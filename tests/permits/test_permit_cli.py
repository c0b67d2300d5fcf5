"""`tengri permit list|qr|revocations|verify` on the demo's approved group: each verdict code through the command
(exit 0 valid, 1 invalid, 2 usage error), online (this server's keys and revocations) and offline (the files a
checkpoint last synced)."""

import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from tengri.expeditions import services
from tengri.permits.models import Permit, SigningKey

from . import independent
from .test_issuing import (
    AMENDED_ON,
    APPROVED,
    DURING_TRIP,
    IN_SEASON,
    PLANNED,
    b64url,
    demo_user,
    live_permits,
    numeric,
    qr_of,
    tengri,
)

AT_TRIP = ("--at", DURING_TRIP)


@pytest.fixture
def permit(world) -> Permit:
    return live_permits(world)[1]  # MUELLER ANNA, a climber


@pytest.fixture
def text(capsys, permit) -> str:
    return qr_of(capsys, permit)


def verify(capsys, qr: str, *options: str) -> tuple[int, dict]:
    code, out, err = tengri(capsys, "permit", "verify", "--qr", qr, "--json", *options)
    assert err == ""
    return code, json.loads(out)


def verify_image(capsys, path, *options: str) -> tuple[int, dict]:
    code, out, err = tengri(capsys, "permit", "verify", "--image", str(path), "--json", *options)
    assert err == ""
    return code, json.loads(out)


def export(capsys, tmp_path, name: str) -> tuple[str, str]:
    """The trust list and revocation list as a checkpoint syncs them, written to files."""
    trust, revocations = tmp_path / f"{name}-trust.json", tmp_path / f"{name}-revocations.json"
    assert tengri(capsys, "keys", "export-trust-list", "--out", str(trust))[0] == 0
    code, out, _ = tengri(capsys, "permit", "revocations")
    assert code == 0
    revocations.write_text(out)
    return str(trust), str(revocations)


# --- What a checkpoint scans ------------------------------------------------------------------------------------


def test_permit_list_shows_each_members_permit_and_qr_prints_what_a_checkpoint_scans(world, capsys):
    code, out, _ = tengri(capsys, "permit", "list", "--application", APPROVED, "--json")
    rows = json.loads(out)
    assert code == 0
    assert sorted((row["holder"], row["role"]) for row in rows) == sorted(
        (member.name, member.role) for member in world.members.all()
    )
    assert {row["id"] for row in rows} == {str(permit.id) for permit in live_permits(world)}
    assert all(row["application"] == APPROVED and row["revoked"] is None for row in rows)

    code, out, _ = tengri(capsys, "permit", "list")
    assert code == 0 and len(out.splitlines()) == 4 and "MUELLER ANNA" in out

    code, out, _ = tengri(capsys, "permit", "qr", rows[0]["id"])
    assert code == 0 and out.startswith("TGP1:") and len(out.splitlines()) == 1


def test_unknown_permits_and_applications_are_clear_errors(world, capsys):
    code, out, err = tengri(capsys, "permit", "qr", "00000000-0000-0000-0000-000000000000")
    assert (code, out) == (1, "") and "no permit" in err
    code, out, err = tengri(capsys, "permit", "qr", "not-a-uuid")
    assert (code, out) == (1, "") and "UUID" in err
    code, _, err = tengri(capsys, "permit", "list", "--application", "KT-2027-999999")
    assert code == 1 and "KT-2027-999999" in err


def test_a_phone_photo_of_the_qr_verifies(capsys, permit, tmp_path):
    """A JPEG, smaller, slightly turned and on grey paper, as a phone would take it."""
    image = tmp_path / "permit.png"
    assert tengri(capsys, "permit", "qr", str(permit.id), "--png", str(image))[0] == 0
    with Image.open(image) as symbol:
        photo = symbol.convert("L").rotate(7, expand=True, fillcolor=200).resize((420, 420))
    photo.save(tmp_path / "photo.jpg", quality=70)

    code, verdict = verify_image(capsys, tmp_path / "photo.jpg", *AT_TRIP, "--checkpoint", "KRK-HB-KZ")

    assert (code, verdict["verdict"], verdict["permit_id"]) == (0, "VALID", str(permit.id))


def test_a_png_of_the_qr_verifies_as_the_text_does(capsys, permit, tmp_path):
    image = tmp_path / "permit.png"
    assert tengri(capsys, "permit", "qr", str(permit.id), "--png", str(image))[0] == 0

    code, out, _ = tengri(capsys, "permit", "verify", "--image", str(image), *AT_TRIP, "--checkpoint", "KRK-HB-KZ")

    assert code == 0 and out.startswith("VALID")
    assert "MUELLER ANNA" in out


# --- VALID ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("checkpoint", PLANNED)
def test_every_permit_of_the_group_is_valid_inside_the_trip_at_a_planned_checkpoint(world, capsys, checkpoint):
    for permit in live_permits(world):
        code, verdict = verify(capsys, qr_of(capsys, permit), *AT_TRIP, "--checkpoint", checkpoint)
        assert (code, verdict["verdict"], verdict["ok"]) == (0, "VALID", True)
        assert verdict["holder"] == permit.member.name
        assert verdict["permit_id"] == str(permit.id)
        assert (verdict["reference"], verdict["route"], verdict["role"]) == (APPROVED, "KT-N-KZ", permit.member.role)
        assert [window["code"] for window in verdict["checkpoints"]] == sorted(PLANNED)


def test_the_plain_output_says_the_verdict_and_the_holder(capsys, text):
    code, out, _ = tengri(capsys, "permit", "verify", "--qr", text, *AT_TRIP, "--checkpoint", "NIB-HP")
    assert code == 0
    assert out.splitlines()[0].startswith("VALID:")
    assert "MUELLER ANNA" in out and "KT-N-KZ" in out


# --- Each refusal, its own verdict ------------------------------------------------------------------------------


@pytest.mark.parametrize("checkpoint", ["MAD-HB", "SRB", "KRK-HB-KG"])
def test_a_checkpoint_off_the_route_is_the_wrong_checkpoint(capsys, text, checkpoint):
    code, verdict = verify(capsys, text, *AT_TRIP, "--checkpoint", checkpoint)
    assert (code, verdict["verdict"], verdict["ok"]) == (1, "WRONG_CHECKPOINT", False)
    assert verdict["holder"] == "MUELLER ANNA"  # the officer still sees whom they refused


# The windows of both checkpoints are 12 to 28 July (a day of slack around passages on 13 and 27 July), read in
# the checkpoint's local date: Karkara (KRK-HB-KZ) keeps Kazakhstan's UTC+5, North Inylchek (NIB-HP) lies in
# Kyrgyzstan, UTC+6.
@pytest.mark.parametrize(
    ("at", "checkpoint", "expected"),
    [
        ("2027-07-10T12:00:00+05:00", "KRK-HB-KZ", "OUTSIDE_WINDOW"),  # valid permit, two days early
        ("2027-07-11T18:30:00Z", "KRK-HB-KZ", "OUTSIDE_WINDOW"),  # 23:30 on 11 July in Karkara
        ("2027-07-11T18:30:00Z", "NIB-HP", "VALID"),  # 00:30 on 12 July at North Inylchek
        ("2027-07-11T19:30:00Z", "KRK-HB-KZ", "VALID"),  # 00:30 on 12 July in Karkara
        ("2027-07-28T18:30:00Z", "KRK-HB-KZ", "VALID"),  # 23:30 on 28 July in Karkara
        ("2027-07-28T18:30:00Z", "NIB-HP", "OUTSIDE_WINDOW"),  # 00:30 on 29 July at North Inylchek
        ("2027-07-30T09:00:00+06:00", "NIB-HP", "OUTSIDE_WINDOW"),  # still valid (grace days), past the window
    ],
)
def test_the_window_is_read_in_the_checkpoints_local_date(capsys, text, at, checkpoint, expected):
    code, verdict = verify(capsys, text, "--at", at, "--checkpoint", checkpoint)
    assert (verdict["verdict"], code) == (expected, 0 if expected == "VALID" else 1)


# Valid from 9 July 00:00 UTC (the day before the start) to 31 July 23:59:59 UTC (3 days after the end), with the
# spec's 300 s of clock leeway on each side.
@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2027-07-08T23:54:59Z", "NOT_YET_VALID"),
        ("2027-07-08T23:55:00Z", "VALID"),
        ("2027-08-01T00:04:59Z", "VALID"),
        ("2027-08-01T00:05:00Z", "EXPIRED"),
        ("2027-09-15T12:00:00+05:00", "EXPIRED"),
        ("2027-05-10T06:00:00Z", "NOT_YET_VALID"),
    ],
)
def test_outside_its_validity_a_permit_is_not_yet_valid_or_expired(capsys, text, at, expected):
    code, verdict = verify(capsys, text, "--at", at)
    assert (verdict["verdict"], code) == (expected, 0 if expected == "VALID" else 1)


def test_expiry_is_checked_before_the_checkpoint(capsys, text):
    code, verdict = verify(capsys, text, "--at", "2027-08-02T12:00:00+05:00", "--checkpoint", "MAD-HB")
    assert (code, verdict["verdict"]) == (1, "EXPIRED")


def test_a_removed_members_permit_is_revoked_once_the_revocation_list_says_so(
    world, permit, text, capsys, tmp_path, django_capture_on_commit_callbacks
):
    stale_trust, stale_revocations = export(capsys, tmp_path, "before")
    offline = ("--trust", stale_trust, "--revocations", stale_revocations, *AT_TRIP)
    assert verify(capsys, text, *offline)[1]["verdict"] == "VALID"

    with django_capture_on_commit_callbacks(execute=True):
        services.member_remove(
            actor=demo_user("operator-kz"), application=world, member_id=permit.member_id, today=AMENDED_ON
        )

    code, out, _ = tengri(capsys, "permit", "revocations")
    assert code == 0 and json.loads(out)["revoked"] == [b64url(permit.id.bytes)]
    code, verdict = verify(capsys, text, *AT_TRIP, "--checkpoint", "KRK-HB-KZ")
    assert (code, verdict["verdict"]) == (1, "REVOKED")
    # A checkpoint that has not synced since still accepts it; after the next sync it refuses it.
    assert verify(capsys, text, *offline)[1]["verdict"] == "VALID"
    trust, revocations = export(capsys, tmp_path, "after")
    code, verdict = verify(capsys, text, "--trust", trust, "--revocations", revocations, *AT_TRIP)
    assert (code, verdict["verdict"]) == (1, "REVOKED")
    # The rest of the group travels on.
    for other in live_permits(world):
        assert verify(capsys, qr_of(capsys, other), "--trust", trust, "--revocations", revocations, *AT_TRIP)[0] == 0


def test_a_withdrawn_applications_permits_are_all_revoked(world, capsys, tmp_path, django_capture_on_commit_callbacks):
    texts = [qr_of(capsys, permit) for permit in live_permits(world)]
    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(actor=demo_user("operator-kz"), application=world, reason="trip cancelled")

    trust, revocations = export(capsys, tmp_path, "synced")
    for text in texts:
        assert verify(capsys, text, *AT_TRIP, "--checkpoint", "NIB-HP")[1]["verdict"] == "REVOKED"
        code, verdict = verify(capsys, text, "--trust", trust, "--revocations", revocations, *AT_TRIP)
        assert (code, verdict["verdict"]) == (1, "REVOKED")


def test_a_retired_key_drops_out_of_the_trust_list_when_its_permits_have_expired(world, clock, capsys, tmp_path, text):
    old_kz = SigningKey.objects.get(authority="KZ", state="active")
    assert tengri(capsys, "keys", "create", "--authority", "KZ", "--activate")[0] == 0  # the old KZ key retires
    old_kid = b64url(bytes.fromhex(old_kz.kid))

    # While a permit it signed is unexpired, the retired key is still published and the permit verifies.
    trust, revocations = export(capsys, tmp_path, "july")
    assert old_kid in {jwk["kid"] for jwk in json.loads(Path(trust).read_text())["keys"]}
    assert verify(capsys, text, "--trust", trust, "--revocations", revocations, *AT_TRIP)[1]["verdict"] == "VALID"

    clock.moment = datetime(2027, 8, 5, tzinfo=UTC)  # every permit it signed expired on 31 July
    trust, revocations = export(capsys, tmp_path, "august")
    published = json.loads(Path(trust).read_text())["keys"]
    assert old_kid not in {jwk["kid"] for jwk in published}
    assert sorted(jwk["country"] for jwk in published) == ["KG", "KZ"]  # the new KZ key and KG's

    code, verdict = verify(capsys, text, "--trust", trust, "--revocations", revocations, *AT_TRIP)
    assert (code, verdict["verdict"]) == (1, "MISSING_SIGNATURE")
    assert "KZ" in verdict["detail"]
    code, verdict = verify(capsys, text, "--at", "2027-08-05T00:00:00Z")  # this server's own list at that time
    assert (code, verdict["verdict"]) == (1, "MISSING_SIGNATURE")


def claims_for_the_demo_trip(**permit_fields) -> dict:
    claims = independent.sample_claims(
        ref=APPROVED,
        pts=[{"cp": "KRK-HB-KZ", "from": "2027-07-12", "to": "2027-07-28"}],
        **permit_fields,
    )
    claims.update({4: numeric("2027-07-31T23:59:59+00:00"), 5: numeric("2027-07-09T00:00:00+00:00")})
    claims[6] = int(IN_SEASON.timestamp())
    return claims


def test_a_permit_we_did_not_issue_is_missing_its_signatures(world, capsys, tmp_path):
    theirs = [
        independent.Authority(country, numeric("2027-01-01T00:00:00+00:00"), numeric("2029-01-01T00:00:00+00:00"))
        for country in ("KZ", "KG")
    ]
    forged = independent.issue(claims_for_the_demo_trip(), theirs)

    code, verdict = verify(capsys, forged, *AT_TRIP, "--checkpoint", "KRK-HB-KZ")
    assert (code, verdict["verdict"]) == (1, "MISSING_SIGNATURE")

    # Given a trust list that does publish those keys, the same permit is valid: the formats agree.
    other_trust = tmp_path / "other-trust.json"
    other_trust.write_text(json.dumps({"keys": [authority.jwk() for authority in theirs]}))
    code, verdict = verify(capsys, forged, "--trust", str(other_trust), *AT_TRIP, "--checkpoint", "KRK-HB-KZ")
    assert (code, verdict["verdict"], verdict["holder"]) == (0, "VALID", "OTHER TEAM")


def rebuilt(text: str, change) -> str:
    message = cbor2.loads(zlib.decompress(base45.b45decode(text.removeprefix("TGP1:"))))
    change(message.value)
    return "TGP1:" + base45.b45encode(zlib.compress(cbor2.dumps(message))).decode("ascii")


def test_a_changed_payload_has_a_bad_signature_and_a_dropped_signature_is_missing(capsys, text):
    def rename(value):
        claims = cbor2.loads(value[2])
        claims[-70001]["sn"] = "SOMEONE"
        value[2] = cbor2.dumps(claims)

    code, verdict = verify(capsys, rebuilt(text, rename), *AT_TRIP)
    assert (code, verdict["verdict"]) == (1, "BAD_SIGNATURE")

    def drop_kg(value):
        kg_kid = bytes.fromhex(SigningKey.objects.get(authority="KG", state="active").kid)
        value[3] = [entry for entry in value[3] if cbor2.loads(entry[0])[4] != kg_kid]

    code, verdict = verify(capsys, rebuilt(text, drop_kg), *AT_TRIP)
    assert (code, verdict["verdict"]) == (1, "MISSING_SIGNATURE")
    assert "KG" in verdict["detail"]


@pytest.mark.parametrize(
    ("qr", "expected"),
    [("hello", "BAD_PREFIX"), ("TGP1:%%%%", "BAD_ENCODING"), ("TGP1:", "BAD_ENCODING"), ("", "BAD_PREFIX")],
)
def test_garbage_is_an_invalid_permit_not_a_crash(world, capsys, qr, expected):
    code, verdict = verify(capsys, qr, *AT_TRIP)
    assert (code, verdict["verdict"]) == (1, expected)


# --- Offline: the same verdicts from the files ------------------------------------------------------------------


def test_offline_verification_with_exported_files_gives_the_same_verdicts(
    world, capsys, tmp_path, django_capture_on_commit_callbacks
):
    permits = live_permits(world)
    texts = [qr_of(capsys, permit) for permit in permits]
    with django_capture_on_commit_callbacks(execute=True):
        services.member_remove(
            actor=demo_user("operator-kz"), application=world, member_id=permits[0].member_id, today=AMENDED_ON
        )
    trust, revocations = export(capsys, tmp_path, "synced")
    stranger = independent.issue(
        claims_for_the_demo_trip(),
        [independent.Authority(c, 0, numeric("2029-01-01T00:00:00+00:00")) for c in ("KZ", "KG")],
    )
    situations = [
        (DURING_TRIP, "KRK-HB-KZ"),
        (DURING_TRIP, "MAD-HB"),
        ("2027-07-11T18:30:00Z", "KRK-HB-KZ"),
        ("2027-07-11T18:30:00Z", "NIB-HP"),
        ("2027-07-08T12:00:00Z", None),
        ("2027-08-01T00:05:00Z", None),
    ]
    seen = set()
    for qr in [*texts, stranger, "TGP1:garbage"]:
        for at, checkpoint in situations:
            where = ("--checkpoint", checkpoint) if checkpoint else ()
            online = verify(capsys, qr, "--at", at, *where)
            offline = verify(capsys, qr, "--trust", trust, "--revocations", revocations, "--at", at, *where)
            assert offline == online
            seen.add(online[1]["verdict"])
    assert seen == {
        "VALID",
        "REVOKED",
        "WRONG_CHECKPOINT",
        "OUTSIDE_WINDOW",
        "NOT_YET_VALID",
        "EXPIRED",
        "MISSING_SIGNATURE",
        "BAD_ENCODING",
    }


def test_revocations_since_lists_only_the_later_ones(world, clock, capsys, django_capture_on_commit_callbacks):
    first, second = live_permits(world)[:2]
    for permit, moment in ((first, datetime(2027, 5, 11, tzinfo=UTC)), (second, datetime(2027, 5, 13, tzinfo=UTC))):
        clock.moment = moment
        with django_capture_on_commit_callbacks(execute=True):
            services.member_remove(
                actor=demo_user("operator-kz"), application=world, member_id=permit.member_id, today=AMENDED_ON
            )

    def revoked(*since: str) -> list[str]:
        code, out, _ = tengri(capsys, "permit", "revocations", *since)
        assert code == 0
        return json.loads(out)["revoked"]

    assert revoked() == [b64url(first.id.bytes), b64url(second.id.bytes)]
    assert revoked("--since", str(int(datetime(2027, 5, 12, tzinfo=UTC).timestamp()))) == [b64url(second.id.bytes)]
    assert revoked("--since", str(int(datetime(2027, 5, 14, tzinfo=UTC).timestamp()))) == []


# --- Usage errors: exit 2 -------------------------------------------------------------------------------------


def test_without_a_qr_or_an_image_it_is_a_usage_error(world, capsys):
    for argv in (["permit", "verify"], ["permit", "verify", "--qr", "TGP1:x", "--image", "x.png"]):
        with pytest.raises(SystemExit) as exited:
            tengri(capsys, *argv)
        assert exited.value.code == 2
        assert "--qr" in capsys.readouterr().err


@pytest.mark.parametrize("which", ["--trust", "--revocations"])
@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]", '{"keys": 3, "revoked": 3}'])
def test_an_unreadable_list_file_is_a_usage_error(capsys, text, tmp_path, which, content):
    path = tmp_path / "list.json"
    if content is not None:
        path.write_text(content)

    code, out, err = tengri(capsys, "permit", "verify", "--qr", text, which, str(path), *AT_TRIP)

    assert (code, out) == (2, "")
    assert err.startswith("tengri: error:")


@pytest.mark.parametrize("at", ["yesterday", "2027-13-01", "20.07.2027", ""])
def test_a_bad_time_is_a_usage_error(capsys, text, at):
    code, out, err = tengri(capsys, "permit", "verify", "--qr", text, "--at", at)
    assert (code, out) == (2, "")
    assert "--at" in err


def test_an_image_that_is_missing_or_no_image_is_a_usage_error(capsys, world, tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("TGP1:not a picture")
    code, out, err = tengri(capsys, "permit", "verify", "--image", str(not_an_image))
    assert (code, out) == (2, "") and "image" in err

    code, out, err = tengri(capsys, "permit", "verify", "--image", str(tmp_path / "missing.png"))
    assert (code, out) == (2, "") and "missing.png" in err


def test_a_blank_image_has_no_code_to_verify(capsys, world, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    code, out, err = tengri(capsys, "permit", "verify", "--image", str(blank))
    assert (code, out) == (2, "") and "no QR code" in err


def test_an_unknown_checkpoint_is_a_usage_error(capsys, text):
    code, out, err = tengri(capsys, "permit", "verify", "--qr", text, *AT_TRIP, "--checkpoint", "NOWHERE")
    assert (code, out) == (2, "")
    assert "NOWHERE" in err


def test_a_key_unknown_to_the_trust_list_signing_alongside_ours_is_ignored(capsys, text):
    """Signatures with unknown kids are ignored (spec step 4): an extra stranger's signature changes nothing."""
    stranger = Ed25519PrivateKey.generate()

    def add_signature(value):
        kid = b"\x00" * 8
        protected = cbor2.dumps({1: -8, 4: kid})
        to_sign = cbor2.dumps(["Signature", b"", protected, b"", value[2]])
        value[3].append([protected, {}, stranger.sign(to_sign)])

    code, verdict = verify(capsys, rebuilt(text, add_signature), *AT_TRIP)
    assert (code, verdict["verdict"]) == (0, "VALID")
