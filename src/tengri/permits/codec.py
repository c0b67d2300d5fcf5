"""Permit format v1: claims ⇄ CBOR, COSE_Sign with one Ed25519 signature per authority, QR text and images.

Pure: no database, no settings. `../shared/spec/permit-v1.md` is normative; the names of the claims below
follow its table. Verification (the ordered checks and their verdicts) lives in `tengri.permits.verify`.
"""

import hashlib
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import base45
import cbor2
import segno
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from PIL import Image

from tengri.core.errors import InvalidInput

PREFIX = "TGP1:"
ISSUER = "KZKG"
FORMAT_VERSION = 1
COSE_SIGN_TAG = 98
EDDSA = -8
MAX_INFLATED = 8192
# CWT claim keys (RFC 8392) and the permit's private claim.
ISS, EXP, NBF, IAT, CTI, PERMIT = 1, 4, 5, 6, 7, -70001
# COSE header labels (RFC 9052): algorithm and key id.
HEADER_ALG, HEADER_KID = 1, 4

# Deeper than any permit needs (four levels) with room for nested unknown claims, far from a recursion limit.
MAX_CBOR_DEPTH = 16
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# false, true, null, undefined; half, single and double floats. Other simple values have no use in a permit.
_PLAIN_SIMPLE_OR_FLOAT = frozenset({20, 21, 22, 23, 25, 26, 27})
_READABLE_IMAGE_FORMATS = ["PNG", "JPEG"]
# Far above any phone photo a QR needs, and below Pillow's own decompression-bomb warning (89 megapixels).
_MAX_IMAGE_PIXELS = 64_000_000


class MalformedPermit(ValueError):
    """Bytes that are not the spec's structure or claims: the verifier's BAD_STRUCTURE."""


class UnreadableImage(InvalidInput):
    """The file is not a PNG or JPEG that can be decoded (corrupt, truncated, another format, too large)."""


@dataclass(frozen=True)
class CheckpointWindow:
    """Where and when the holder may be checked or cross: a checkpoint code and an inclusive span of local days."""

    code: str
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class PermitClaims:
    """What a permit says. Datetimes are aware (UTC) and whole seconds: the wire carries NumericDate integers."""

    permit_id: UUID
    issued_at: datetime
    not_before: datetime
    expires: datetime
    reference: str
    route: str
    role: str
    surname: str
    given_names: str
    birth_date: date
    nationality: str
    document_number: str
    authorities: tuple[str, ...]
    checkpoints: tuple[CheckpointWindow, ...]

    def as_json(self) -> dict[str, Any]:
        """JSON-ready, in the spec's terms (ISO dates, the id as a UUID string), for the CLI and the API."""
        return {
            "permit_id": str(self.permit_id),
            "issued_at": self.issued_at.isoformat(),
            "not_before": self.not_before.isoformat(),
            "expires": self.expires.isoformat(),
            "reference": self.reference,
            "route": self.route,
            "role": self.role,
            "surname": self.surname,
            "given_names": self.given_names,
            "birth_date": self.birth_date.isoformat(),
            "nationality": self.nationality,
            "document_number": self.document_number,
            "authorities": list(self.authorities),
            "checkpoints": [
                {"code": w.code, "first_day": w.first_day.isoformat(), "last_day": w.last_day.isoformat()}
                for w in self.checkpoints
            ],
        }


def kid_for(public_key: Ed25519PublicKey | bytes) -> bytes:
    """The spec's key id: the first 8 bytes of SHA-256 over the raw 32-byte public key."""
    raw = public_key if isinstance(public_key, bytes) else public_key.public_bytes_raw()
    return hashlib.sha256(raw).digest()[:8]


# --- encoding -------------------------------------------------------------------------------------------------


def encode_claims(claims: PermitClaims) -> bytes:
    """The CBOR payload (CWT claims set). Strings are NFC; authorities sorted; keys in canonical order, so the
    same claims always give the same bytes. Raises ValueError for naive datetimes."""
    permit = {
        "v": FORMAT_VERSION,
        "ref": _nfc(claims.reference),
        "rte": _nfc(claims.route),
        "rol": _nfc(claims.role),
        "sn": _nfc(claims.surname),
        "gn": _nfc(claims.given_names),
        "dob": claims.birth_date.isoformat(),
        "nat": _nfc(claims.nationality),
        "doc": _nfc(claims.document_number),
        "auth": sorted({_nfc(authority) for authority in claims.authorities}),
        "pts": [
            {"cp": _nfc(w.code), "from": w.first_day.isoformat(), "to": w.last_day.isoformat()}
            for w in claims.checkpoints
        ],
    }
    cwt_claims = {
        ISS: ISSUER,
        EXP: _numeric_date(claims.expires),
        NBF: _numeric_date(claims.not_before),
        IAT: _numeric_date(claims.issued_at),
        CTI: claims.permit_id.bytes,
        PERMIT: permit,
    }
    return cbor2.dumps(cwt_claims, canonical=True)


def signature_protected_header(kid: bytes) -> bytes:
    """The per-signature protected header as the bstr that is signed: `{1: -8, 4: kid}`."""
    return cbor2.dumps({HEADER_ALG: EDDSA, HEADER_KID: kid}, canonical=True)


def to_be_signed(sign_protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 Sig_structure for one signature: body protected and external_aad are both empty."""
    return cbor2.dumps(["Signature", b"", sign_protected, b"", payload])


def sign_permit(claims: PermitClaims, signers: list[tuple[bytes, Ed25519PrivateKey]]) -> bytes:
    """COSE_Sign (tag 98) over the encoded claims, one signature per `(kid, private key)` in the given order.
    Raises ValueError without signers: an unsigned permit verifies nowhere."""
    if not signers:
        raise ValueError("a permit needs at least one signature")
    payload = encode_claims(claims)
    signatures = []
    for kid, private_key in signers:
        protected = signature_protected_header(kid)
        signatures.append([protected, {}, private_key.sign(to_be_signed(protected, payload))])
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN_TAG, [b"", {}, payload, signatures]))


def qr_text(cose: bytes) -> str:
    """What the QR symbol carries: `TGP1:` + Base45(zlib(COSE))."""
    return PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def _numeric_date(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: permits carry UTC instants")
    return int(moment.timestamp())


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- decoding -------------------------------------------------------------------------------------------------


def load_cbor(data: bytes, *, tag: int | None = None) -> Any:
    """Exactly one CBOR item, checked tame before cbor2 builds it (see `_check_tame`); `tag` is the only tag
    allowed, and only on the outermost item. Raises MalformedPermit for anything else."""
    _check_tame(data, tag)
    try:
        return cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as error:
        # Defence in depth: the walk above already refused what would reach these.
        raise MalformedPermit(f"not valid CBOR: {error}") from None


def decode_claims(payload: bytes) -> PermitClaims:
    """The claims of a payload, with every type the spec's table gives; unknown keys are ignored, strings are
    returned NFC and authorities sorted. Raises MalformedPermit."""
    cwt_claims = load_cbor(payload)
    if type(cwt_claims) is not dict:
        raise MalformedPermit("the payload is not a CBOR map")
    _typed(cwt_claims, ISS, str)
    permit = _typed(cwt_claims, PERMIT, dict)
    if _typed(permit, "v", int) != FORMAT_VERSION:
        raise MalformedPermit(f"permit format version {permit['v']}, this verifier reads {FORMAT_VERSION}")
    return PermitClaims(
        permit_id=_permit_id(cwt_claims),
        issued_at=_instant(cwt_claims, IAT),
        not_before=_instant(cwt_claims, NBF),
        expires=_instant(cwt_claims, EXP),
        reference=_text(permit, "ref"),
        route=_text(permit, "rte"),
        role=_text(permit, "rol"),
        surname=_text(permit, "sn"),
        given_names=_text(permit, "gn"),
        birth_date=_day(permit, "dob"),
        nationality=_text(permit, "nat"),
        document_number=_text(permit, "doc"),
        authorities=_authorities(permit),
        checkpoints=tuple(_window(entry) for entry in _typed(permit, "pts", list)),
    )


def _typed(mapping: dict, key: int | str, kind: type) -> Any:
    # `type(...) is` and not isinstance: CBOR true is not the integer 1, nor a float an integer.
    value = mapping.get(key)
    if type(value) is not kind:
        raise MalformedPermit(f"claim {key!r} is missing or not {kind.__name__}")
    return value


def _text(mapping: dict, key: str) -> str:
    return _nfc(_typed(mapping, key, str))


def _permit_id(cwt_claims: dict) -> UUID:
    cti = _typed(cwt_claims, CTI, bytes)
    if len(cti) != 16:
        raise MalformedPermit(f"cti has {len(cti)} bytes, a permit id has 16")
    return UUID(bytes=cti)


def _instant(cwt_claims: dict, key: int) -> datetime:
    seconds = _typed(cwt_claims, key, int)
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedPermit(f"claim {key} is no representable date ({seconds})") from None


def _day(mapping: dict, key: str) -> date:
    text = _typed(mapping, key, str)
    # fromisoformat alone would also take 20260701 and other ISO forms; the spec says YYYY-MM-DD.
    if not _ISO_DAY.fullmatch(text):
        raise MalformedPermit(f"{key} is not YYYY-MM-DD: {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MalformedPermit(f"{key} is no calendar date: {text!r}") from None


def _authorities(permit: dict) -> tuple[str, ...]:
    authorities = _typed(permit, "auth", list)
    # An empty list would make a permit that no authority needs to have signed.
    if not authorities or any(type(authority) is not str for authority in authorities):
        raise MalformedPermit("auth must list the authorities (text) that signed")
    return tuple(sorted({_nfc(authority) for authority in authorities}))


def _window(entry: object) -> CheckpointWindow:
    if type(entry) is not dict:
        raise MalformedPermit("an entry of pts is not a map")
    return CheckpointWindow(code=_text(entry, "cp"), first_day=_day(entry, "from"), last_day=_day(entry, "to"))


def _check_tame(data: bytes, tag: int | None) -> None:
    """Walks the encoding without building anything and refuses what a permit never contains but a hostile
    input might, before a general decoder sees it: more or less than one item, declared lengths beyond the
    input (a bstr claiming 2^62 bytes), indefinite lengths, map keys other than integers and text, any tag but
    `tag` on the outermost item (cbor2 would build dates, bignums, regexes, shared references...), simple
    values other than false/true/null/undefined, and nesting deeper than MAX_CBOR_DEPTH. Every item takes at
    least one byte of input, so the walk ends after at most len(data) steps."""
    # Per open array or map: items still due, and whether it is a map (then every other item is a key).
    open_items: list[list[Any]] = [[1, False]]
    offset = 0
    while open_items:
        level = open_items[-1]
        if level[0] == 0:
            open_items.pop()
            continue
        is_key = level[1] and level[0] % 2 == 0
        level[0] -= 1
        start = offset
        major, info, argument, offset = _item_head(data, offset)
        if is_key and major not in (0, 1, 3):
            raise MalformedPermit("a map key is neither an integer nor text")
        if major == 6:
            if start != 0 or argument != tag:
                raise MalformedPermit(f"unexpected CBOR tag {argument}")
            level[0] += 1  # the tagged item follows in the tag's place
        elif major in (2, 3):
            offset += argument
            if offset > len(data):
                raise MalformedPermit("a CBOR string runs past the end of the input")
        elif major in (4, 5):
            if len(open_items) > MAX_CBOR_DEPTH:
                raise MalformedPermit(f"CBOR nested deeper than {MAX_CBOR_DEPTH}")
            open_items.append([argument * 2 if major == 5 else argument, major == 5])
        elif major == 7 and info not in _PLAIN_SIMPLE_OR_FLOAT:
            raise MalformedPermit(f"unexpected CBOR simple value {argument}")
    if offset != len(data):
        raise MalformedPermit(f"{len(data) - offset} bytes after the CBOR item")


def _item_head(data: bytes, offset: int) -> tuple[int, int, int, int]:
    """Major type, additional information, argument and the offset after the head of the item at `offset`."""
    if offset >= len(data):
        raise MalformedPermit("CBOR ends early")
    initial = data[offset]
    major, info = initial >> 5, initial & 0x1F
    if info < 24:
        return major, info, info, offset + 1
    if info > 27:
        raise MalformedPermit("indefinite or reserved CBOR length")
    end = offset + 1 + (1 << (info - 24))
    if end > len(data):
        raise MalformedPermit("CBOR ends early")
    return major, info, int.from_bytes(data[offset + 1 : end], "big"), end


# --- QR symbols and images ------------------------------------------------------------------------------------


def qr_png(text: str, *, scale: int = 4) -> bytes:
    """A PNG of the QR symbol, with the standard four-module quiet zone."""
    buffer = io.BytesIO()
    _qr_symbol(text).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(text: str, *, scale: int = 4) -> str:
    """An SVG of the QR symbol (no XML declaration, so it can be inlined in a page)."""
    buffer = io.BytesIO()
    _qr_symbol(text).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def _qr_symbol(text: str) -> segno.QRCode:
    # The spec fixes level Q; segno would otherwise raise it to H when that fits in the same version.
    return segno.make_qr(text, error="q", mode="alphanumeric", boost_error=False)


def read_qr_image(data: bytes) -> list[str]:
    """The texts of every QR symbol found in a PNG or JPEG (a scan or a photo); empty when there is none.
    Raises UnreadableImage when the bytes are no decodable image of those formats."""
    try:
        with Image.open(io.BytesIO(data), formats=_READABLE_IMAGE_FORMATS) as image:
            # Refused before decoding: a small file may declare a huge canvas (a decompression bomb).
            if image.width * image.height > _MAX_IMAGE_PIXELS:
                raise UnreadableImage(f"the image is too large ({image.width}×{image.height} pixels)")
            grey = image.convert("L")
    except UnreadableImage:
        raise
    except Exception as error:
        # Pillow's decoders raise many unrelated types on corrupt input (OSError, SyntaxError, struct.error...).
        raise UnreadableImage(f"not a readable PNG or JPEG image: {error}") from None
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [barcode.text for barcode in found]
