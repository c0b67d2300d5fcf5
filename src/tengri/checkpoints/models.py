"""The centre's side of the checkpoints: devices, crossing events, position reports, descent and summit
notices and overdue alerts. The checkpoint node keeps its own small SQLite store (`checkpoints/node/`),
not these.

Crossing events are append-only: the model refuses changes and a database trigger refuses UPDATE
(migration 0001); the centre deduplicates by the id the device gave the event (UUIDv7).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tengri.core.errors import InvalidTransition
from tengri.expeditions.models import Application, Member
from tengri.registry.models import Checkpoint, Country


class Device(models.Model):
    """A laptop running the checkpoint node at one checkpoint. It proves itself with a secret credential
    it received once, in exchange for a one-time enrolment token; only hashes of both are stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="devices")
    label = models.CharField(max_length=100, help_text=_("e.g. 'KRK laptop 1'"))
    enrolment_token_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 hex; empty once used")
    enrolment_expires_at = models.DateTimeField(null=True, blank=True)
    credential_hash = models.CharField(max_length=64, blank=True, db_index=True, help_text="SHA-256 hex")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_clock_skew_s = models.FloatField(null=True, blank=True, help_text="server time minus device time")

    class Meta:
        ordering = ["checkpoint__code", "label"]

    def __str__(self) -> str:
        return f"{self.label} ({self.checkpoint.code})"


class Direction(models.TextChoices):
    IN = "in", _("entry")
    OUT = "out", _("exit")


class CrossingEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise InvalidTransition("crossing events are append-only")

    def bulk_update(self, *args, **kwargs):
        raise InvalidTransition("crossing events are append-only")


class CrossingEvent(models.Model):
    """One scan at a checkpoint, as the device recorded it: a crossing when the verdict is VALID, an
    attempted crossing otherwise. Who the holder is comes from the permit (`member` when the permit is
    ours); `holder_name`/`nationality` are what the permit claimed, kept for refused scans too."""

    class Method(models.TextChoices):
        QR = "qr", _("QR scanned")
        IMAGE = "image", _("QR image")
        LOOKUP = "lookup", _("looked up by passport number")
        PAPER = "paper", _("entered later from the paper log")

    id = models.UUIDField(primary_key=True, help_text="UUIDv7 generated on the device")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="crossing_events")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    verdict = models.CharField(max_length=20, help_text="the permit verifier's code, VALID or a refusal")
    detail = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.QR)
    officer = models.CharField(max_length=100, help_text="who scanned, as signed in at the device")
    permit_id = models.UUIDField(null=True, blank=True, db_index=True)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(max_length=200, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    reference = models.CharField(max_length=20, blank=True)
    route_code = models.CharField(max_length=20, blank=True)
    device_time = models.DateTimeField(help_text="when the scan happened, by the device's clock")
    received_at = models.DateTimeField(help_text="when the centre stored it, by the centre's clock")
    clock_skew_s = models.FloatField(help_text="centre time minus device time, measured at upload")
    skew_flagged = models.BooleanField(default=False)
    occurred_at = models.DateTimeField(db_index=True, help_text="device time corrected by the measured skew")

    objects = CrossingEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["member", "occurred_at"]),
            models.Index(fields=["application", "occurred_at"]),
            models.Index(fields=["checkpoint", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.direction} {self.verdict} {self.id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise InvalidTransition("crossing events are append-only")
        super().save(*args, **kwargs)

    @property
    def accepted(self) -> bool:
        return self.verdict == "VALID"


class PositionReport(models.Model):
    """Where a group was, from a satellite messenger (typed in by a person or posted to the API)."""

    class Source(models.TextChoices):
        MESSENGER = "messenger", _("satellite messenger")
        RADIO = "radio", _("radio or phone call")
        OTHER = "other", _("other")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="positions")
    lat = models.FloatField()
    lon = models.FloatField()
    country = models.CharField(max_length=2, blank=True, help_text="where the point lies, from the border data")
    reported_at = models.DateTimeField(help_text="the moment of the position")
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MESSENGER)
    note = models.CharField(max_length=300, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"{self.application_id} at {self.lat:.4f}, {self.lon:.4f}"


class DescentNotice(models.Model):
    """The group is down and out of the mountains: filed by the leader or the operator; closes presence."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="descent_notice")
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_by_leader = models.BooleanField(default=False, help_text="through the leader's permit link")
    note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"descent notice of {self.application_id}"


class SummitNotice(models.Model):
    """A group reports that some of its people stood on a summit: filed by the leader (permit link) or
    the operator. One notice per peak per group; a group climbing two peaks files two."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="summit_notices")
    peak = models.CharField(max_length=100, default="Khan Tengri")
    reached_at = models.DateTimeField(help_text="the moment on top, as reported (UTC)")
    persons = models.PositiveSmallIntegerField(help_text="how many of the group reached it")
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_by_leader = models.BooleanField(default=False, help_text="through the leader's permit link")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["reached_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "peak"], name="one_summit_notice_per_peak"),
            models.CheckConstraint(condition=models.Q(persons__gte=1), name="summit_notice_persons_positive"),
        ]

    def __str__(self) -> str:
        return f"summit notice of {self.application_id}: {self.peak}"


class OverdueAlert(models.Model):
    """One stage of escalation for a group that has not come out by its planned time plus the grace.
    The sweep raises stages; only people acknowledge, escalate or close them."""

    class Stage(models.IntegerChoices):
        REMINDER = 1, _("reminder to the leader and operator")
        EMERGENCY_CONTACT = 2, _("emergency contact")
        RESCUE = 3, _("rescue service")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        CLOSED = "closed", _("closed")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="overdue_alerts")
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    country = models.CharField(
        max_length=2, choices=Country.choices, help_text="the rescue service concerned: where the group was last known"
    )
    due_at = models.DateTimeField(help_text="the planned exit plus the grace that was missed")
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="empty when the sweep raised it",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["application", "stage"], name="one_alert_per_stage")]

    def __str__(self) -> str:
        return f"stage {self.stage} alert for {self.application_id}"


class AlertAction(models.Model):
    """What a person did with an alert, and why."""

    class Kind(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("acknowledged")
        ESCALATE = "escalate", _("escalated")
        CLOSE = "close", _("closed")

    alert = models.ForeignKey(OverdueAlert, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.CharField(max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.alert_id}"
