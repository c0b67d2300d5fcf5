"""Checkpoint devices and crossing events for administrators (rule: `access_device_admin`), read only.

Devices are registered and revoked through their services (`tengri device …`), which audit them; crossing
events are append-only and come only from devices. So the admin shows and never changes either."""

from django.contrib import admin

from tengri.checkpoints.models import CrossingEvent, Device
from tengri.core.access import access_device_admin
from tengri.core.rule_admin import RuleAdmin


class ReadOnlyRuleAdmin(RuleAdmin):
    """Viewing answers to the rule; adding, changing and deleting are refused to everyone."""

    access_rule = staticmethod(access_device_admin)
    # These models keep no django-simple-history table: Django's own history page and URLs instead.
    object_history_template = None
    history_view = admin.ModelAdmin.history_view
    get_urls = admin.ModelAdmin.get_urls

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(ReadOnlyRuleAdmin):
    list_display = ("label", "checkpoint", "registered_at", "enrolled_at", "revoked_at", "last_seen_at")
    list_filter = ("checkpoint",)
    search_fields = ("label", "id")
    list_select_related = ("checkpoint",)
    exclude = ("enrolment_token_hash", "credential_hash")


@admin.register(CrossingEvent)
class CrossingEventAdmin(ReadOnlyRuleAdmin):
    list_display = ("occurred_at", "checkpoint", "direction", "verdict", "holder_name", "reference", "skew_flagged")
    list_filter = ("checkpoint", "direction", "verdict", "skew_flagged")
    search_fields = ("id", "reference", "permit_id")
    list_select_related = ("checkpoint",)
    date_hierarchy = "occurred_at"
    raw_id_fields = ("device", "application", "member")
