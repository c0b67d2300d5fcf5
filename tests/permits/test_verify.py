"""Verification: each of the spec's ordered checks gives its own verdict, and permits cross between our
implementation and an independent one (`independent.py`) in both directions."""

import dataclasses
import unicodedata
import uuid
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tengri.permits.codec import CheckpointWindow, MalformedPermit, kid_for, qr_png, qr_text, read_qr_image
from tengri.permits.trust import RevocationList, TrustDataError, TrustedKey, TrustList, b64url_encode
from tengri.permits.verify import Verdict, VerdictCode, read_claims, verify_permit

from . import independent
from .test_codec import (
    EXPIRES,
    ISSUED,
    KG_KEY,
    KZ_KEY,
    NOT_BEFORE,
    cose_of,
    make_claims,
    make_cose,
    make_qr,
    make_trust,
    trusted,
)

DURING = datetime(2026, 7, 3, 6, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
LEEWAY = timedelta(seconds=300)
KZ_OFFSET, KG_OFFSET = 5, 6


def verify(text: str, *, trust: TrustList | None = None, revoked=frozenset(), now=DURING, **checkpoint) -> Verdict:
    return verify_permit(text, trust=trust or make_trust(), revoked=revoked, now=now, **checkpoint)


def qr_of(cose: bytes) -> str:
    return qr_text(cose)


def rebuilt(text: str, change) -> str:
    """The permit with its COSE structure changed by `change(list)` and encoded again (no new signatures)."""
    message = cbor2.loads(cose_of(text))
    change(message.value)
    return qr_of(cbor2.dumps(message))


def test_a_permit_we_issue_is_valid():
    verdict = verify(make_qr(), checkpoint="KRK", checkpoint_utc_offset_hours=KZ_OFFSET)

    assert verdict.ok and verdict.code == VerdictCode.VALID
    assert verdict.claims == make_claims()
    assert "KG, KZ" in verdict.detail
    assert verdict.as_json()["claims"]["checkpoints"][0] == {
        "code": "KRK",
        "first_day": "2026-07-02",
        "last_day": "2026-07-04",
    }


# --- interoperability -----------------------------------------------------------------------------------------


def _authority(country: str, key: Ed25519PrivateKey | None = None) -> independent.Authority:
    nbf, exp = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()), int(datetime(2029, 1, 1, tzinfo=UTC).timestamp())
    if key is None:
        return independent.Authority(country, nbf, exp)
    return independent.Authority(country, nbf, exp, private_key=key)


def test_the_independent_verifier_reads_what_we_issue():
    ours = [_authority("KZ", KZ_KEY), _authority("KG", KG_KEY)]

    claims = independent.read(make_qr(), ours, now=int(DURING.timestamp()))

    assert claims[7] == make_claims().permit_id.bytes
    assert claims[-70001]["auth"] == ["KG", "KZ"]
    assert claims[-70001]["pts"][1] == {"cp": "KCJ", "from": "2026-07-20", "to": "2026-07-22"}


def test_the_independent_verifier_refuses_our_permit_missing_a_signature():
    ours = [_authority("KZ", KZ_KEY), _authority("KG", KG_KEY)]

    with pytest.raises(independent.Refused, match="KZ"):
        independent.read(make_qr(keys=(KG_KEY,)), ours, now=int(DURING.timestamp()))


def test_we_read_what_the_independent_implementation_issues():
    theirs = [_authority("KG"), _authority("KZ")]
    text = independent.issue(independent.sample_claims(), theirs)

    verdict = verify(text, trust=TrustList.from_jwks({"keys": [a.jwk() for a in theirs]}))

    assert verdict.code == VerdictCode.VALID
    assert verdict.claims.permit_id == uuid.UUID(bytes=bytes(range(16)))
    assert verdict.claims.authorities == ("KG", "KZ")
    assert verdict.claims.checkpoints == (CheckpointWindow("KRK", date(2026, 7, 2), date(2026, 7, 4)),)
    assert verdict.claims.birth_date == date(1990, 5, 17)


def test_a_permit_we_did_not_issue_is_missing_signatures():
    theirs = [_authority("KG"), _authority("KZ")]
    text = independent.issue(independent.sample_claims(), theirs)

    verdict = verify(text)

    assert verdict.code == VerdictCode.MISSING_SIGNATURE
    assert "KG" in verdict.detail and "KZ" in verdict.detail


def test_one_foreign_signature_names_the_country_it_lacks():
    text = independent.issue(independent.sample_claims(), [_authority("KG"), _authority("KZ", KZ_KEY)])

    verdict = verify(text)

    assert verdict.code == VerdictCode.MISSING_SIGNATURE
    assert "KG" in verdict.detail and "KZ" not in verdict.detail


def test_unknown_claims_are_ignored():
    theirs = [_authority("KG"), _authority("KZ")]
    claims = independent.sample_claims(
        future={"x": [1.5, None]}, pts=[{"cp": "KRK", "from": "2026-07-02", "to": "2026-07-04", "gate": 2}]
    )
    claims[8] = "a later claim"
    text = independent.issue(claims, theirs)

    verdict = verify(text, trust=TrustList.from_jwks({"keys": [a.jwk() for a in theirs]}))

    assert verdict.code == VerdictCode.VALID
    assert verdict.claims.checkpoints == (CheckpointWindow("KRK", date(2026, 7, 2), date(2026, 7, 4)),)


def test_strings_from_elsewhere_are_read_nfc():
    theirs = [_authority("KG"), _authority("KZ")]
    claims = independent.sample_claims(gn=unicodedata.normalize("NFD", "ZOË"))
    text = independent.issue(claims, theirs)

    verdict = verify(text, trust=TrustList.from_jwks({"keys": [a.jwk() for a in theirs]}))

    assert verdict.ok
    assert verdict.claims.given_names == "ZOË" == unicodedata.normalize("NFC", "ZOË")


# --- steps 1–3: prefix, encoding, structure -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "tgp1:" + make_qr()[5:], "TGP2:" + make_qr()[5:], " " + make_qr(), "HC1:..."])
def test_bad_prefix(text):
    assert verify(text).code == VerdictCode.BAD_PREFIX


@pytest.mark.parametrize(
    "body",
    [
        "",
        "abc",  # lower case is not Base45
        "GGW",  # a triple above 0xFFFF
        "A",  # a single character
        base45.b45encode(b"not zlib").decode(),
        base45.b45encode(zlib.compress(b"x")[:-2]).decode(),  # truncated
        base45.b45encode(zlib.compress(b"x") + b"tail").decode(),
        base45.b45encode(zlib.compress(b"\0" * 8193)).decode(),  # one byte over the cap
    ],
)
def test_bad_encoding(body):
    assert verify("TGP1:" + body).code == VerdictCode.BAD_ENCODING


def test_the_inflate_cap_is_inclusive():
    assert verify("TGP1:" + base45.b45encode(zlib.compress(b"\0" * 8192)).decode()).code == VerdictCode.BAD_STRUCTURE


def _set(index, value):
    def change(body):
        body[index] = value

    return change


def _set_in_signature(index, value):
    def change(body):
        body[3][0][index] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _set(0, cbor2.dumps({1: -8})),  # body protected must be empty
        _set(1, []),
        _set(2, "payload as text"),
        _set(2, cbor2.dumps([1, 2])),  # payload not a map
        _set(3, []),  # no signatures
        _set(3, {}),
        _set_in_signature(0, cbor2.dumps({1: -7, 4: kid_for(KG_KEY.public_key())})),  # ES256, not EdDSA
        _set_in_signature(0, cbor2.dumps({1: -8, 4: kid_for(KG_KEY.public_key()), 3: 0})),  # an extra header
        _set_in_signature(0, cbor2.dumps({1: -8})),  # no kid
        _set_in_signature(0, cbor2.dumps({1: -8, 4: "kid as text"})),
        _set_in_signature(1, []),
        _set_in_signature(2, b"\0" * 63),
        lambda body: body.append({}),
    ],
)
def test_bad_structure(change):
    assert verify(rebuilt(make_qr(), change)).code == VerdictCode.BAD_STRUCTURE


@pytest.mark.parametrize("tag", [18, 96, 97, 99, 55799])
def test_other_cose_tags_are_bad_structure(tag):
    message = cbor2.loads(make_cose())

    assert verify(qr_of(cbor2.dumps(cbor2.CBORTag(tag, message.value)))).code == VerdictCode.BAD_STRUCTURE
    assert verify(qr_of(cbor2.dumps(message.value))).code == VerdictCode.BAD_STRUCTURE


# --- steps 4–5: signatures ------------------------------------------------------------------------------------


def _payload_span(cose: bytes) -> range:
    payload = cbor2.loads(cose).value[2]
    start = cose.index(payload)
    return range(start, start + len(payload))


def _flip(cose: bytes, index: int) -> str:
    return qr_of(cose[:index] + bytes([cose[index] ^ 0x01]) + cose[index + 1 :])


def test_tampering_with_any_payload_byte_is_refused():
    cose = make_cose()
    codes = {verify(_flip(cose, index)).code for index in _payload_span(cose)}

    assert codes <= {VerdictCode.BAD_SIGNATURE, VerdictCode.BAD_STRUCTURE}
    assert VerdictCode.BAD_SIGNATURE in codes


def test_tampering_with_any_signature_byte_is_a_bad_signature():
    cose = make_cose()
    for signature in cbor2.loads(cose).value[3]:
        start = cose.index(signature[2])
        for index in range(start, start + 64):
            assert verify(_flip(cose, index)).code == VerdictCode.BAD_SIGNATURE


def test_tampering_with_any_byte_at_all_is_never_valid():
    cose = make_cose()
    for index in range(len(cose)):
        assert not verify(_flip(cose, index)).ok, index


def test_a_signature_moved_to_another_kid_is_bad():
    def swap_signatures(body):
        body[3][0][2], body[3][1][2] = body[3][1][2], body[3][0][2]

    assert verify(rebuilt(make_qr(), swap_signatures)).code == VerdictCode.BAD_SIGNATURE


@pytest.mark.parametrize(("dropped", "country"), [(0, "KG"), (1, "KZ")])
def test_dropping_a_signature_is_missing_that_country(dropped, country):
    verdict = verify(rebuilt(make_qr(), lambda body: body[3].pop(dropped)))

    assert verdict.code == VerdictCode.MISSING_SIGNATURE
    assert verdict.detail.endswith(country)
    assert verdict.claims == make_claims()


def test_a_signature_by_an_unknown_key_is_ignored():
    stranger = Ed25519PrivateKey.generate()

    assert verify(make_qr(keys=(KG_KEY, stranger, KZ_KEY))).ok


def test_a_key_of_the_other_country_does_not_count():
    trust = make_trust(trusted(KZ_KEY, "KZ"), trusted(KG_KEY, "KZ"))

    verdict = verify(make_qr(), trust=trust)

    assert verdict.code == VerdictCode.MISSING_SIGNATURE and verdict.detail.endswith("KG")


@pytest.mark.parametrize(
    ("not_before", "expires"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), ISSUED - SECOND),  # retired before the permit was issued
        (ISSUED + SECOND, datetime(2029, 1, 1, tzinfo=UTC)),  # published after it
    ],
    ids=["retired", "not yet active"],
)
def test_a_key_outside_its_window_at_issue_does_not_count(not_before, expires):
    trust = make_trust(trusted(KZ_KEY, "KZ"), trusted(KG_KEY, "KG", not_before=not_before, expires=expires))

    verdict = verify(make_qr(), trust=trust)

    assert verdict.code == VerdictCode.MISSING_SIGNATURE and verdict.detail.endswith("KG")


def test_a_key_window_includes_its_ends():
    trust = make_trust(trusted(KZ_KEY, "KZ", not_before=ISSUED), trusted(KG_KEY, "KG", expires=ISSUED))

    assert verify(make_qr(), trust=trust).ok


def test_a_removed_key_is_missing():
    assert verify(make_qr(), trust=make_trust(trusted(KZ_KEY, "KZ"))).code == VerdictCode.MISSING_SIGNATURE


def test_keys_sharing_a_kid_are_each_tried():
    impostor = dataclasses.replace(
        trusted(KG_KEY, "KG"), public_key=Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    )

    assert verify(make_qr(), trust=make_trust(impostor, trusted(KG_KEY, "KG"), trusted(KZ_KEY, "KZ"))).ok
    verdict = verify(make_qr(), trust=make_trust(impostor, trusted(KZ_KEY, "KZ")))
    assert verdict.code == VerdictCode.BAD_SIGNATURE
    assert b64url_encode(kid_for(KG_KEY.public_key())) in verdict.detail


def test_a_key_listed_twice_counts_for_each_listing():
    retired = trusted(KG_KEY, "KG", expires=ISSUED - SECOND)
    current = trusted(KG_KEY, "KG", not_before=ISSUED - SECOND)

    assert verify(make_qr(), trust=make_trust(retired, current, trusted(KZ_KEY, "KZ"))).ok


# --- step 6: validity -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (NOT_BEFORE - LEEWAY - SECOND, VerdictCode.NOT_YET_VALID),
        (NOT_BEFORE - LEEWAY - timedelta(microseconds=1), VerdictCode.NOT_YET_VALID),
        (NOT_BEFORE - LEEWAY, VerdictCode.VALID),
        (NOT_BEFORE, VerdictCode.VALID),
        (EXPIRES + LEEWAY, VerdictCode.VALID),
        (EXPIRES + LEEWAY + timedelta(microseconds=1), VerdictCode.EXPIRED),
        (EXPIRES + LEEWAY + SECOND, VerdictCode.EXPIRED),
        (datetime(2030, 1, 1, tzinfo=UTC), VerdictCode.EXPIRED),
    ],
)
def test_validity_with_five_minutes_leeway(now, code):
    assert verify(make_qr(), now=now).code == code


def test_now_in_another_zone_is_the_same_instant():
    almaty = (EXPIRES + LEEWAY + SECOND).astimezone(timezone(timedelta(hours=KZ_OFFSET)))

    assert verify(make_qr(), now=almaty).code == VerdictCode.EXPIRED


def test_signatures_are_checked_before_dates():
    assert verify(make_qr(keys=(KZ_KEY,)), now=datetime(2030, 1, 1, tzinfo=UTC)).code == VerdictCode.MISSING_SIGNATURE


# --- step 7: revocation ---------------------------------------------------------------------------------------


def test_revoked_by_a_set_of_ids():
    verdict = verify(make_qr(), revoked=frozenset({make_claims().permit_id.bytes}))

    assert verdict.code == VerdictCode.REVOKED
    assert str(make_claims().permit_id) in verdict.detail


def test_revoked_by_a_revocation_list():
    revocations = RevocationList.from_json(
        {"generated": int(DURING.timestamp()), "revoked": [b64url_encode(make_claims().permit_id.bytes)]}
    )

    assert verify(make_qr(), revoked=revocations).code == VerdictCode.REVOKED
    assert verify(make_qr(make_claims(permit_id=uuid.uuid4())), revoked=revocations).ok


def test_an_expired_revoked_permit_is_expired():
    revoked = frozenset({make_claims().permit_id.bytes})

    assert verify(make_qr(), revoked=revoked, now=datetime(2030, 1, 1, tzinfo=UTC)).code == VerdictCode.EXPIRED


# --- step 8: checkpoint ---------------------------------------------------------------------------------------


def test_a_checkpoint_not_on_the_permit():
    verdict = verify(make_qr(), checkpoint="SRB", checkpoint_utc_offset_hours=KZ_OFFSET)

    assert verdict.code == VerdictCode.WRONG_CHECKPOINT
    assert "SRB" in verdict.detail and "KRK, KCJ" in verdict.detail


def test_no_checkpoint_no_checkpoint_check():
    assert verify(make_qr(), now=datetime(2026, 7, 25, tzinfo=UTC)).ok


@pytest.mark.parametrize(
    ("now", "offset", "code"),
    [
        # KRK's window is 2–4 July, local days. Its first local midnight is 19:00 UTC at +5, 18:00 UTC at +6.
        (datetime(2026, 7, 1, 18, 59, 59, tzinfo=UTC), KZ_OFFSET, VerdictCode.OUTSIDE_WINDOW),
        (datetime(2026, 7, 1, 19, 0, 0, tzinfo=UTC), KZ_OFFSET, VerdictCode.VALID),
        (datetime(2026, 7, 1, 17, 59, 59, tzinfo=UTC), KG_OFFSET, VerdictCode.OUTSIDE_WINDOW),
        (datetime(2026, 7, 1, 18, 0, 0, tzinfo=UTC), KG_OFFSET, VerdictCode.VALID),
        (datetime(2026, 7, 1, 18, 30, 0, tzinfo=UTC), KZ_OFFSET, VerdictCode.OUTSIDE_WINDOW),
        (datetime(2026, 7, 1, 18, 30, 0, tzinfo=UTC), KG_OFFSET, VerdictCode.VALID),
        # ... and its last local midnight 19:00 UTC on 4 July at +5, 18:00 UTC at +6.
        (datetime(2026, 7, 4, 18, 59, 59, tzinfo=UTC), KZ_OFFSET, VerdictCode.VALID),
        (datetime(2026, 7, 4, 19, 0, 0, tzinfo=UTC), KZ_OFFSET, VerdictCode.OUTSIDE_WINDOW),
        (datetime(2026, 7, 4, 17, 59, 59, tzinfo=UTC), KG_OFFSET, VerdictCode.VALID),
        (datetime(2026, 7, 4, 18, 0, 0, tzinfo=UTC), KG_OFFSET, VerdictCode.OUTSIDE_WINDOW),
        (datetime(2026, 7, 10, 12, 0, 0, tzinfo=UTC), KZ_OFFSET, VerdictCode.OUTSIDE_WINDOW),
    ],
)
def test_the_window_is_in_the_checkpoint_local_days(now, offset, code):
    verdict = verify(make_qr(), now=now, checkpoint="KRK", checkpoint_utc_offset_hours=offset)

    assert verdict.code == code
    if code == VerdictCode.OUTSIDE_WINDOW:
        assert "2026-07-02 to 2026-07-04" in verdict.detail


def test_any_window_of_a_checkpoint_listed_twice_will_do():
    windows = (
        CheckpointWindow("KRK", date(2026, 7, 2), date(2026, 7, 4)),
        CheckpointWindow("KRK", date(2026, 7, 20), date(2026, 7, 22)),
    )
    text = make_qr(make_claims(checkpoints=windows))

    for day in (3, 21):
        now = datetime(2026, 7, day, 6, tzinfo=UTC)
        assert verify(text, now=now, checkpoint="KRK", checkpoint_utc_offset_hours=KZ_OFFSET).ok
    now = datetime(2026, 7, 10, 6, tzinfo=UTC)
    assert verify(text, now=now, checkpoint="KRK", checkpoint_utc_offset_hours=KZ_OFFSET).code == "OUTSIDE_WINDOW"


def test_a_revoked_permit_is_revoked_at_any_checkpoint():
    revoked = frozenset({make_claims().permit_id.bytes})

    verdict = verify(make_qr(), revoked=revoked, checkpoint="SRB", checkpoint_utc_offset_hours=KZ_OFFSET)

    assert verdict.code == VerdictCode.REVOKED


# --- the caller's mistakes ------------------------------------------------------------------------------------


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        verify(make_qr(), now=datetime(2026, 7, 3))


def test_a_checkpoint_needs_its_offset():
    with pytest.raises(ValueError, match="offset"):
        verify(make_qr(), checkpoint="KRK")


# --- the QR as a checkpoint sees it ---------------------------------------------------------------------------


def test_render_scan_verify():
    (scanned,) = read_qr_image(qr_png(make_qr()))

    verdict = verify(scanned, checkpoint="KRK", checkpoint_utc_offset_hours=KZ_OFFSET)

    assert verdict.code == VerdictCode.VALID


# --- trust list and revocation list ---------------------------------------------------------------------------


def test_trust_list_round_trips_through_the_spec_json():
    trust = make_trust()
    jwks = trust.to_jwks()

    assert TrustList.from_jwks(jwks).keys == trust.keys
    assert jwks["keys"][0] == {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "x": b64url_encode(KZ_KEY.public_key().public_bytes_raw()),
        "kid": b64url_encode(kid_for(KZ_KEY.public_key())),
        "country": "KZ",
        "nbf": 1767225600,
        "exp": 1861920000,
    }


def test_trust_list_skips_keys_of_other_types():
    other = {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "x"}

    assert len(TrustList.from_jwks({"keys": [other, *make_trust().to_jwks()["keys"]]})) == 2


def _jwk(**changes):
    jwk = trusted(KZ_KEY, "KZ").to_jwk()
    jwk.update(changes)
    return {key: value for key, value in jwk.items() if value is not None}


@pytest.mark.parametrize(
    "jwks",
    [
        [],
        {"keys": {}},
        {"keys": ["not a key"]},
        {"keys": [_jwk(x=None)]},
        {"keys": [_jwk(x="AAAA")]},  # three bytes
        {"keys": [_jwk(x=b64url_encode(bytes(32)) + "=")]},
        {"keys": [_jwk(kid=b64url_encode(bytes(8)))]},  # not the key's kid
        {"keys": [_jwk(kid="+/+/+/+/+/8")]},  # base64, not base64url
        {"keys": [_jwk(country="kz")]},
        {"keys": [_jwk(country=None)]},
        {"keys": [_jwk(nbf="1767225600")]},
        {"keys": [_jwk(exp=10**20)]},
    ],
)
def test_malformed_trust_lists_raise(jwks):
    with pytest.raises(TrustDataError):
        TrustList.from_jwks(jwks)


def test_revocation_list_round_trips_and_merges():
    first = RevocationList.from_json({"generated": 1780000000, "revoked": [b64url_encode(bytes(16))]})
    later = RevocationList.from_json({"generated": 1780086400, "revoked": [b64url_encode(b"\1" * 16)]})

    merged = first.merged(later)

    assert RevocationList.from_json(merged.to_json()) == merged
    assert merged.generated == datetime.fromtimestamp(1780086400, UTC)
    assert bytes(16) in merged and b"\1" * 16 in merged and len(merged) == 2


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"revoked": []},
        {"generated": 1780000000},
        {"generated": 1780000000, "revoked": [7]},
        {"generated": 1780000000, "revoked": ["AAAA"]},  # three bytes, not a permit id
        {"generated": 1780000000, "revoked": ["not base64url!"]},
    ],
)
def test_malformed_revocation_lists_raise(data):
    with pytest.raises(TrustDataError):
        RevocationList.from_json(data)


def test_trusted_key_window():
    key = trusted(KZ_KEY, "KZ", not_before=ISSUED, expires=EXPIRES)

    assert key.signs_at(ISSUED) and key.signs_at(EXPIRES)
    assert not key.signs_at(ISSUED - SECOND) and not key.signs_at(EXPIRES + SECOND)
    assert isinstance(TrustedKey.from_jwk(key.to_jwk()), TrustedKey)


# --- reading without verifying --------------------------------------------------------------------------------


def test_read_claims_decodes_without_verifying():
    assert read_claims(make_qr(keys=(Ed25519PrivateKey.generate(),))) == make_claims()


@pytest.mark.parametrize("text", ["HC1:", "TGP1:abc", "TGP1:" + base45.b45encode(zlib.compress(b"\x80")).decode()])
def test_read_claims_refuses_what_does_not_decode(text):
    with pytest.raises(MalformedPermit):
        read_claims(text)
