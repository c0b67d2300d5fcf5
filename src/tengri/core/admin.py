"""The audit log in the admin: administrators read it; nobody adds, changes or deletes an entry there."""

from django.contrib import admin

from tengri.core.access import is_administrator
from tengri.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("sequence", "at", "actor_name", "action", "subject_type", "subject_id", "reason")
    list_filter = ("action", "subject_type")
    search_fields = ("=subject_id", "=actor_name", "action")
    ordering = ("-sequence",)
    date_hierarchy = "at"
    # Without this the admin would count the whole log on every page.
    show_full_result_count = False

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
