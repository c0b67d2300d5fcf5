"""Operators filing at the same moment, on PostgreSQL, from threads with their own connections: each new
application takes the next reference of its year, none twice and none skipped (the year's counter is locked)."""

import threading

import pytest
from django.db import connection

from tengri.core.audit import audit_verify
from tengri.expeditions.models import Application
from tests import factories

pytestmark = pytest.mark.postgres
OPERATORS = 8


def test_references_filed_at_the_same_moment_are_distinct_and_gap_free(transactional_db, on_postgres, demo_season):
    operators = [factories.operator() for _ in range(OPERATORS)]
    start, errors = threading.Barrier(OPERATORS), []

    def files(operator) -> None:
        try:
            start.wait(timeout=10)
            factories.application_draft(actor=operator)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=files, args=(operator,)) for operator in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    references = sorted(Application.objects.values_list("reference", flat=True))
    assert references == [f"KT-2027-{number:06d}" for number in range(1, OPERATORS + 1)]
    assert audit_verify() == []
