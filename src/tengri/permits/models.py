"""Signing keys of the authorities and the permits they signed.

Private keys are stored sealed (tengri.permits.keys) and never leave the server. A permit's QR text
carries personal data (document number, birth date), so it is stored sealed as well.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tengri.expeditions.models import Application, Member
from tengri.registry.models import Country


class SigningKey(models.Model):
    """An Ed25519 key of one authority. created → active → retired; one active key per authority."""

    class State(models.TextChoices):
        CREATED = "created", _("created")
        ACTIVE = "active", _("active")
        RETIRED = "retired", _("retired")

    authority = models.CharField(max_length=2, choices=Country.choices)
    kid = models.CharField(max_length=16, help_text="hex of the first 8 bytes of SHA-256 of the public key")
    public_key = models.BinaryField(max_length=32)
    private_key_sealed = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["authority", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority"], condition=Q(state="active"), name="one_active_key_per_authority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.kid} ({self.state})"


class Permit(models.Model):
    """One person's e-permit for one approved application (one review round)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, help_text="the claim cti")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="permits")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="permits")
    review_round = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    not_before = models.DateTimeField()
    expires = models.DateTimeField(db_index=True)
    qr_sealed = models.TextField(help_text="the QR text, sealed: it carries personal data")
    signed_by = models.ManyToManyField(SigningKey, related_name="permits")
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["application", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "review_round"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_permit_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.application.reference})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
