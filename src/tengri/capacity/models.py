"""Capacity of the scarce things a group uses, per day, and who holds it.

A *resource* is a checkpoint (people a day), a helicopter leg in one direction (seats a day = seats a
flight × flights a day) or a base camp (beds a night). Its capacity on a day comes from the registry,
unless an administrator overrode that day (`CapacityOverride`, 0 closes it, always with a reason).

A `ResourceDay` row exists for every resource and day anyone asked for: it is the row that is locked
(see `locking.py`), and it stores no count. What is taken is always recounted from the `HoldLine`s of
live holds: a hold that is submitted or confirmed (a reservation), or held and not yet expired.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from tengri.expeditions.models import Application
from tengri.registry.models import BaseCamp, Checkpoint, HelicopterLeg


class Resource(models.Model):
    """One thing with a daily capacity. Made from the registry by `resources_sync`, never typed in."""

    class Kind(models.TextChoices):
        CHECKPOINT = "checkpoint", _("checkpoint")
        HELICOPTER = "helicopter", _("helicopter leg")
        BASE_CAMP = "base_camp", _("base camp")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # "checkpoint:KRK", "helicopter:karkara-kz>north-inylchek-bc", "base_camp:north-inylchek-bc"
    code = models.CharField(max_length=100, unique=True)
    checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    helicopter_leg = models.ForeignKey(HelicopterLeg, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # A registered leg flies both ways: the way back (destination → origin) is a resource of its own.
    way_back = models.BooleanField(default=False)
    base_camp = models.ForeignKey(BaseCamp, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="checkpoint", checkpoint__isnull=False, helicopter_leg__isnull=True, base_camp__isnull=True)
                    | Q(
                        kind="helicopter", helicopter_leg__isnull=False, checkpoint__isnull=True, base_camp__isnull=True
                    )
                    | Q(kind="base_camp", base_camp__isnull=False, checkpoint__isnull=True, helicopter_leg__isnull=True)
                ),
                name="resource_points_at_its_kind",
            ),
            models.UniqueConstraint(fields=["checkpoint"], name="one_resource_per_checkpoint"),
            models.UniqueConstraint(fields=["base_camp"], name="one_resource_per_base_camp"),
            models.UniqueConstraint(fields=["helicopter_leg", "way_back"], name="one_resource_per_leg_way"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """Short name for tables: the checkpoint code, the two places of a flight, the camp's place."""
        return self.code.split(":", 1)[1].replace(">", " → ")


class CapacityOverride(models.Model):
    """An administrator's capacity for one resource on one day, instead of the registry's; 0 closes it.
    The reason is shown to operators whose request does not fit because of it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="overrides")
    day = models.DateField()
    capacity = models.PositiveIntegerField(help_text=_("people (seats, beds) that day; 0 closes it"))
    reason = models.CharField(max_length=300, help_text=_("shown to operators, e.g. 'bridge repairs'"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["day", "resource_id"]  # by id, not code: ordering across a join costs every query
        constraints = [
            models.UniqueConstraint(fields=["resource", "day"], name="one_override_per_resource_day"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.code} {self.day}: {self.capacity}"


class ResourceDay(models.Model):
    """The lock for one resource on one day. Deliberately holds no count (see the module docstring)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()

    class Meta:
        ordering = ["resource_id", "day"]
        constraints = [models.UniqueConstraint(fields=["resource", "day"], name="one_row_per_resource_day")]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.day}"


class Hold(models.Model):
    """What one application holds. held (expires) → submitted (kept until decided) → confirmed (a
    reservation); released or expired gives it back; short: the last request did not fit, nothing held.

    `shortfalls` keeps why the last request did not fit ([{resource, day, needed, left, reason}]); it
    may be set on a submitted or confirmed hold whose amended itinerary did not fit (the lines then
    still hold what was reserved before the amendment)."""

    class State(models.TextChoices):
        HELD = "held", pgettext_lazy("hold state", "held")
        SUBMITTED = "submitted", pgettext_lazy("hold state", "kept for review")
        CONFIRMED = "confirmed", pgettext_lazy("hold state", "reserved")
        SHORT = "short", pgettext_lazy("hold state", "does not fit")
        RELEASED = "released", pgettext_lazy("hold state", "released")
        EXPIRED = "expired", pgettext_lazy("hold state", "expired")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="capacity_hold")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SHORT, db_index=True)
    people = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text=_("held only"))
    shortfalls = models.JSONField(default=list, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="held", expires_at__isnull=False) | ~Q(state="held"), name="held_expires"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.state}"


class HoldLine(models.Model):
    """People a hold takes on one resource-day. Only live holds have lines; releasing deletes them."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="lines")
    resource_day = models.ForeignKey(ResourceDay, on_delete=models.PROTECT, related_name="lines")
    people = models.PositiveIntegerField()
    # Copied from the hold so that the recount needs no join: null unless the hold is held.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["hold_id", "resource_day_id"]  # ids: "hold" would join holds to order by their ordering
        constraints = [models.UniqueConstraint(fields=["hold", "resource_day"], name="one_line_per_resource_day")]
        indexes = [models.Index(fields=["resource_day", "expires_at"], name="holdline_recount")]

    def __str__(self) -> str:
        return f"{self.hold_id} {self.resource_day_id}: {self.people}"


class WaitlistEntry(models.Model):
    """An application waiting for a resource-day it did not fit; served in the order they joined."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting")
        SERVED = "served", _("served: a hold was placed")
        LEFT = "left", _("left the waitlist")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="waitlist_entries")
    resource_day = models.ForeignKey(ResourceDay, on_delete=models.PROTECT, related_name="waitlist")
    people = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING, db_index=True)
    joined_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "resource_day"],
                condition=Q(state="waiting"),
                name="waiting_once_per_resource_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} waits for {self.resource_day_id}"
