import pytest


@pytest.fixture
def demo_companies(demo_season):
    """The registry demo, its capacity resources and the demo's companies, users and guides: what the
    generated history needs (the resources come from the registry's signals after commit, which a test
    transaction never reaches)."""
    from tengri.capacity.demand import resources_sync
    from tengri.expeditions.demo import demo_people_load

    resources_sync()
    demo_people_load()
    return demo_season
