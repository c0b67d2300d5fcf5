"""Periodic and queued work for capacity (huey). Wrappers: they call services and log."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tengri.capacity.services import holds_expire, holds_reconcile, waitlist_offer

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def holds_sweep() -> None:
    """Every minute: expired holds give their capacity back, missed signals are caught up with, and
    free capacity is offered to the waitlist."""
    expired = holds_expire()
    reconciled = holds_reconcile()
    served = waitlist_offer()
    if expired or reconciled or served:
        log.info(
            "capacity: %d expired, %d reconciled, %d served from the waitlist", len(expired), reconciled, len(served)
        )
