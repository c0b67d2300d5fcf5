"""Capacity per day in the admin: an administrator sets a day's capacity of a resource (0 closes it),
always with a reason operators are shown. Saving goes through the service, which locks the
resource-day, so a lower capacity never slips in between a booking's recount and its commit."""

from django.contrib import admin

from tengri.capacity.models import CapacityOverride, Resource
from tengri.capacity.services import capacity_override_remove, capacity_override_set
from tengri.core.access import access_registry_edit
from tengri.core.rule_admin import RuleAdmin


@admin.register(CapacityOverride)
class CapacityOverrideAdmin(RuleAdmin):
    access_rule = staticmethod(access_registry_edit)
    list_display = ("day", "resource", "capacity", "reason", "created_by", "updated_at")
    list_filter = ("resource__kind", "resource")
    date_hierarchy = "day"
    fields = ("resource", "day", "capacity", "reason")
    autocomplete_fields = ("resource",)

    def save_model(self, request, obj, form, change):
        if change and {"resource", "day"} & set(form.changed_data):
            capacity_override_remove(actor=request.user, override=CapacityOverride.objects.get(pk=obj.pk))
        saved = capacity_override_set(
            actor=request.user, resource=obj.resource, day=obj.day, capacity=obj.capacity, reason=obj.reason
        )
        obj.pk = saved.pk  # the admin's answer links to what was saved

    def delete_model(self, request, obj):
        capacity_override_remove(actor=request.user, override=obj)

    def delete_queryset(self, request, queryset):
        for override in queryset:
            capacity_override_remove(actor=request.user, override=override)


@admin.register(Resource)
class ResourceAdmin(RuleAdmin):
    """Resources are made from the registry (checkpoints, base camps, helicopter legs): listed, not edited."""

    access_rule = staticmethod(access_registry_edit)
    list_display = ("code", "kind")
    list_filter = ("kind",)
    search_fields = ("code",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
