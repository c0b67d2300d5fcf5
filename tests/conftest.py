import os
from importlib import import_module

import pytest
from django.db import connection
from django.test import TransactionTestCase


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need the real thing; on SQLite they are skipped, and say so."""
    if "postgres" in os.environ.get("DATABASE_URL", ""):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (make test does when 127.0.0.1:5432 answers)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres():
    assert connection.vendor == "postgresql"


@pytest.fixture
def operator(demo_season):
    """An operator of a licensed KZ company (tests/factories.py)."""
    from tests import factories

    return factories.operator()


@pytest.fixture
def officers(demo_season):
    """The KZ and KG border officers (tests/factories.py)."""
    from tests import factories

    return factories.officers()


@pytest.fixture
def demo_season(db):
    from tengri.registry.demo.loader import demo_season_load

    return demo_season_load(with_users=False)


def _flush_with_audit_triggers_lifted(original):
    """The audit log's SQLite triggers refuse DELETE, and Django empties the tables after a transactional
    test (and a live-server test) with DELETE; PostgreSQL uses TRUNCATE, which the triggers allow. So on
    SQLite the triggers are lifted for exactly that flush and put back after it."""

    def fixture_teardown(self):
        if connection.vendor != "sqlite":
            return original(self)
        triggers = import_module("tengri.core.migrations.0001_initial")
        with connection.cursor() as cursor:
            for statement in triggers.SQLITE_DROP:
                cursor.execute(statement)
        try:
            return original(self)
        finally:
            with connection.cursor() as cursor:
                for statement in triggers.SQLITE_TRIGGERS:
                    cursor.execute(statement)

    return fixture_teardown


TransactionTestCase._fixture_teardown = _flush_with_audit_triggers_lifted(TransactionTestCase._fixture_teardown)


@pytest.fixture(autouse=True)
def _language_reset():
    """A test that renders a Russian page leaves Russian active in its thread; the next test starts in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
