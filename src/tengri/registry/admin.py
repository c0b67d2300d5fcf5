"""Registry editing for administrators; every change is kept in the model's history."""

from django.contrib import admin

from tengri.core.access import access_registry_edit
from tengri.core.rule_admin import RuleAdmin
from tengri.registry.models import Authority, BaseCamp, Checkpoint, HelicopterLeg, Place, Route, Waypoint

NAMES = ("name_en", "name_ru", "name_kk", "name_ky")


class RegistryAdmin(RuleAdmin):
    """Every registry page of the admin answers to `access_registry_edit`, not to per-model permissions."""

    access_rule = staticmethod(access_registry_edit)


@admin.register(Authority)
class AuthorityAdmin(RegistryAdmin):
    list_display = ("code", "name_en", "border_service", "rescue_service", "lead_time_working_days")


@admin.register(Place)
class PlaceAdmin(RegistryAdmin):
    list_display = ("code", "name_en", "kind", "lat", "lon", "altitude_m", "approximate")
    list_filter = ("kind", "approximate")
    search_fields = ("code", *NAMES)


class WaypointInline(admin.TabularInline):
    model = Waypoint
    extra = 0
    ordering = ("position",)
    autocomplete_fields = ("place",)


@admin.register(Route)
class RouteAdmin(RegistryAdmin):
    list_display = ("code", "name_en", "grade", "access_country", "season_opens", "season_closes", "status")
    list_filter = ("status", "access_country")
    search_fields = ("code", *NAMES)
    inlines = [WaypointInline]


@admin.register(Checkpoint)
class CheckpointAdmin(RegistryAdmin):
    list_display = ("code", "name_en", "kind", "season_opens", "season_closes", "daily_capacity", "status")
    list_filter = ("kind", "status")
    filter_horizontal = ("authorities",)
    autocomplete_fields = ("place",)


@admin.register(BaseCamp)
class BaseCampAdmin(RegistryAdmin):
    list_display = ("place", "beds", "season_opens", "season_closes", "approximate")


@admin.register(HelicopterLeg)
class HelicopterLegAdmin(RegistryAdmin):
    list_display = ("origin", "destination", "seats_per_flight", "flights_per_day", "flight_minutes", "approximate")
