"""The trust list (a JWK Set) and the revocation list as plain data that a checkpoint holds offline.

No database: the server builds them from its tables (`tengri.permits.keys`), a checkpoint loads the JSON it
last synced. Each distinct public key is loaded once per trust list, not once per verification.
"""

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tengri.core.errors import InvalidInput
from tengri.permits.codec import kid_for

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_COUNTRY = re.compile(r"[A-Z]{2}")


class TrustDataError(InvalidInput):
    """A trust list or revocation list that does not follow the spec."""


@dataclass(frozen=True)
class TrustedKey:
    """One entry of the trust list: an authority's Ed25519 public key (raw 32 bytes) and the span of issue
    instants, inclusive, in which the permits it signed count."""

    kid: bytes
    public_key: bytes
    country: str
    not_before: datetime
    expires: datetime

    def signs_at(self, issued_at: datetime) -> bool:
        return self.not_before <= issued_at <= self.expires

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> "TrustedKey":
        """Reads one key of the spec's JWK Set. Raises TrustDataError."""
        public_key = b64url_decode(_member(jwk, "x", str), what="x")
        if len(public_key) != 32:
            raise TrustDataError(f"x has {len(public_key)} bytes, an Ed25519 public key has 32")
        kid = b64url_decode(_member(jwk, "kid", str), what="kid")
        if kid != kid_for(public_key):
            raise TrustDataError(f"kid {jwk['kid']} is not the spec's kid of its key")
        country = _member(jwk, "country", str)
        if not _COUNTRY.fullmatch(country):
            raise TrustDataError(f"country {country!r} is not an ISO 3166-1 alpha-2 code")
        return cls(
            kid=kid,
            public_key=public_key,
            country=country,
            not_before=_instant(_member(jwk, "nbf", int), what="nbf"),
            expires=_instant(_member(jwk, "exp", int), what="exp"),
        )

    def to_jwk(self) -> dict[str, Any]:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "x": b64url_encode(self.public_key),
            "kid": b64url_encode(self.kid),
            "country": self.country,
            "nbf": int(self.not_before.timestamp()),
            "exp": int(self.expires.timestamp()),
        }


class LoadedKey(NamedTuple):
    """A public key ready to verify, with every trust-list entry that publishes it."""

    public_key: Ed25519PublicKey
    entries: tuple[TrustedKey, ...]


class TrustList:
    """The keys a verifier trusts, looked up by kid. Several entries may share a kid (a verifier tries each
    distinct key) and one key may be listed more than once (then a signature it made counts for each entry)."""

    def __init__(self, keys: Iterable[TrustedKey]) -> None:
        self.keys = tuple(keys)
        by_kid: dict[bytes, dict[bytes, list[TrustedKey]]] = {}
        for key in self.keys:
            by_kid.setdefault(key.kid, {}).setdefault(key.public_key, []).append(key)
        self._loaded = {
            kid: tuple(
                LoadedKey(Ed25519PublicKey.from_public_bytes(raw), tuple(entries)) for raw, entries in keys.items()
            )
            for kid, keys in by_kid.items()
        }

    def lookup(self, kid: bytes) -> tuple[LoadedKey, ...]:
        """The distinct keys published under `kid`; empty for a kid this list does not know."""
        return self._loaded.get(kid, ())

    def __iter__(self) -> Iterator[TrustedKey]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any]) -> "TrustList":
        """Reads the spec's JWK Set. Keys of other types (not OKP/Ed25519) are skipped, since no permit can be
        signed with them; a malformed Ed25519 entry raises TrustDataError."""
        keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(keys, list) or not all(isinstance(jwk, Mapping) for jwk in keys):
            raise TrustDataError('a trust list is {"keys": [JWK, ...]}')
        return cls(TrustedKey.from_jwk(jwk) for jwk in keys if _is_ed25519_signing_key(jwk))

    def to_jwks(self) -> dict[str, Any]:
        return {"keys": [key.to_jwk() for key in self.keys]}


@dataclass(frozen=True)
class RevocationList:
    """Permit ids (cti, 16 bytes) revoked as of `generated`."""

    generated: datetime
    revoked: frozenset[bytes]

    def __contains__(self, permit_id: object) -> bool:
        return permit_id in self.revoked

    def __len__(self) -> int:
        return len(self.revoked)

    def merged(self, newer: "RevocationList") -> "RevocationList":
        """Adds a list fetched with `?since=` to this one: revocations are never withdrawn, only added."""
        return RevocationList(generated=max(self.generated, newer.generated), revoked=self.revoked | newer.revoked)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "RevocationList":
        """Reads `{"generated": NumericDate, "revoked": [base64url cti, ...]}`. Raises TrustDataError."""
        if not isinstance(data, Mapping):
            raise TrustDataError('a revocation list is {"generated": ..., "revoked": [...]}')
        entries = _member(data, "revoked", list)
        revoked = frozenset(_permit_id(entry) for entry in entries)
        return cls(generated=_instant(_member(data, "generated", int), what="generated"), revoked=revoked)

    def to_json(self) -> dict[str, Any]:
        return {"generated": int(self.generated.timestamp()), "revoked": sorted(map(b64url_encode, self.revoked))}


def b64url_encode(data: bytes) -> str:
    """base64url without padding, as the spec writes keys, kids and permit ids."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, what: str) -> bytes:
    """Strict base64url without padding: any other character is an error, not silently dropped."""
    if not _BASE64URL.fullmatch(text):
        raise TrustDataError(f"{what} is not base64url without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise TrustDataError(f"{what} is not base64url without padding") from None


def _is_ed25519_signing_key(jwk: Mapping[str, Any]) -> bool:
    return jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and jwk.get("use", "sig") == "sig"


def _member(data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if type(value) is not kind:
        raise TrustDataError(f"{name} is missing or not {kind.__name__}")
    return value


def _instant(seconds: int, *, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise TrustDataError(f"{what} is no representable date ({seconds})") from None


def _permit_id(entry: object) -> bytes:
    if not isinstance(entry, str):
        raise TrustDataError("a revoked permit id is a base64url string")
    permit_id = b64url_decode(entry, what="a revoked permit id")
    if len(permit_id) != 16:
        raise TrustDataError(f"revoked permit id {entry} has {len(permit_id)} bytes, not 16")
    return permit_id
