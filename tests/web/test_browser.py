"""Real browser (Debian's chromium driven by Playwright) against the live server, in all four languages."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
LANGUAGES = {"en": "Routes", "ru": "Маршруты", "kk": "Маршруттар", "ky": "Маршруттар"}


@pytest.fixture
def live_demo(transactional_db, live_server):
    from tengri.registry.demo.loader import demo_season_load

    demo_season_load(with_users=False)
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    page.problems = problems
    yield page
    context.close()


def all_images_loaded(page) -> bool:
    return page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_route_page_renders_with_its_pictures(page, live_demo, language):
    page.goto(f"{live_demo}/{language}/routes/KT-S-KG/")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("nav a").first.inner_text() == LANGUAGES[language]
    assert page.locator("[data-authority]").count() == 2
    assert page.locator("img.picture").count() == 2
    assert all_images_loaded(page)
    assert page.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_render(page, live_demo, language):
    for path in ("routes/", "checkpoints/"):
        page.goto(f"{live_demo}/{language}/{path}")
        assert page.locator("table.list tbody tr").count() >= 5
    assert page.problems == []


def test_language_switch_keeps_the_page(page, live_demo, tmp_path):
    page.goto(f"{live_demo}/en/routes/OZR-TREK/")
    page.get_by_role("button", name="Русский").click()
    page.wait_for_url(f"{live_demo}/ru/routes/OZR-TREK/")
    assert "Озёрный" in page.locator("h1").inner_text() or "Алматинское" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Кыргызча").click()
    page.wait_for_url(f"{live_demo}/ky/routes/OZR-TREK/")
    screenshots = os.environ.get("TENGRI_SCREENSHOTS")
    if screenshots:
        page.screenshot(path=str(Path(screenshots) / "route-ky.png"), full_page=True)
    assert page.problems == []
