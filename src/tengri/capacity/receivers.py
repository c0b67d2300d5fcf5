"""How holds follow the applications. Expeditions announces; capacity reacts in its own tables.

- `application_saved` (after commit): place or adjust the hold for the itinerary as saved. Its own
  transaction, after the edit committed: a request that does not fit, or a busy moment, never undoes
  the operator's edit; the application page shows the outcome.
- `application_submitting` (inside the submitting transaction): no submission without a hold that
  fits; the error names the resource, the day and how many are left.
- `application_approved`: the hold becomes a reservation. `application_finished`: rejected or
  withdrawn give it back (a closed trip keeps its reservation, for the usage figures).
- A checkpoint, base camp or helicopter leg saved in the registry gets its resources (after commit).
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from tengri.capacity import services
from tengri.capacity.demand import resources_sync
from tengri.core.errors import Busy
from tengri.expeditions import signals
from tengri.registry.models import BaseCamp, Checkpoint, HelicopterLeg

log = logging.getLogger(__name__)


@receiver(signals.application_saved)
def hold_after_edit(sender, application, **kwargs) -> None:
    try:
        services.hold_follow(application=application)
    except Busy:
        # The edit is saved; the page offers to place the hold again, and submission insists on it.
        log.warning("hold for %s not placed: capacity was busy", application.reference)


@receiver(signals.application_submitting)
def hold_for_submission(sender, application, **kwargs) -> None:
    services.hold_for_submission(application=application)


@receiver(signals.application_approved)
def reserve_on_approval(sender, application, **kwargs) -> None:
    try:
        services.hold_confirm(application=application)
    except Busy:
        log.warning("hold for %s not confirmed yet (busy): the sweep confirms it", application.reference)


@receiver(signals.application_finished)
def release_when_finished(sender, application, **kwargs) -> None:
    if application.state != "closed":
        services.hold_release(actor=None, application=application, reason=f"application {application.state}")


@receiver(post_save, sender=Checkpoint)
@receiver(post_save, sender=BaseCamp)
@receiver(post_save, sender=HelicopterLeg)
def resources_for_the_registry(sender, **kwargs) -> None:
    transaction.on_commit(resources_sync)
