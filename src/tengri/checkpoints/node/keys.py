"""The node's own key (`node.key`, 32 random bytes, mode 0600) and the two keys derived from it.

The manifest carries passport numbers and birth dates inside its QR texts, so the node keeps them sealed
(Fernet) and finds a permit by an HMAC of the passport number: the sealing key and the index key are
derived separately (HKDF), so the index reveals nothing without the file, as at the centre
(`tengri.documents.crypto`). The centre's data key is never on a node.
"""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tengri.core.errors import TengriError
from tengri.documents.crypto import normalise_document_number

KEY_FILE = "node.key"
KEY_BYTES = 32


class NodeKeyError(TengriError):
    """The node's key is missing, unreadable or not the key its store was sealed with."""


def key_create(home: Path) -> Path:
    """Writes a new key readable by the owner only. Refuses to replace an existing one: the manifest
    sealed under it would become unreadable."""
    path = home / KEY_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(KEY_BYTES))
    os.chmod(path, 0o600)  # O_CREAT's mode passes through the umask, which may be stricter, never looser
    return path


def key_load(home: Path) -> bytes:
    path = home / KEY_FILE
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NodeKeyError(f"cannot read the node key {path}: {error.strerror}") from None
    if len(raw) != KEY_BYTES:
        raise NodeKeyError(f"the node key {path} has {len(raw)} bytes, not {KEY_BYTES}")
    return raw


class NodeSeal:
    """Seals and indexes personal data with keys derived from the node key."""

    def __init__(self, node_key: bytes) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(node_key, b"seal")))
        self._index_key = _derive(node_key, b"index")

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def unseal(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise NodeKeyError(
                "a sealed manifest entry could not be opened: node.key is not the key it was sealed with"
            ) from None

    def passport_index(self, number: str) -> str:
        """The keyed hash of a passport number as typed or as the permit carries it (normalised first)."""
        message = f"passport:{normalise_document_number(number)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def _derive(node_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tengri-checkpoint-node", info=purpose).derive(node_key)
