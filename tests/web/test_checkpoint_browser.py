"""A rescue officer's journey in a real browser (Debian's chromium driven by Playwright): an overdue group on
the rescue page, with its map, and the rescue alert acknowledged with a note.

The group is the demo's approved KT-2027-000001 (KT-N-KZ, out at KRK-HB-KZ on 27 July): its members were
scanned in at KRK-HB-KZ on 13 July and never came out; the overdue sweep ran on 29 July and raised every
stage, the rescue stage for Kazakhstan, where the group was last known.
"""

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "tengri-demo-2026"  # the published demo password
GROUP = "KT-2027-000001"
SCANNED_IN = datetime(2027, 7, 13, 4, 0, tzinfo=UTC)
AFTER_THE_SWEEP = datetime(2027, 7, 29, 6, 0, tzinfo=UTC)
TIMEOUT_MS = 10_000


@pytest.fixture
def overdue_site(transactional_db, live_server, monkeypatch):
    """The demo world on a pinned clock (the live server's thread reads the same clock), one group overdue
    to the rescue stage. Returns the live server's address."""
    from tengri.checkpoints.devices import device_register
    from tengri.checkpoints.ingest import events_ingest
    from tengri.checkpoints.overdue import overdue_sweep
    from tengri.expeditions.demo import demo_applications_load, demo_people_load
    from tengri.expeditions.models import Application
    from tengri.permits.demo import demo_keys_load
    from tengri.registry.demo.loader import demo_season_load
    from tests.permits.test_issuing import IN_SEASON, Clock, live_permits

    clock = Clock(monkeypatch, IN_SEASON)
    demo_season_load(with_users=False)
    demo_people_load()
    demo_keys_load()
    demo_applications_load()  # not in a transaction: the approval's after-commit signal issues the permits
    application = Application.objects.get(reference=GROUP)
    device, _token = device_register(actor=None, checkpoint_code="KRK-HB-KZ", label="KRK laptop 1")
    clock.moment = SCANNED_IN
    events = [
        {
            "id": str(uuid.uuid4()),
            "checkpoint": "KRK-HB-KZ",
            "direction": "in",
            "verdict": "VALID",
            "method": "qr",
            "officer": "Sgt. Omarov",
            "permit_id": str(permit.id),
            "device_time": SCANNED_IN.isoformat(),
        }
        for permit in live_permits(application)
    ]
    assert len(events) == 4
    events_ingest(device=device, sent_at=SCANNED_IN, events=events, now=SCANNED_IN)
    clock.moment = AFTER_THE_SWEEP
    assert sorted(alert.stage for alert in overdue_sweep(now=AFTER_THE_SWEEP)) == [1, 2, 3]
    return live_server.url


@pytest.fixture
def page(browser):
    """A fresh browser context; collects script errors and server errors (5xx)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status} {response.url}") if response.status >= 500 else None,
    )
    page.problems = problems
    yield page
    context.close()


def sign_in(page, site: str, username: str) -> None:
    page.goto(f"{site}/en/login/")
    login = page.locator("form#login")
    login.locator("input[name=username]").fill(username)
    login.locator("input[name=password]").fill(PASSWORD)
    login.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert username in page.locator("header .who").inner_text()


def test_a_rescue_officer_acknowledges_the_overdue_groups_rescue_alert(page, overdue_site):
    sign_in(page, overdue_site, "rescue-kz")
    page.locator("header nav").get_by_role("link", name="Rescue").click()
    page.wait_for_url(f"{overdue_site}/en/rescue/")
    page.wait_for_load_state("networkidle")

    group = page.locator(f"#group-{GROUP}")
    assert group.get_attribute("data-stage") == "3"
    assert "KZ" in group.locator("[data-last-known]").inner_text()  # last scanned in at Karkara, Kazakhstan
    assert page.evaluate("document.querySelector('#rescue-map').complete")
    assert page.evaluate("document.querySelector('#rescue-map').naturalWidth") > 0

    rescue_alert = group.locator('tr[data-stage="3"]')
    assert rescue_alert.get_attribute("data-alert-state") == "open"
    rescue_alert.locator("select[name=kind]").select_option("acknowledge")
    rescue_alert.locator("input[name=note]").fill("Helicopter crew at Karkara on standby; calling the leader.")
    with page.expect_response(lambda response: response.request.method == "POST" and "/act" in response.url) as answer:
        rescue_alert.get_by_role("button", name="Record").click()
    assert answer.value.status == 200

    acknowledged = group.locator('tr[data-stage="3"][data-alert-state="acknowledged"]')
    acknowledged.wait_for()
    assert "acknowledged" in acknowledged.locator("td.state").inner_text()
    assert "Helicopter crew at Karkara on standby" in acknowledged.inner_text()
    assert "rescue-kz" in acknowledged.inner_text()
    screenshots = os.environ.get("TENGRI_SCREENSHOTS")
    if screenshots:
        page.screenshot(path=str(Path(screenshots) / "rescue.png"), full_page=True)
    assert page.problems == []
