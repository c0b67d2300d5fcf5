"""Checkpoint devices: registration, the one-time enrolment, revocation and authentication.

An administrator registers a device for one checkpoint and hands its node a one-time enrolment token;
the node exchanges it once for a credential `<device id>.<secret>`. Only SHA-256 digests of the token
and of the secret are stored, so a copy of the database cannot act as a device. See docs/offline-sync.md.
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tengri.checkpoints.models import Device
from tengri.core.audit import audit_record
from tengri.core.errors import InvalidInput, InvalidTransition, NotFound
from tengri.registry.models import Checkpoint

SECRET_BYTES = 32
LABEL_MAX = 100  # Device.label
# last_seen_at is a hint for administrators: writing it on every request would make each sync a write.
LAST_SEEN_EVERY = timedelta(minutes=1)
# Compared against when the device is unknown, so that an unknown id costs the same work as a wrong secret.
_NO_HASH = "0" * 64


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic(durable=True)
def device_register(*, actor, checkpoint_code: str, label: str) -> tuple[Device, str]:
    """Register a device for a checkpoint. Returns it and its one-time enrolment token, the only time the
    token exists in clear (valid TENGRI_DEVICE_ENROLMENT_HOURS). Raises InvalidInput for an unknown
    checkpoint or a blank label. Audited; takes no lock (a new row)."""
    checkpoint = Checkpoint.objects.filter(code=checkpoint_code.strip()).first()
    if checkpoint is None:
        raise InvalidInput(_("no checkpoint %(code)r") % {"code": checkpoint_code})
    label = label.strip()
    if not label or len(label) > LABEL_MAX:
        raise InvalidInput(_("give the device a label of 1 to 100 characters, e.g. 'KRK laptop 1'"))
    token = secrets.token_urlsafe(SECRET_BYTES)
    device = Device.objects.create(
        checkpoint=checkpoint,
        label=label,
        enrolment_token_hash=digest(token),
        enrolment_expires_at=timezone.now() + timedelta(hours=settings.TENGRI_DEVICE_ENROLMENT_HOURS),
        registered_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(actor=actor, action="device.register", subject=device, data={"checkpoint": checkpoint.code})
    return device, token


@transaction.atomic(durable=True)
def device_enrol(*, token: str) -> tuple[Device, str]:
    """Spend an enrolment token: the device gets its credential `<device id>.<secret>`, shown this once.

    Locks the device row, so two exchanges of one token cannot both succeed. An unknown, spent or expired
    token, or one of a revoked device, all get the same InvalidInput: the answer tells nothing about which.
    Audited (actor: the system)."""
    refused = InvalidInput(_("this enrolment token is not valid: ask the administrator for a new one"))
    token = token.strip()
    if not token:
        raise refused
    device = (
        Device.objects.select_for_update(of=("self",))
        .select_related("checkpoint")
        .filter(enrolment_token_hash=digest(token), revoked_at=None)
        .first()
    )
    now = timezone.now()
    if device is None or device.enrolment_expires_at is None or device.enrolment_expires_at <= now:
        raise refused
    secret = secrets.token_urlsafe(SECRET_BYTES)
    device.credential_hash = digest(secret)
    device.enrolment_token_hash, device.enrolment_expires_at = "", None
    device.enrolled_at = device.last_seen_at = now
    device.save(
        update_fields=["credential_hash", "enrolment_token_hash", "enrolment_expires_at", "enrolled_at", "last_seen_at"]
    )
    audit_record(actor=None, action="device.enrol", subject=device, data={"checkpoint": device.checkpoint.code})
    return device, f"{device.pk}.{secret}"


@transaction.atomic(durable=True)
def device_revoke(*, actor, device_id: str | uuid.UUID, reason: str) -> Device:
    """Revoke a device: its credential and any unspent token stop working at its next request.

    Locks the device row. Raises NotFound for an unknown id, InvalidInput for a blank reason,
    InvalidTransition if it was revoked already. Audited with the reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("say why the device is revoked (lost, stolen, replaced, …)"))
    device = Device.objects.select_for_update().filter(pk=_device_key(device_id)).first()
    if device is None:
        raise NotFound(_("no device %(id)s") % {"id": device_id})
    if device.revoked_at is not None:
        raise InvalidTransition(_("device %(id)s was revoked already") % {"id": device.pk})
    device.revoked_at, device.revoke_reason = timezone.now(), reason[:200]
    device.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(actor=actor, action="device.revoke", subject=device, reason=reason)
    return device


def device_authenticate(credential: str) -> Device | None:
    """The enrolled, unrevoked device this credential belongs to, or None (unknown, malformed, revoked).

    The secret's digest is compared in constant time. Notes when the device was last seen, at most once a
    minute (a conditional UPDATE, no lock)."""
    device_id, _dot, secret = credential.strip().partition(".")
    try:
        key = uuid.UUID(device_id)
    except ValueError:
        key = None
    device = Device.objects.select_related("checkpoint").filter(pk=key).first() if key and secret else None
    stored = device.credential_hash if device is not None and device.credential_hash else _NO_HASH
    matches = hmac.compare_digest(digest(secret), stored)
    if device is None or not matches or stored == _NO_HASH or device.revoked_at is not None:
        return None
    _note_seen(device, timezone.now())
    return device


def _note_seen(device: Device, now: datetime) -> None:
    if device.last_seen_at is not None and device.last_seen_at > now - LAST_SEEN_EVERY:
        return
    Device.objects.filter(pk=device.pk).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=now - LAST_SEEN_EVERY)
    ).update(last_seen_at=now)
    device.last_seen_at = now


def _device_key(device_id: str | uuid.UUID) -> uuid.UUID:
    if isinstance(device_id, uuid.UUID):
        return device_id
    try:
        return uuid.UUID(device_id.strip())
    except ValueError:
        raise NotFound(_("no device %(id)r (a device id is a UUID)") % {"id": device_id}) from None
