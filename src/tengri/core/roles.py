"""The roles people play in Tengri. Access rules (core.access) decide from these; accounts stores them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("tour operator")
    BORDER_OFFICER = "border_officer", _("border officer")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("checkpoint officer")
    RESCUE_OFFICER = "rescue_officer", _("rescue officer")
    ANALYST = "analyst", _("analyst")
    ADMINISTRATOR = "administrator", _("administrator")


# Roles that act for one state: their account names the country (KZ or KG).
COUNTRY_ROLES = frozenset({Role.BORDER_OFFICER, Role.CHECKPOINT_OFFICER, Role.RESCUE_OFFICER})
