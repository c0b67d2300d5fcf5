"""An analyst's dashboard in a real browser (Debian's chromium driven by Playwright): the headline figures of
a generated season, its five charts drawn, another period picked, and the season report opened from it."""

import os
from pathlib import Path

import pytest

from tests.web.test_checkpoint_browser import page, sign_in  # noqa: F401 (the page fixture)

pytestmark = pytest.mark.browser

SEASON = "first=2026-07-01&last=2026-09-30"


@pytest.fixture
def indicator_site(transactional_db, live_server):
    """The registry demo, the demo's people (the analyst among them) and a small generated 2026 season."""
    from tengri.capacity.demand import resources_sync
    from tengri.expeditions.demo import demo_people_load
    from tengri.indicators.season_generator import season_generate
    from tengri.registry.demo.loader import demo_season_load

    demo_season_load(with_users=False)
    resources_sync()
    demo_people_load()
    season_generate(year=2026, groups=30, seed=2026)
    return live_server.url


def test_an_analyst_reads_the_dashboard_picks_a_period_and_opens_the_report(page, indicator_site):  # noqa: F811
    from tengri.indicators.tourism import tourism_indicators

    sign_in(page, indicator_site, "analyst")
    page.goto(f"{indicator_site}/en/indicators/?{SEASON}")
    page.wait_for_load_state("networkidle")

    season = tourism_indicators(_period("2026-07-01", "2026-09-30"))
    crossed = season.figure("persons.crossed").value
    assert crossed > 0
    shown = page.locator('tr[data-figure="persons.crossed"] td[data-value]').inner_text()
    assert shown == f"{crossed:,}"
    charts_drawn(page)

    # July only: fewer people crossed than in the whole season.
    picker = page.locator("form[data-period]")
    picker.locator("input[name=first]").fill("2026-07-01")
    picker.locator("input[name=last]").fill("2026-07-31")
    picker.get_by_role("button", name="Show").click()
    page.wait_for_url("**/en/indicators/?first=2026-07-01&last=2026-07-31")
    july = tourism_indicators(_period("2026-07-01", "2026-07-31")).figure("persons.crossed").value
    assert 0 < july < crossed
    assert page.locator('tr[data-figure="persons.crossed"] td[data-value]').inner_text() == f"{july:,}"
    charts_drawn(page)
    screenshots = os.environ.get("TENGRI_SCREENSHOTS")
    if screenshots:
        page.screenshot(path=str(Path(screenshots) / "indicators.png"), full_page=True)

    page.get_by_role("link", name="Season report 2026").click()
    page.wait_for_url("**/en/indicators/report/2026/")
    assert page.locator("ol.sources li").count() > 10
    first_mark = page.locator('tr[data-figure] sup a[href^="#source-"]').first
    target = first_mark.get_attribute("href")
    assert page.locator(target).count() == 1  # the mark leads to its source
    assert page.problems == []


def charts_drawn(browser_page) -> None:
    """The five charts of the page's period are loaded pictures (the server drew them)."""
    charts = browser_page.locator("figure[data-chart] img")
    assert charts.count() == 5
    for index in range(5):
        browser_page.wait_for_function(
            "image => image.complete && image.naturalWidth > 0", arg=charts.nth(index).element_handle()
        )


def _period(first: str, last: str):
    from datetime import date

    from tengri.indicators.figures import Period

    return Period(date.fromisoformat(first), date.fromisoformat(last))
