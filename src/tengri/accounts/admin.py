"""Companies and accounts for administrators (rule: `access_people_admin`); history of every change kept."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tengri.accounts.models import Account, Company
from tengri.core.access import access_people_admin, allows


class PeopleAdmin(SimpleHistoryAdmin):
    def has_module_permission(self, request):
        return allows(access_people_admin, request.user)

    def has_view_permission(self, request, obj=None):
        return allows(access_people_admin, request.user)

    def has_add_permission(self, request):
        return allows(access_people_admin, request.user)

    def has_change_permission(self, request, obj=None):
        return allows(access_people_admin, request.user)

    def has_delete_permission(self, request, obj=None):
        return allows(access_people_admin, request.user)


@admin.register(Company)
class CompanyAdmin(PeopleAdmin):
    list_display = ("name", "country", "licence_number", "licence_valid_until")
    list_filter = ("country",)
    search_fields = ("name", "licence_number")


@admin.register(Account)
class AccountAdmin(PeopleAdmin):
    list_display = ("user", "role", "country", "company")
    list_filter = ("role", "country")
    search_fields = ("user__username",)
