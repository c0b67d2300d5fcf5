"""Verifying a permit: the one pure function every surface uses (CLI, API, checkpoint pages), and its verdicts.

The checks run in the spec's order and the first failure is the verdict. Any input text gives a verdict:
decoding is bounded (the 8 KiB inflate cap, a tame CBOR walk before decoding) and malformed input of any kind
is a verdict code, never an exception.
"""

import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature

from tengri.permits.codec import (
    COSE_SIGN_TAG,
    EDDSA,
    HEADER_ALG,
    HEADER_KID,
    MAX_INFLATED,
    PREFIX,
    MalformedPermit,
    PermitClaims,
    decode_claims,
    load_cbor,
    to_be_signed,
)
from tengri.permits.trust import LoadedKey, RevocationList, TrustedKey, TrustList, b64url_encode

# Checkpoint clocks drift between syncs; the spec grants five minutes either side of the validity span.
CLOCK_LEEWAY = timedelta(seconds=300)
# A QR symbol carries at most 4,296 characters. Base45 of twice the inflate cap is far beyond any permit, and
# bounds the work spent on decoding before zlib can refuse anything.
MAX_TEXT = 3 * MAX_INFLATED
_BASE45_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_NOT_BASE45 = b"\xff"
# Each byte to its Base45 value, and every byte outside the alphabet to 0xFF, which no value reaches.
_BASE45_VALUES = bytes(_BASE45_ALPHABET.find(byte) % 256 for byte in range(256))


class VerdictCode(StrEnum):
    VALID = "VALID"
    BAD_PREFIX = "BAD_PREFIX"
    BAD_ENCODING = "BAD_ENCODING"
    BAD_STRUCTURE = "BAD_STRUCTURE"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    MISSING_SIGNATURE = "MISSING_SIGNATURE"
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    WRONG_CHECKPOINT = "WRONG_CHECKPOINT"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one verification. `claims` are present whenever the structure decoded (from
    BAD_SIGNATURE on), so a refusal can say whose permit it was; only an ok verdict vouches for them."""

    code: VerdictCode
    detail: str
    claims: PermitClaims | None = None

    @property
    def ok(self) -> bool:
        return self.code is VerdictCode.VALID

    def as_json(self) -> dict[str, Any]:
        claims = self.claims.as_json() if self.claims else None
        return {"ok": self.ok, "code": self.code.value, "detail": self.detail, "claims": claims}


@dataclass(frozen=True)
class _Signature:
    kid: bytes
    protected: bytes
    value: bytes


@dataclass(frozen=True)
class _SignedPermit:
    payload: bytes
    claims: PermitClaims
    signatures: tuple[_Signature, ...]


class _Refused(Exception):
    """A failed decoding step (1–3), carried up to `verify_permit` and returned there as its verdict."""

    def __init__(self, code: VerdictCode, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


_Failure = tuple[VerdictCode, str]


def verify_permit(
    qr_text: str,
    *,
    trust: TrustList,
    revoked: frozenset[bytes] | RevocationList,
    now: datetime,
    checkpoint: str | None = None,
    checkpoint_utc_offset_hours: int | None = None,
) -> Verdict:
    """Runs the spec's checks in order on what a QR symbol carries. `revoked` holds permit ids (cti bytes);
    with `checkpoint`, its code must be on the permit and its local date (UTC + the checkpoint's offset:
    +5 in Kazakhstan, +6 in Kyrgyzstan) inside that checkpoint's window. Never raises for any `qr_text`;
    raises ValueError for a naive `now` or a checkpoint without its offset (the caller's mistakes)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if checkpoint is not None and checkpoint_utc_offset_hours is None:
        raise ValueError("verifying for a checkpoint needs the checkpoint's UTC offset")
    try:
        permit = _read(qr_text)
    except _Refused as refusal:
        return Verdict(refusal.code, refusal.detail)
    claims = permit.claims
    failure = (
        _check_signatures(permit, trust)
        or _check_validity(claims, now)
        or _check_revocation(claims, revoked)
        or _check_checkpoint(claims, now, checkpoint, checkpoint_utc_offset_hours)
    )
    if failure:
        return Verdict(failure[0], failure[1], claims)
    signed_by = ", ".join(claims.authorities)
    return Verdict(VerdictCode.VALID, f"valid permit {claims.permit_id}, signed by {signed_by}", claims)


def read_claims(qr_text: str) -> PermitClaims:
    """The claims a QR text carries, decoded (steps 1–3) but NOT verified: for showing a permit this system
    issued itself, never for deciding whether one is valid. Raises MalformedPermit."""
    try:
        return _read(qr_text).claims
    except _Refused as refusal:
        raise MalformedPermit(f"{refusal.code}: {refusal.detail}") from None


# --- steps 1–3: transport and structure -----------------------------------------------------------------------


def _read(qr_text: str) -> _SignedPermit:
    if not isinstance(qr_text, str) or not qr_text.startswith(PREFIX):
        raise _Refused(VerdictCode.BAD_PREFIX, f"the text does not start with {PREFIX}")
    cose = _inflate(_base45(qr_text[len(PREFIX) :]))
    try:
        return _parse_cose_sign(cose)
    except MalformedPermit as error:
        raise _Refused(VerdictCode.BAD_STRUCTURE, str(error)) from None


def _base45(text: str) -> bytes:
    """RFC 9285 Base45, strictly: only the 45 characters, no group of one, no group above its byte range.
    Written here rather than taken from the base45 package because this is the verifier's hot path: a table
    lookup and one struct.pack cost a fraction of a per-character loop."""
    if len(text) > MAX_TEXT:
        raise _Refused(VerdictCode.BAD_ENCODING, "the text is longer than any permit")
    values = text.encode("ascii", errors="replace").translate(_BASE45_VALUES)
    if _NOT_BASE45 in values or len(values) % 3 == 1:
        raise _Refused(VerdictCode.BAD_ENCODING, "the text after the prefix is not Base45")
    whole = len(values) - len(values) % 3
    # Each group of three is a base-45 number, least significant first, for two bytes big-endian; a final
    # group of two is one byte.
    groups = [
        c + 45 * d + 2025 * e for c, d, e in zip(values[0:whole:3], values[1:whole:3], values[2:whole:3], strict=True)
    ]
    last_byte = len(values) > whole
    if last_byte:
        groups.append(values[whole] + 45 * values[whole + 1])
    try:
        return struct.pack(f">{whole // 3}H{int(last_byte)}B", *groups)
    except struct.error:
        raise _Refused(VerdictCode.BAD_ENCODING, "a Base45 group exceeds its byte range") from None


def _inflate(compressed: bytes) -> bytes:
    """zlib-inflates at most MAX_INFLATED bytes: a stream that would give more is refused, not expanded."""
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_INFLATED + 1)
    except zlib.error as error:
        raise _Refused(VerdictCode.BAD_ENCODING, f"not a zlib stream: {error}") from None
    if len(cose) > MAX_INFLATED:
        raise _Refused(VerdictCode.BAD_ENCODING, f"inflates to more than {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise _Refused(VerdictCode.BAD_ENCODING, "the zlib stream is truncated")
    if inflater.unused_data:
        raise _Refused(VerdictCode.BAD_ENCODING, "bytes follow the zlib stream")
    return cose


def _parse_cose_sign(cose: bytes) -> _SignedPermit:
    """The spec's COSE_Sign: `98([h'', {}, payload, [[protected, {}, signature], ...]])`."""
    message = load_cbor(cose, tag=COSE_SIGN_TAG)
    if not isinstance(message, cbor2.CBORTag) or type(message.value) is not list or len(message.value) != 4:
        raise MalformedPermit("not a COSE_Sign: tag 98 over an array of four")
    body_protected, body_unprotected, payload, signatures = message.value
    if body_protected != b"" or type(body_protected) is not bytes:
        raise MalformedPermit("the body's protected header must be an empty bstr")
    if type(body_unprotected) is not dict or type(payload) is not bytes:
        raise MalformedPermit("the body's unprotected header is not a map or the payload not a bstr")
    if type(signatures) is not list or not signatures:
        raise MalformedPermit("signatures must be a non-empty array")
    claims = decode_claims(payload)
    return _SignedPermit(payload, claims, tuple(_signature(entry) for entry in signatures))


def _signature(entry: object) -> _Signature:
    if type(entry) is not list or len(entry) != 3:
        raise MalformedPermit("a COSE_Signature is an array of three")
    protected, unprotected, value = entry
    if type(protected) is not bytes or type(unprotected) is not dict or type(value) is not bytes:
        raise MalformedPermit("a COSE_Signature is [bstr, map, bstr]")
    if len(value) != 64:
        raise MalformedPermit(f"an Ed25519 signature has 64 bytes, not {len(value)}")
    header = load_cbor(protected)
    if type(header) is not dict or header.keys() != {HEADER_ALG, HEADER_KID}:
        raise MalformedPermit("a signature's protected header must be exactly {1: alg, 4: kid}")
    if type(header[HEADER_ALG]) is not int or header[HEADER_ALG] != EDDSA or type(header[HEADER_KID]) is not bytes:
        raise MalformedPermit("a signature's protected header must be {1: -8 (EdDSA), 4: kid bstr}")
    return _Signature(kid=header[HEADER_KID], protected=protected, value=value)


# --- steps 4–8: the checks ------------------------------------------------------------------------------------


def _check_signatures(permit: _SignedPermit, trust: TrustList) -> _Failure | None:
    """Steps 4 and 5: every signature by a known kid verifies, and every authority in `auth` signed with a key
    of its country that was valid when the permit was issued."""
    signed_by: list[TrustedKey] = []
    for signature in permit.signatures:
        candidates = trust.lookup(signature.kid)
        if not candidates:
            continue  # a kid we do not know: ignored, as the spec says; step 5 decides whether it mattered
        entries = _verified_entries(signature, permit.payload, candidates)
        if entries is None:
            return VerdictCode.BAD_SIGNATURE, f"the signature by key {b64url_encode(signature.kid)} does not verify"
        signed_by.extend(entries)
    issued_at = permit.claims.issued_at
    missing = [
        authority
        for authority in permit.claims.authorities
        if not any(entry.country == authority and entry.signs_at(issued_at) for entry in signed_by)
    ]
    if missing:
        return VerdictCode.MISSING_SIGNATURE, f"no valid signature by {', '.join(missing)}"
    return None


def _verified_entries(
    signature: _Signature, payload: bytes, candidates: tuple[LoadedKey, ...]
) -> tuple[TrustedKey, ...] | None:
    """The trust-list entries of the key that made `signature`, or None when no key of its kid did."""
    signed_bytes = to_be_signed(signature.protected, payload)
    for candidate in candidates:
        try:
            candidate.public_key.verify(signature.value, signed_bytes)
        except InvalidSignature:
            continue
        return candidate.entries
    return None


def _check_validity(claims: PermitClaims, now: datetime) -> _Failure | None:
    if now < claims.not_before - CLOCK_LEEWAY:
        return VerdictCode.NOT_YET_VALID, f"valid from {_utc(claims.not_before)}"
    if now > claims.expires + CLOCK_LEEWAY:
        return VerdictCode.EXPIRED, f"expired at {_utc(claims.expires)}"
    return None


def _check_revocation(claims: PermitClaims, revoked: frozenset[bytes] | RevocationList) -> _Failure | None:
    if claims.permit_id.bytes in revoked:
        return VerdictCode.REVOKED, f"permit {claims.permit_id} is revoked"
    return None


def _check_checkpoint(
    claims: PermitClaims, now: datetime, checkpoint: str | None, utc_offset_hours: int | None
) -> _Failure | None:
    if checkpoint is None or utc_offset_hours is None:
        return None
    checkpoint = unicodedata.normalize("NFC", checkpoint)
    windows = [window for window in claims.checkpoints if window.code == checkpoint]
    if not windows:
        listed = ", ".join(window.code for window in claims.checkpoints) or "none"
        return VerdictCode.WRONG_CHECKPOINT, f"checkpoint {checkpoint} is not on this permit (listed: {listed})"
    local_day = now.astimezone(timezone(timedelta(hours=utc_offset_hours))).date()
    if not any(window.covers(local_day) for window in windows):
        spans = ", ".join(f"{w.first_day.isoformat()} to {w.last_day.isoformat()}" for w in windows)
        return VerdictCode.OUTSIDE_WINDOW, f"{local_day.isoformat()} at {checkpoint} is outside {spans}"
    return None


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
