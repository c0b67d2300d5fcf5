"""Companies and accounts for administrators (rule: `access_people_admin`); history of every change kept."""

from django.contrib import admin

from tengri.accounts.models import Account, Company
from tengri.core.access import access_people_admin
from tengri.core.rule_admin import RuleAdmin


class PeopleAdmin(RuleAdmin):
    access_rule = staticmethod(access_people_admin)


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
