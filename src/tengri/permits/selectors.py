"""Reads of permits: the lists a checkpoint syncs (trust list, revocations) and an application's permits."""

import base64
import uuid
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from tengri.core.errors import NotFound
from tengri.permits.keys import trust_list_jwks
from tengri.permits.models import Permit

__all__ = ["permit_get", "permits_of_application", "revocation_list", "trust_list_jwks"]


def permit_get(*, permit_id: str) -> Permit:
    try:
        key = uuid.UUID(permit_id.strip())
    except ValueError:
        raise NotFound(f"no permit {permit_id!r} (a permit id is a UUID)") from None
    permit = Permit.objects.select_related("application", "member").filter(pk=key).first()
    if permit is None:
        raise NotFound(f"no permit {permit_id!r}")
    return permit


def permits_of_application(application) -> QuerySet[Permit]:
    return application.permits.select_related("member").order_by("member__id", "-issued_at")


def revocation_list(*, since: datetime | None = None, now: datetime | None = None) -> dict:
    """The spec's revocation list. Revoked permits that have expired are left out: they fail anyway."""
    now = now or timezone.now()
    revoked = Permit.objects.filter(revoked_at__isnull=False, expires__gt=now)
    if since is not None:
        revoked = revoked.filter(revoked_at__gt=since)
    ids = revoked.order_by("revoked_at").values_list("id", flat=True)
    return {
        "generated": int(now.timestamp()),
        "revoked": [base64.urlsafe_b64encode(permit_id.bytes).rstrip(b"=").decode("ascii") for permit_id in ids],
    }
