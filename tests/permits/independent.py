"""A second implementation of permit format v1, written from `../shared/spec/permit-v1.md` alone, for tests.

It stands in for another team's verifier and issuer: python-cwt builds and checks the COSE_Sign (several EdDSA
signers, the kid in each signature's protected header), cbor2 encodes the claims, the base45 package and zlib
carry them. It imports nothing from `tengri`, so the two implementations meet only on the wire.
"""

import base64
import hashlib
import zlib
from dataclasses import dataclass, field
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cwt import COSE, COSEKey, Signer

PREFIX = "TGP1:"
PERMIT_CLAIM = -70001


class Refused(Exception):
    """The independent verifier does not accept the permit."""


@dataclass
class Authority:
    """A border authority's signing key and the issue instants (NumericDate) it may sign for."""

    country: str
    not_before: int
    expires: int
    private_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    @property
    def kid(self) -> bytes:
        return hashlib.sha256(self.public_raw).digest()[:8]

    def signing_key(self) -> Any:
        # COSE_Key map (RFC 9053): kty OKP, crv Ed25519, x, d, alg EdDSA, kid as bytes.
        return COSEKey.new(
            {1: 1, -1: 6, -2: self.public_raw, -4: self.private_key.private_bytes_raw(), 3: -8, 2: self.kid}
        )

    def verifying_key(self) -> Any:
        return COSEKey.new({1: 1, -1: 6, -2: self.public_raw, 3: -8, 2: self.kid})

    def jwk(self) -> dict[str, Any]:
        """This key as an entry of the spec's trust list."""
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "x": _b64url(self.public_raw),
            "kid": _b64url(self.kid),
            "country": self.country,
            "nbf": self.not_before,
            "exp": self.expires,
        }


def sample_claims(**permit_fields: Any) -> dict[Any, Any]:
    """A claims set as the spec's table has it (issued 1 Jun 2026, valid July 2026); `permit_fields` replace
    entries of the permit map."""
    permit = {
        "v": 1,
        "ref": "KT-2026-000777",
        "rte": "KT-N-KZ",
        "rol": "member",
        "sn": "OTHER",
        "gn": "TEAM",
        "dob": "1990-05-17",
        "nat": "KGZ",
        "doc": "AC1234567",
        "auth": ["KG", "KZ"],
        "pts": [{"cp": "KRK", "from": "2026-07-02", "to": "2026-07-04"}],
    }
    permit.update(permit_fields)
    return {1: "KZKG", 4: 1785542399, 5: 1782864000, 6: 1780300800, 7: bytes(range(16)), PERMIT_CLAIM: permit}


def issue(claims: dict[Any, Any], signers: list[Authority]) -> str:
    """QR text of a permit signed by each of `signers`."""
    cose_signers = [
        Signer.new(cose_key=authority.signing_key(), protected={1: -8, 4: authority.kid}, unprotected={})
        for authority in signers
    ]
    cose = COSE.new().encode(cbor2.dumps(claims), signers=cose_signers, protected={}, unprotected={})
    return PREFIX + base45.b45encode(zlib.compress(cose)).decode("ascii")


def read(text: str, trusted: list[Authority], *, now: int) -> dict[Any, Any]:
    """The claims of a permit every authority in `auth` signed with a trusted key valid at `iat`, within its
    validity (300 s leeway). Raises Refused."""
    if not text.startswith(PREFIX):
        raise Refused("prefix")
    cose = zlib.decompress(base45.b45decode(text[len(PREFIX) :]))
    message = cbor2.loads(cose)
    if message.tag != 98:
        raise Refused("not COSE_Sign")
    claims = cbor2.loads(message.value[2])
    for country in claims[PERMIT_CLAIM]["auth"]:
        keys = [a.verifying_key() for a in trusted if a.country == country and a.not_before <= claims[6] <= a.expires]
        if not keys:
            raise Refused(f"no trusted key of {country}")
        try:
            COSE.new().decode(cose, keys=keys)
        except Exception as error:
            raise Refused(f"no valid signature by {country}: {error}") from error
    if not claims[5] - 300 <= now <= claims[4] + 300:
        raise Refused("outside the validity span")
    return claims


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
