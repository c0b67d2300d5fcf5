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
