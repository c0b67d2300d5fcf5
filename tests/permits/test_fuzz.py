"""Fuzzing the verifier: whatever the text, a Verdict comes back, and a mutated permit is never VALID.

Each property runs a few hundred examples so that the suite stays fast in CI.
"""

import zlib
from datetime import UTC, datetime

import base45
import cbor2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tengri.permits.codec import MAX_INFLATED
from tengri.permits.verify import Verdict, VerdictCode, verify_permit

from .test_codec import cose_of, make_cose, make_qr, make_trust

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TRUST = make_trust()
VALID_QR = make_qr()
VALID_COSE = make_cose()
VALID_COMPRESSED = base45.b45decode(VALID_QR[5:])
DURING = datetime(2026, 7, 3, 6, 0, tzinfo=UTC)


def verdict_of(text: str) -> Verdict:
    verdict = verify_permit(
        text, trust=TRUST, revoked=frozenset(), now=DURING, checkpoint="KRK", checkpoint_utc_offset_hours=5
    )
    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.detail, str) and verdict.detail
    return verdict


def transported(cose: bytes) -> str:
    return "TGP1:" + base45.b45encode(zlib.compress(cose)).decode("ascii")


def test_the_unmutated_permit_is_valid():
    assert verdict_of(VALID_QR).ok


@FUZZ
@given(st.text())
@example("TGP1:")
@example("TGP1:" + "%" * 3000)
@example("TGP1:" + "0" * 100_000)
@example("TGP1:\ud800\udc00")
def test_random_text(text):
    assert not verdict_of(text).ok


@FUZZ
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=2000))
def test_random_base45_alphabet_after_the_prefix(body):
    assert not verdict_of("TGP1:" + body).ok


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_base45_encoded(data):
    assert not verdict_of("TGP1:" + base45.b45encode(data).decode()).ok


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_as_the_inflated_cose(data):
    assert not verdict_of(transported(data)).ok


def test_every_truncation():
    for length in range(len(VALID_QR)):
        assert not verdict_of(VALID_QR[:length]).ok, length


@FUZZ
@given(st.data())
def test_single_bit_flips_of_the_compressed_form(data):
    bit = data.draw(st.integers(0, len(VALID_COMPRESSED) * 8 - 1))
    flipped = bytearray(VALID_COMPRESSED)
    flipped[bit // 8] ^= 1 << (bit % 8)

    text = "TGP1:" + base45.b45encode(bytes(flipped)).decode()

    assert not verdict_of(text).ok or _carries_the_valid_permit(text)


@FUZZ
@given(st.data())
def test_single_bit_flips_of_the_uncompressed_form(data):
    bit = data.draw(st.integers(0, len(VALID_COSE) * 8 - 1))
    flipped = bytearray(VALID_COSE)
    flipped[bit // 8] ^= 1 << (bit % 8)

    assert not verdict_of(transported(bytes(flipped))).ok


@FUZZ
@given(st.data())
def test_single_character_changes_of_the_text(data):
    index = data.draw(st.integers(0, len(VALID_QR) - 1))
    character = data.draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abc\n\0é"))
    text = VALID_QR[:index] + character + VALID_QR[index + 1 :]

    assert not verdict_of(text).ok or _carries_the_valid_permit(text)


@FUZZ
@given(st.integers(0, 2**64 - 1).filter(lambda tag: tag != 98))
def test_wrong_outer_tags(tag):
    message = cbor2.loads(VALID_COSE)

    assert verdict_of(transported(cbor2.dumps(cbor2.CBORTag(tag, message.value)))).code == VerdictCode.BAD_STRUCTURE


@FUZZ
@given(st.integers(0, 2**64 - 1), st.integers(0, 3), st.data())
def test_tags_inside(tag, position, data):
    message = cbor2.loads(VALID_COSE)
    body = message.value
    if position == 3:
        signature = body[3][data.draw(st.integers(0, len(body[3]) - 1))]
        signature[2] = cbor2.CBORTag(tag, signature[2])
    else:
        body[position] = cbor2.CBORTag(tag, body[position])

    assert verdict_of(transported(cbor2.dumps(message))).code == VerdictCode.BAD_STRUCTURE


def _head(major: int, length: int) -> bytes:
    """A CBOR head with a 64-bit argument, whatever the value."""
    return bytes([major << 5 | 27]) + length.to_bytes(8, "big")


@FUZZ
@given(st.sampled_from([2, 3, 4, 5]), st.integers(2**13, 2**64 - 1), st.binary(max_size=64))
def test_huge_declared_lengths(major, length, tail):
    nested_in_the_permit = VALID_COSE[:4] + _head(major, length) + tail
    message = cbor2.loads(VALID_COSE)
    message.value[2] = _head(major, length) + tail
    payload_claiming_it = cbor2.dumps(message)

    for cose in (_head(major, length) + tail, nested_in_the_permit, payload_claiming_it):
        assert not verdict_of(transported(cose)).ok


@pytest.mark.parametrize("size", [MAX_INFLATED + 1, 64 * 1024, 16 * 1024 * 1024])
def test_zlib_bombs_are_bad_encoding(size):
    bomb = zlib.compress(b"\0" * size, 9)

    assert verdict_of("TGP1:" + base45.b45encode(bomb).decode()).code == VerdictCode.BAD_ENCODING


@FUZZ
@given(st.integers(1, 8000), st.sampled_from([b"\x81", b"\xa1\x00", b"\xd8\x62\x81", b"\x9f"]))
def test_deep_nesting(depth, opener):
    nested = (opener * depth + b"\x00")[:MAX_INFLATED]

    assert not verdict_of(transported(nested)).ok


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.floats()
    | st.binary(max_size=20)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers(-10, 10) | st.text(max_size=5), children, max_size=4)
        | st.builds(cbor2.CBORTag, st.integers(0, 2**64 - 1), children)
    ),
    max_leaves=20,
)


@FUZZ
@given(cbor_values)
def test_random_cbor_as_the_message(value):
    assert not verdict_of(transported(cbor2.dumps(value))).ok


@FUZZ
@given(cbor_values, st.sampled_from([1, 4, 5, 6, 7, -70001, 8]))
def test_random_cbor_in_a_signed_looking_envelope(value, claim):
    # The claims are replaced but the signatures kept: at best the structure passes and the signature fails.
    message = cbor2.loads(VALID_COSE)
    claims = cbor2.loads(message.value[2])
    claims[claim] = value
    message.value[2] = cbor2.dumps(claims)

    assert not verdict_of(transported(cbor2.dumps(message))).ok


def _carries_the_valid_permit(text: str) -> bool:
    """Whether a (perhaps) changed text still decodes to the very same COSE bytes: a drawn character may be the
    one already there, and deflate ignores the padding bits after its final block, so a change there is no
    change to the permit. Those are the only ways a mutation may pass."""
    try:
        return cose_of(text) == VALID_COSE
    except (ValueError, zlib.error):
        return False


def test_cose_of_the_fixture_is_the_signed_permit():
    assert cose_of(VALID_QR) == VALID_COSE
