"""The permit codec: the wire layout of the spec, signing, the QR text and QR images.

Also home of the builders the verification and fuzz tests share (a demo permit, its keys, its trust list).
"""

import dataclasses
import hashlib
import io
import struct
import unicodedata
import uuid
import zlib
from datetime import UTC, date, datetime, timedelta

import base45
import cbor2
import pytest
import segno
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tengri.permits.codec import (
    CheckpointWindow,
    MalformedPermit,
    PermitClaims,
    UnreadableImage,
    decode_claims,
    encode_claims,
    kid_for,
    load_cbor,
    qr_png,
    qr_svg,
    qr_text,
    read_qr_image,
    sign_permit,
)
from tengri.permits.trust import TrustedKey, TrustList

KZ_KEY = Ed25519PrivateKey.generate()
KG_KEY = Ed25519PrivateKey.generate()
ISSUED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NOT_BEFORE = datetime(2026, 7, 1, tzinfo=UTC)
EXPIRES = datetime(2026, 7, 31, 23, 59, 59, tzinfo=UTC)
KEYS_FROM = datetime(2026, 1, 1, tzinfo=UTC)
KEYS_UNTIL = datetime(2029, 1, 1, tzinfo=UTC)
BASE45_ALPHABET = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def make_claims(**changes) -> PermitClaims:
    """A leader's permit for the Khan Tengri south route, crossing at KRK and KCJ in July 2026."""
    claims = PermitClaims(
        permit_id=uuid.UUID("0b6f1c1e-8f43-4d1e-9a51-3c7e2f5d9a10"),
        issued_at=ISSUED,
        not_before=NOT_BEFORE,
        expires=EXPIRES,
        reference="KT-2026-000123",
        route="KT-S-KG",
        role="leader",
        surname="ABDRAKHMANOV",
        given_names="ASKAR",
        birth_date=date(1984, 3, 9),
        nationality="KAZ",
        document_number="N12345678",
        authorities=("KG", "KZ"),
        checkpoints=(
            CheckpointWindow("KRK", date(2026, 7, 2), date(2026, 7, 4)),
            CheckpointWindow("KCJ", date(2026, 7, 20), date(2026, 7, 22)),
        ),
    )
    return dataclasses.replace(claims, **changes)


def signer(key: Ed25519PrivateKey) -> tuple[bytes, Ed25519PrivateKey]:
    return kid_for(key.public_key()), key


def make_cose(claims: PermitClaims | None = None, keys=(KG_KEY, KZ_KEY)) -> bytes:
    return sign_permit(claims or make_claims(), [signer(key) for key in keys])


def make_qr(claims: PermitClaims | None = None, keys=(KG_KEY, KZ_KEY)) -> str:
    return qr_text(make_cose(claims, keys))


def trusted(key: Ed25519PrivateKey, country: str, *, not_before=KEYS_FROM, expires=KEYS_UNTIL) -> TrustedKey:
    raw = key.public_key().public_bytes_raw()
    return TrustedKey(kid=kid_for(raw), public_key=raw, country=country, not_before=not_before, expires=expires)


def make_trust(*keys: TrustedKey) -> TrustList:
    return TrustList(keys or (trusted(KZ_KEY, "KZ"), trusted(KG_KEY, "KG")))


def cose_of(text: str) -> bytes:
    return zlib.decompress(base45.b45decode(text[len("TGP1:") :]))


# --- the payload ----------------------------------------------------------------------------------------------


def test_payload_is_the_spec_claims_table():
    claims = cbor2.loads(encode_claims(make_claims()))

    assert claims == {
        1: "KZKG",
        4: int(EXPIRES.timestamp()),
        5: int(NOT_BEFORE.timestamp()),
        6: int(ISSUED.timestamp()),
        7: make_claims().permit_id.bytes,
        -70001: {
            "v": 1,
            "ref": "KT-2026-000123",
            "rte": "KT-S-KG",
            "rol": "leader",
            "sn": "ABDRAKHMANOV",
            "gn": "ASKAR",
            "dob": "1984-03-09",
            "nat": "KAZ",
            "doc": "N12345678",
            "auth": ["KG", "KZ"],
            "pts": [
                {"cp": "KRK", "from": "2026-07-02", "to": "2026-07-04"},
                {"cp": "KCJ", "from": "2026-07-20", "to": "2026-07-22"},
            ],
        },
    }


def test_payload_sorts_authorities_and_is_reproducible():
    assert encode_claims(make_claims(authorities=("KZ", "KG"))) == encode_claims(make_claims())


def test_strings_are_written_nfc_and_read_nfc():
    decomposed = unicodedata.normalize("NFD", "JOSÉ MARÍA")
    payload = encode_claims(make_claims(given_names=decomposed))

    assert cbor2.loads(payload)[-70001]["gn"] == "JOSÉ MARÍA"
    assert decode_claims(payload).given_names == "JOSÉ MARÍA"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        encode_claims(make_claims(issued_at=datetime(2026, 6, 1, 8, 0)))


def test_decoding_gives_back_the_claims():
    assert decode_claims(encode_claims(make_claims())) == make_claims()


mrz_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ <", min_size=1, max_size=39)
any_text = st.text(max_size=40).map(lambda text: unicodedata.normalize("NFC", text))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
instants = st.integers(min_value=0, max_value=4_102_444_800).map(lambda s: datetime.fromtimestamp(s, UTC))
windows = st.builds(CheckpointWindow, code=any_text, first_day=days, last_day=days)


@settings(max_examples=200, deadline=None)
@given(
    permit_id=st.uuids(),
    instants=st.tuples(instants, instants, instants),
    texts=st.tuples(any_text, any_text, any_text, any_text, any_text),
    names=st.tuples(mrz_text, mrz_text),
    birth_date=days,
    authorities=st.frozensets(st.sampled_from(["KG", "KZ", "CN"]), min_size=1),
    checkpoints=st.lists(windows, max_size=5),
)
def test_claims_round_trip(permit_id, instants, texts, names, birth_date, authorities, checkpoints):
    claims = make_claims(
        permit_id=permit_id,
        issued_at=instants[0],
        not_before=instants[1],
        expires=instants[2],
        reference=texts[0],
        route=texts[1],
        role=texts[2],
        nationality=texts[3],
        document_number=texts[4],
        surname=names[0],
        given_names=names[1],
        birth_date=birth_date,
        authorities=tuple(sorted(authorities)),
        checkpoints=tuple(checkpoints),
    )

    assert decode_claims(encode_claims(claims)) == claims


def test_unknown_claims_are_ignored():
    claims = cbor2.loads(encode_claims(make_claims()))
    claims[8] = "future claim"
    claims["text-key"] = [1.5, None, True, {"nested": b"x"}]
    claims[-70001]["photo"] = b"\x00" * 40
    claims[-70001]["pts"][0]["gate"] = 3

    assert decode_claims(cbor2.dumps(claims)) == make_claims()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ((1,), 7),  # iss not text
        ((4,), True),  # exp: CBOR true is not an integer
        ((5,), 1782864000.0),  # nbf as a float
        ((6,), 10**30),  # iat beyond any date
        ((7,), b"short"),  # cti not 16 bytes
        ((-70001,), "permit"),
        ((-70001, "v"), 2),  # a later format version
        ((-70001, "sn"), b"BYTES"),
        ((-70001, "dob"), "19840309"),  # ISO, but not YYYY-MM-DD
        ((-70001, "dob"), "1984-02-30"),
        ((-70001, "auth"), []),  # a permit nobody needs to have signed
        ((-70001, "auth"), ["KZ", 7]),
        ((-70001, "pts"), [["KRK", "2026-07-02", "2026-07-04"]]),
        ((-70001, "pts"), [{"cp": "KRK", "from": "2026-07-02"}]),
    ],
)
def test_claims_of_the_wrong_type_are_malformed(path, value):
    claims = cbor2.loads(encode_claims(make_claims()))
    target = claims
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(MalformedPermit):
        decode_claims(cbor2.dumps(claims))


def test_missing_claims_are_malformed():
    claims = cbor2.loads(encode_claims(make_claims()))
    del claims[6]

    with pytest.raises(MalformedPermit, match="6"):
        decode_claims(cbor2.dumps(claims))


# --- tame CBOR ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        b"",
        b"\x01\x02",  # two items
        b"\x5b" + (2**62).to_bytes(8, "big") + b"abc",  # a bstr claiming 2^62 bytes
        b"\x9b" + (2**62).to_bytes(8, "big") + b"\x01",  # an array claiming 2^62 items
        b"\x5f\x41a\xff",  # indefinite-length bstr
        b"\x81" * 17 + b"\x00",  # nested deeper than 16
        b"\xc1\x1a\x00\x00\x00\x00",  # tag 1 (a date) inside a permit
        b"\xa1\xf5\x01",  # map key true
        b"\xa1\x81\x01\x01",  # map key an array
        b"\xf0",  # unassigned simple value
        b"\xf8\x20",  # one-byte simple value
        b"\x1c",  # reserved additional information
    ],
)
def test_load_cbor_refuses_what_a_permit_never_holds(encoded):
    with pytest.raises(MalformedPermit):
        load_cbor(encoded)


def test_load_cbor_allows_only_the_expected_tag_and_only_outermost():
    assert load_cbor(b"\xd8\x62\x80", tag=98) == cbor2.CBORTag(98, [])


@pytest.mark.parametrize(
    ("encoded", "tag"),
    [(b"\xd8\x62\x80", None), (b"\xd8\x63\x80", 98), (b"\x81\xd8\x62\x80", 98), (b"\xd8\x62\xd8\x62\x80", 98)],
    ids=["not expected", "another tag", "inside", "tag on tag"],
)
def test_load_cbor_refuses_other_tags(encoded, tag):
    with pytest.raises(MalformedPermit, match="tag"):
        load_cbor(encoded, tag=tag)


def test_load_cbor_reads_plain_values():
    value = {1: [-3, b"x", "t", 1.5, None, False], "k": {"n": 2**64 - 1}}
    assert load_cbor(cbor2.dumps(value)) == value
    assert load_cbor(struct.pack(">BH", 0xF9, 0x3C00)) == 1.0  # half float


# --- COSE_Sign ------------------------------------------------------------------------------------------------


def test_kid_is_the_sha256_prefix_of_the_raw_key():
    raw = KZ_KEY.public_key().public_bytes_raw()

    assert kid_for(KZ_KEY.public_key()) == kid_for(raw) == hashlib.sha256(raw).digest()[:8]


def test_cose_sign_has_the_spec_structure_and_each_signature_verifies():
    message = cbor2.loads(make_cose())

    assert message.tag == 98
    body_protected, body_unprotected, payload, signatures = message.value
    assert (body_protected, body_unprotected, payload) == (b"", {}, encode_claims(make_claims()))
    for (protected, unprotected, signature), key in zip(signatures, (KG_KEY, KZ_KEY), strict=True):
        assert cbor2.loads(protected) == {1: -8, 4: kid_for(key.public_key())}
        assert unprotected == {}
        # The Sig_structure written out from RFC 9052, not through the codec.
        key.public_key().verify(signature, cbor2.dumps(["Signature", b"", protected, b"", payload]))


def test_a_permit_needs_a_signer():
    with pytest.raises(ValueError, match="signature"):
        sign_permit(make_claims(), [])


def test_qr_text_is_prefix_base45_zlib():
    text = make_qr()

    assert text.startswith("TGP1:")
    assert set(text) <= BASE45_ALPHABET
    assert cose_of(text) == make_cose()
    assert make_qr() == text  # Ed25519 and the canonical payload are deterministic


# --- QR images ------------------------------------------------------------------------------------------------


def _scan(png: bytes):
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))


def test_qr_symbol_is_alphanumeric_level_q():
    text = make_qr()
    (barcode,) = _scan(qr_png(text))

    assert barcode.text == text
    assert barcode.ec_level == "Q"
    # In byte mode the same text would need a larger symbol than the one drawn.
    assert segno.make_qr(text, error="q", mode="byte").version > int(barcode.extra["Version"])


def test_png_and_jpeg_read_back():
    text = make_qr()
    jpeg = io.BytesIO()
    Image.open(io.BytesIO(qr_png(text, scale=5))).convert("RGB").save(jpeg, format="JPEG", quality=85)

    assert read_qr_image(qr_png(text)) == [text]
    assert read_qr_image(jpeg.getvalue()) == [text]


def test_svg_is_inline_markup():
    svg = qr_svg(make_qr())

    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")


def test_an_image_without_a_qr_reads_as_nothing():
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")

    assert read_qr_image(blank.getvalue()) == []


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (10, 10)).save(buffer, format="GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", qr_png("TGP1:")[:60], _png_declaring(100_000, 100_000), _gif()],
    ids=["empty", "text", "truncated png", "decompression bomb", "gif"],
)
def test_unreadable_images_raise(data):
    with pytest.raises(UnreadableImage):
        read_qr_image(data)


def test_a_checkpoint_window_covers_its_days_inclusively():
    window = CheckpointWindow("KRK", date(2026, 7, 2), date(2026, 7, 4))

    assert window.covers(date(2026, 7, 2)) and window.covers(date(2026, 7, 4))
    assert not window.covers(date(2026, 7, 2) - timedelta(days=1))
    assert not window.covers(date(2026, 7, 5))
