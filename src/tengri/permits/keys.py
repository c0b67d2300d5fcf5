"""The authorities' signing keys: create, activate, retire, and the published trust list.

A key is created, then activated (the authority's previous active key retires at that moment), then
retired. Private keys are sealed with Fernet under a key derived from `TENGRI_SIGNING_KEY_SECRET` and
opened only to sign. The trust list publishes active keys and retired keys until the last permit they
signed has expired; then a retired key drops out, and what it signed no longer verifies.
"""

import base64
from datetime import datetime, timedelta
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput, InvalidTransition, NotFound
from tengri.permits.codec import kid_for
from tengri.permits.models import SigningKey

State = SigningKey.State
# An active key is published as valid for this long; retiring it cuts its window short.
ACTIVE_KEY_WINDOW = timedelta(days=3 * 365)


@cache
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tengri-signing-keys", info=b"seal").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


@transaction.atomic
def key_create(*, actor, authority: str) -> SigningKey:
    if authority not in ("KZ", "KG"):
        raise InvalidInput("the authority is KZ or KG")
    private_key = Ed25519PrivateKey.generate()
    public_raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = SigningKey.objects.create(
        authority=authority,
        kid=kid_for(private_key.public_key()).hex(),
        public_key=public_raw,
        private_key_sealed=_fernet(settings.TENGRI_SIGNING_KEY_SECRET).encrypt(_raw_private(private_key)).decode(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="key.create", subject=key, data={"authority": authority, "kid": key.kid})
    return key


@transaction.atomic
def key_activate(*, actor, kid: str) -> SigningKey:
    """Locks the authority's keys; the previously active one retires now."""
    key = _locked(kid)
    if key.state != State.CREATED:
        raise InvalidTransition(f"key {kid} is {key.state}; only a new key can be activated")
    now = timezone.now()
    for previous in SigningKey.objects.select_for_update().filter(authority=key.authority, state=State.ACTIVE):
        _retire(previous, now, actor, reason="replaced by " + key.kid)
    key.state, key.activated_at = State.ACTIVE, now
    key.save(update_fields=["state", "activated_at"])
    audit_record(actor=actor, action="key.activate", subject=key, data={"authority": key.authority, "kid": key.kid})
    return key


@transaction.atomic
def key_retire(*, actor, kid: str) -> SigningKey:
    key = _locked(kid)
    if key.state == State.RETIRED:
        raise InvalidTransition(f"key {kid} is retired already")
    _retire(key, timezone.now(), actor, reason="retired")
    return key


def _retire(key: SigningKey, now: datetime, actor, *, reason: str) -> None:
    key.state, key.retired_at = State.RETIRED, now
    key.save(update_fields=["state", "retired_at"])
    audit_record(actor=actor, action="key.retire", subject=key, reason=reason, data={"kid": key.kid})


def _locked(kid: str) -> SigningKey:
    key = SigningKey.objects.select_for_update().filter(kid=kid.strip().lower()).first()
    if key is None:
        raise NotFound(f"no signing key {kid!r}")
    return key


def active_signer(authority: str, *, now: datetime | None = None) -> tuple[SigningKey, Ed25519PrivateKey] | None:
    """The authority's active key and its private half, or None when there is none or it has outlived
    the window the trust list publishes for it (it would sign permits that nobody accepts)."""
    now = now or timezone.now()
    key = SigningKey.objects.filter(authority=authority, state=State.ACTIVE).first()
    if key is None or now > (key.activated_at or key.created_at) + ACTIVE_KEY_WINDOW:
        return None
    raw = _fernet(settings.TENGRI_SIGNING_KEY_SECRET).decrypt(key.private_key_sealed.encode())
    return key, Ed25519PrivateKey.from_private_bytes(raw)


def published_keys(*, now: datetime) -> list[SigningKey]:
    """Active keys, and retired keys while any permit they signed is still unexpired."""
    keys = SigningKey.objects.exclude(state=State.CREATED).annotate(last_expiry=Max("permits__expires"))
    return [
        key
        for key in keys.order_by("authority", "activated_at")
        if key.state == State.ACTIVE or (key.last_expiry is not None and key.last_expiry > now)
    ]


def trust_list_jwks(*, now: datetime) -> dict:
    """The spec's JWK Set: what a checkpoint needs to verify every permit still in use."""
    return {"keys": [_jwk(key) for key in published_keys(now=now)]}


def _jwk(key: SigningKey) -> dict:
    activated = key.activated_at or key.created_at
    ends = key.retired_at or activated + ACTIVE_KEY_WINDOW
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "x": _b64url(bytes(key.public_key)),
        "kid": _b64url(bytes.fromhex(key.kid)),
        "country": key.authority,
        "nbf": int(activated.timestamp()),
        "exp": int(ends.timestamp()),
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
