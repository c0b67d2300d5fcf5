"""Personal data at rest: sealed with AES-GCM (Fernet) and found again through a keyed hash.

Two keys are derived from `settings.TENGRI_DATA_KEY` with HKDF, one to encrypt and one to index, so
that the index reveals nothing without the secret and a leaked index key cannot decrypt.
Document numbers are normalised (upper case, no spaces or '<') before indexing, so a look-up by
a number typed at a checkpoint finds the passport read from the MRZ.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from tengri.core.errors import TengriError


class SealBroken(TengriError):
    """A sealed value could not be opened: the data key changed or the value was altered."""

    http_status = 500


@cache
def _derived_key(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tengri-personal-data", info=purpose).derive(
        secret.encode()
    )


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(settings.TENGRI_DATA_KEY, b"seal")))


def seal(value: str) -> str:
    """Encrypt `value`; the empty string stays empty (nothing to protect, and it marks 'not given')."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode("ascii")


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SealBroken("a sealed personal-data value could not be decrypted (wrong TENGRI_DATA_KEY?)") from None


def normalise_document_number(number: str) -> str:
    return "".join(number.upper().split()).replace("<", "")


def lookup_index(kind: str, value: str) -> str:
    """Keyed hash of `value` for exact look-up; `kind` separates namespaces (passport numbers vs IINs)."""
    key = _derived_key(settings.TENGRI_DATA_KEY, b"index")
    message = f"{kind}:{normalise_document_number(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
