"""Decisions of the border authorities on group applications, one per authority per review round."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from tengri.expeditions.models import Application
from tengri.registry.models import Country


class Decision(models.Model):
    class Verdict(models.TextChoices):
        APPROVE = "approve", pgettext_lazy("decision", "approved")
        REJECT = "reject", pgettext_lazy("decision", "rejected")
        REQUEST_CHANGES = "request_changes", pgettext_lazy("decision", "changes requested")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    review_round = models.PositiveIntegerField()
    authority = models.CharField(max_length=2, choices=Country.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reason = models.TextField(blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["application", "review_round", "decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "review_round", "authority"], name="one_decision_per_authority_per_round"
            ),
            models.CheckConstraint(condition=Q(verdict="approve") | ~Q(reason=""), name="refusal_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.application} round {self.review_round}: {self.authority} {self.verdict}"
