"""The registry of approved cross-border routes and the infrastructure they use.

Every value taken from a public source keeps that source (`source`) and whether it is an estimate
(`approximate`), so that an administrator can correct it in the admin without a code change; every
change is kept in the history (django-simple-history).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tengri.core.i18n import NamedInFourLanguages
from tengri.core.seasons import in_season, validate_month_day
from tengri.geo.profile import FOOT, HELICOPTER, VEHICLE


class Country(models.TextChoices):
    KZ = "KZ", "Kazakhstan"
    KG = "KG", "Kyrgyzstan"


class Status(models.TextChoices):
    OPEN = "open", "open"
    CLOSED = "closed", "closed"


def _season_field(label: str) -> models.CharField:
    return models.CharField(label, max_length=5, validators=[validate_month_day], help_text="month-day, e.g. 07-01")


def _closed_needs_reason(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(status=Status.OPEN) | ~Q(closed_reason=""), name=f"{prefix}_closed_needs_reason"
    )


class Seasonal(models.Model):
    """Open every year between two month-days (a window may wrap over New Year)."""

    season_opens = _season_field("season opens")
    season_closes = _season_field("season closes")

    class Meta:
        abstract = True

    def in_season(self, day) -> bool:
        return in_season(day, self.season_opens, self.season_closes)


class Closable(models.Model):
    """Open or closed by an administrator; a closure always says why (a database constraint)."""

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_reason = models.TextField(blank=True)

    class Meta:
        abstract = True


class Authority(NamedInFourLanguages):
    """A party to the route regime: one state, its border service and its rescue service."""

    code = models.CharField(max_length=2, choices=Country.choices, unique=True)
    timezone = models.CharField(max_length=40, help_text="IANA zone for showing local time, e.g. Asia/Almaty")
    border_service = models.CharField(max_length=200)
    border_service_ru = models.CharField("border service (Russian)", max_length=200, blank=True)
    rescue_service = models.CharField(max_length=200)
    rescue_service_ru = models.CharField("rescue service (Russian)", max_length=200, blank=True)
    lead_time_working_days = models.PositiveSmallIntegerField(
        default=7, help_text="working days an application must be filed before the start"
    )
    passport_valid_months_after_trip = models.PositiveSmallIntegerField(default=6)
    source = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["code"]


class Place(NamedInFourLanguages):
    """A located point: settlement, trailhead, helipad, camp, col, pass, summit or crossing point."""

    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", "settlement"
        TRAILHEAD = "trailhead", "trailhead"
        HELIPAD = "helipad", "helipad"
        BASE_CAMP = "base_camp", "base camp"
        CAMP = "camp", "camp"
        COL = "col", "col"
        PASS = "pass", "pass"
        SUMMIT = "summit", "summit"
        CROSSING_POINT = "crossing_point", "crossing point"

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    altitude_m = models.IntegerField(null=True, blank=True, help_text="surveyed or reported; empty = take the grid")
    approximate = models.BooleanField(default=False, help_text="position or altitude is an estimate")
    source = models.TextField(blank=True, help_text="where the position and altitude come from")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]


class Route(NamedInFourLanguages, Seasonal, Closable):
    code = models.CharField(max_length=20, unique=True)
    grade = models.CharField(max_length=20, help_text="Russian mountaineering grade, e.g. 5A; treks 1A–1B")
    access_country = models.CharField(max_length=2, choices=Country.choices)
    description = models.TextField(blank=True)
    description_ru = models.TextField("description (Russian)", blank=True)
    source = models.TextField(blank=True)
    # Group size counts everyone on the application: leader, guides and members.
    group_size_min = models.PositiveSmallIntegerField(default=2)
    group_size_max = models.PositiveSmallIntegerField(default=20, help_text="a Mi-8 flight takes about 20 people")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            _closed_needs_reason("route"),
            models.CheckConstraint(
                condition=Q(group_size_max__gte=models.F("group_size_min")), name="route_group_size_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class Waypoint(models.Model):
    """A route's stop, in order. `arrival` is how the group reaches it from the previous waypoint."""

    class Arrival(models.TextChoices):
        FOOT = FOOT, "on foot"
        VEHICLE = VEHICLE, "by road"
        HELICOPTER = HELICOPTER, "by helicopter"

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="waypoints")
    position = models.PositiveSmallIntegerField()
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="waypoints")
    arrival = models.CharField(max_length=12, choices=Arrival.choices, default=Arrival.FOOT)
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["route", "position"]
        constraints = [models.UniqueConstraint(fields=["route", "position"], name="waypoint_unique_position")]

    def __str__(self) -> str:
        return f"{self.route.code} #{self.position} {self.place.code}"


class Checkpoint(NamedInFourLanguages, Seasonal, Closable):
    """A place where border services check groups: agreement crossing points, road posts, helipads."""

    class Kind(models.TextChoices):
        AGREEMENT_CROSSING = "agreement_crossing", "seasonal crossing point of the agreement"
        ROAD = "road", "road checkpoint"
        HELI_BASE = "heli_base", "helicopter base"
        BASE_CAMP_HELIPAD = "base_camp_helipad", "base camp helipad"

    code = models.CharField(max_length=12, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkpoints",
        help_text="empty while the location is unknown",
    )
    authorities = models.ManyToManyField(Authority, related_name="checkpoints", help_text="border services on duty")
    daily_capacity = models.PositiveIntegerField(help_text="people per day")
    source = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [_closed_needs_reason("checkpoint")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class BaseCamp(Seasonal):
    place = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="base_camp")
    beds = models.PositiveIntegerField(help_text="beds a night across the camp's operators")
    approximate = models.BooleanField(default=False, help_text="the number of beds is an estimate")
    source = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["place__code"]

    def __str__(self) -> str:
        return str(self.place)


class HelicopterLeg(models.Model):
    origin = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="helicopter_departures")
    destination = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="helicopter_arrivals")
    seats_per_flight = models.PositiveSmallIntegerField()
    flights_per_day = models.PositiveSmallIntegerField()
    flight_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    approximate = models.BooleanField(default=False)
    source = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["origin__code", "destination__code"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination"], name="helicopter_leg_unique"),
            models.CheckConstraint(condition=~Q(origin=models.F("destination")), name="helicopter_leg_two_places"),
        ]

    def __str__(self) -> str:
        return f"{self.origin.code} → {self.destination.code}"

    @property
    def seats_per_day(self) -> int:
        return self.seats_per_flight * self.flights_per_day
