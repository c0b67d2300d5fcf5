"""Guides in the admin. Applications are not in the admin: they hold personal data, and every read of
it must go through the audited selectors (operators and officers use the application pages)."""

from django.contrib import admin

from tengri.accounts.admin import PeopleAdmin
from tengri.expeditions.models import Guide


@admin.register(Guide)
class GuideAdmin(PeopleAdmin):
    list_display = ("full_name", "company", "qualification_grade", "active")
    list_filter = ("company", "active")
    search_fields = ("full_name",)
