"""Periodic work for presence (huey). Tasks are wrappers: they call a service and log."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tengri.checkpoints.overdue import overdue_sweep

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))
def overdue_sweep_periodic() -> None:
    """Every ten minutes: raise the overdue stages that have come due (docs/offline-sync.md)."""
    raised = overdue_sweep(now=timezone.now())
    for alert in raised:
        log.info("overdue: stage %d raised for %s (%s)", alert.stage, alert.application.reference, alert.country)
