"""Guides, group applications, their members (from passport MRZ) and day-by-day itineraries.

Writes go through `services.py`; nothing here changes state on its own. Personal data (document
numbers, birth dates, IINs) is stored sealed (tengri.documents.crypto) with a keyed-hash index.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tengri.accounts.models import Company
from tengri.registry.models import Checkpoint, Place, Route


class Guide(models.Model):
    """A mountain guide employed by a company, qualified to lead routes up to a grade."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="guides")
    full_name = models.CharField(max_length=200, help_text=_("as in the passport, Latin letters"))
    qualification_grade = models.CharField(
        max_length=3, help_text=_("highest Russian grade the guide may lead, e.g. 5B")
    )
    certificate_number = models.CharField(max_length=60, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["company", "full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.qualification_grade})"


class ReferenceCounter(models.Model):
    """Last reference number given out per year; locked when a new application takes the next one."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Application(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("application state", "draft")
        SUBMITTED = "submitted", pgettext_lazy("application state", "submitted")
        UNDER_REVIEW = "under_review", pgettext_lazy("application state", "under review")
        CHANGES_REQUESTED = "changes_requested", pgettext_lazy("application state", "changes requested")
        APPROVED = "approved", pgettext_lazy("application state", "approved")
        REJECTED = "rejected", pgettext_lazy("application state", "rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("application state", "withdrawn")
        CLOSED = "closed", pgettext_lazy("application state", "closed")

    reference = models.CharField(max_length=20, unique=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="applications")
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="applications")
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    # Each submission opens a review round; decisions belong to a round, so an amendment starts afresh.
    review_round = models.PositiveIntegerField(default=0)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    insurance_policy = models.CharField(max_length=80, blank=True)
    # Country codes of the border authorities that must approve, from the route's geometry at last save.
    required_authorities = models.JSONField(default=list)
    # The pre-screen's findings at last save: [{"code", "severity", "params"}]; messages are rendered per language.
    findings = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set at the first approval and kept: later reviews are of amendments, not new filings (no lead time).
    first_approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("retention counts from here"))
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="application_dates_ordered")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def nights(self) -> int:
        return (self.end_date - self.start_date).days


EDITABLE_STATES = (
    Application.State.DRAFT,
    Application.State.CHANGES_REQUESTED,
    Application.State.APPROVED,  # an edit of an approved application is an amendment: it goes back to review
)
FINAL_STATES = (Application.State.REJECTED, Application.State.WITHDRAWN, Application.State.CLOSED)


class Member(models.Model):
    """A person in the group, as read from the passport's MRZ (the MRZ is the authority for the name)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("leader")
        GUIDE = "guide", _("guide")
        MEMBER = "member", _("member")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    guide = models.ForeignKey(Guide, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships")
    surname = models.CharField(max_length=80)
    given_names = models.CharField(max_length=80)
    nationality = models.CharField(max_length=3)
    issuing_state = models.CharField(max_length=3)
    sex = models.CharField(max_length=1)
    document_expiry = models.DateField()
    document_number_sealed = models.TextField()
    document_number_index = models.CharField(max_length=64, db_index=True)
    birth_date_sealed = models.TextField()
    iin_sealed = models.TextField(blank=True)
    typed_name = models.CharField(max_length=200, blank=True, help_text=_("as the operator typed it, for matching"))
    added_in_round = models.PositiveIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)
    erased = models.BooleanField(default=False)

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "document_number_index"],
                condition=Q(removed_at__isnull=True),
                name="member_once_per_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.surname}, {self.given_names}"

    @property
    def name(self) -> str:
        return f"{self.surname} {self.given_names}".strip()


class ItineraryDay(models.Model):
    """Where the group sleeps on a night of the trip (a place on the route)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="itinerary")
    date = models.DateField()
    sleeping_place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["application", "date"]
        constraints = [models.UniqueConstraint(fields=["application", "date"], name="one_night_per_date")]

    def __str__(self) -> str:
        return f"{self.date}: {self.sleeping_place_id}"


class PlannedPassage(models.Model):
    """A planned crossing of a checkpoint on a date, entering or leaving the border zone."""

    class Direction(models.TextChoices):
        IN = "in", _("in")
        OUT = "out", _("out")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="passages")
    date = models.DateField()
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)

    class Meta:
        ordering = ["application", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.direction} {self.checkpoint_id}"
