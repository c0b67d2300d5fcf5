import os

import pytest
from django.db import connection


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
def demo_season(db):
    from tengri.registry.demo.loader import demo_season_load

    return demo_season_load(with_users=False)


@pytest.fixture(autouse=True)
def _audit_log_flushable_on_sqlite(request):
    """The audit log's SQLite triggers refuse DELETE, and Django empties the tables of a transactional test
    with DELETE (PostgreSQL uses TRUNCATE, which the triggers allow). Such tests run without the triggers;
    they are put back after the flush. Requested first (autouse), this fixture is torn down last."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional or "postgres" in os.environ.get("DATABASE_URL", ""):
        yield
        return
    from importlib import import_module

    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    triggers = import_module("tengri.core.migrations.0001_initial")
    with blocker.unblock(), connection.cursor() as cursor:
        for statement in triggers.SQLITE_DROP:
            cursor.execute(statement)
    yield
    with blocker.unblock(), connection.cursor() as cursor:
        for statement in triggers.SQLITE_TRIGGERS:
            cursor.execute(statement)
