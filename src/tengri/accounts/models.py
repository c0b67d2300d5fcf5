"""Who people are in Tengri: tour companies and each user's role.

A user has at most one `Account`. Operators belong to a licensed tour company; officers act for one state.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tengri.core.roles import Role
from tengri.registry.models import Country


class Company(models.Model):
    """A tour company licensed in Kazakhstan or Kyrgyzstan to organise groups on the routes."""

    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, choices=Country.choices)
    licence_number = models.CharField(max_length=60, unique=True)
    licence_valid_until = models.DateField()
    email = models.EmailField(blank=True, help_text="where decisions are mailed besides the operators")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country}, licence {self.licence_number})"

    def licence_valid_on(self, day) -> bool:
        return day <= self.licence_valid_until


class Account(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    role = models.CharField(max_length=20, choices=Role.choices)
    country = models.CharField(max_length=2, blank=True, choices=Country.choices, help_text=_("for officers"))
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.OPERATOR) | Q(company__isnull=False), name="operator_has_company"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.BORDER_OFFICER, Role.CHECKPOINT_OFFICER, Role.RESCUE_OFFICER])
                | ~Q(country=""),
                name="officer_has_country",
            ),
        ]

    def __str__(self) -> str:
        where = self.company.name if self.company_id and self.company else self.country
        return f"{self.user} — {self.get_role_display()} {where}".strip()
