"""Periodic work for applications (huey). Tasks are wrappers: they call a service and log."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tengri.expeditions.retention import retention_run

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="30"))
def retention_erase_due() -> None:
    result = retention_run()
    log.info("retention: erased personal data of %d application(s)", len(result.due))
