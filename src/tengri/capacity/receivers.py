"""How holds follow the applications. Expeditions announces; capacity reacts in its own tables.

- `application_saved` (after commit): place or adjust the hold for the itinerary as saved. Its own
  transaction, after the edit committed: a request that does not fit, or a busy moment, never undoes
  the operator's edit; the application page shows the outcome.
- `application_submitting`, `application_amending` (inside the submitting or amending transaction):
  no submission, and no amendment of an approved application, without room for its itinerary; the
  error names the resource, the day and how many are left, and nothing is saved.
- `application_approved`: the hold becomes a reservation. `application_finished`: rejected or
  withdrawn give it back (a closed trip keeps its reservation, for the usage figures).
- A checkpoint, base camp or helicopter leg saved in the registry gets its resources (after commit).

The receivers that run after commit must not turn a change that is already saved into an error page:
whatever goes wrong there (a busy moment, a database error, a bug) is logged, and the sweep
(`services.holds_reconcile`, every minute) catches up with what the receiver did not do.
"""

import functools
import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from tengri.capacity import services
from tengri.capacity.demand import resources_sync
from tengri.core.errors import Busy
from tengri.expeditions import signals
from tengri.registry.models import BaseCamp, Checkpoint, HelicopterLeg

log = logging.getLogger(__name__)


def after_commit(what: str) -> Callable:
    """A receiver of a signal sent after commit: its failure is logged, never raised into the request
    whose change has already committed, and left for the sweep to catch up with."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(sender, application, **kwargs) -> None:
            try:
                function(sender, application, **kwargs)
            except Busy:
                log.warning("%s for %s left to the sweep: capacity was busy", what, application.reference)
            except Exception:
                log.exception("%s for %s failed; the sweep will catch up", what, application.reference)

        return run

    return decorate


@receiver(signals.application_saved)
@after_commit("following the edit with the hold")
def hold_after_edit(sender, application, **kwargs) -> None:
    # The edit is saved; the page offers to place the hold again, and submission insists on it.
    services.hold_follow(application=application)


@receiver(signals.application_submitting)
def hold_for_submission(sender, application, **kwargs) -> None:
    services.hold_for_submission(application=application)


@receiver(signals.application_amending)
def hold_for_amendment(sender, application, **kwargs) -> None:
    services.hold_for_amendment(application=application)


@receiver(signals.application_approved)
@after_commit("the reservation")
def reserve_on_approval(sender, application, **kwargs) -> None:
    services.hold_confirm(application=application)


@receiver(signals.application_finished)
@after_commit("giving the hold back")
def release_when_finished(sender, application, **kwargs) -> None:
    if application.state != "closed":
        services.hold_release(actor=None, application=application, reason=f"application {application.state}")


@receiver(post_save, sender=Checkpoint)
@receiver(post_save, sender=BaseCamp)
@receiver(post_save, sender=HelicopterLeg)
def resources_for_the_registry(sender, **kwargs) -> None:
    transaction.on_commit(resources_sync)
