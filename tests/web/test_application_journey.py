"""The whole application journey in a real browser (Debian's chromium driven by Playwright).

An operator files a group (details, itinerary, passages, passports pasted as MRZ lines), submits it,
and the officers of every required authority decide on it, each signing in in turn in the same
browser context. Also the reject path and bad input (malformed MRZ, dates reversed).

All people and passports are invented (built with `td3_lines`, valid to 2034). Trips are in the
2027 season so the lead time is met whatever day in the 2026/27 winter the tests run.
"""

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "tengri-demo-2026"  # the published demo password
SCREENSHOT = Path("/tmp/journey-approved.png")
SWAP_TIMEOUT_MS = 10_000


# --- fixtures (the pattern of test_browser.py) -----------------------------------------------------


@pytest.fixture
def site(transactional_db, live_server):
    """The demo season's routes plus its companies, guides and users; the live server's address."""
    from tengri.expeditions.demo import demo_people_load
    from tengri.registry.demo.loader import demo_season_load

    demo_season_load(with_users=False)
    demo_people_load()
    return live_server.url


@pytest.fixture
def page(browser):
    """A fresh browser context per test; collects script errors and server errors (5xx)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(SWAP_TIMEOUT_MS)
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


# --- people ----------------------------------------------------------------------------------------


def mrz(surname: str, given: str, nationality: str, number: str, born: date, sex: str = "M") -> str:
    from tengri.documents.specimen import td3_lines

    return "\n".join(
        td3_lines(
            surname=surname,
            given_names=given,
            number=number,
            nationality=nationality,
            birth_date=born,
            sex=sex,
            expiry_date=date(2034, 5, 20),
        )
    )


LEADER_ASKAR = ("ZHUMABEKOV", "ASKAR", "KAZ", "JA1000001", date(1978, 3, 14))
LEADER_OLGA = ("PETROVA", "OLGA", "KAZ", "JA1000002", date(1984, 9, 2), "F")
CLIMBERS = [
    ("MUELLER", "ANNA MARIA", "D<<", "JC2000011", date(1990, 5, 17), "F"),
    ("NOWAK", "PIOTR", "POL", "JC2000012", date(1987, 11, 30)),
    ("TANAKA", "KENJI", "JPN", "JC2000013", date(1982, 1, 8)),
]
TREKKERS = [
    ("SMITH", "JANE", "GBR", "JT3000021", date(1995, 2, 11), "F"),
    ("DUPONT", "LUC", "FRA", "JT3000022", date(1970, 7, 4)),
    ("ISKAKOVA", "DANA", "KAZ", "JT3000023", date(1999, 12, 24), "F"),
]


# --- browser helpers -------------------------------------------------------------------------------


def sign_in(page, site: str, username: str) -> None:
    page.goto(f"{site}/en/login/")
    login = page.locator("form#login")
    login.locator("input[name=username]").fill(username)
    login.locator("input[name=password]").fill(PASSWORD)
    login.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert username in page.locator("header .who").inner_text()


def sign_out(page) -> None:
    page.locator("header .who").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.locator("header .who").get_by_role("link", name="Sign in").is_visible()


def state_of(page) -> str:
    return page.locator("#application").get_attribute("data-state")


def state_label(page) -> str:
    return page.locator("#application [data-state-label]").inner_text().strip()


def panel_post(page, button, path_end: str):
    """Click a button of an htmx form of the panel; wait until the panel is swapped. Returns the response.

    The panel about to be replaced is marked; the swapped-in one has no mark. If the server's answer is
    never swapped in, the assertion says which answer it was.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate("document.querySelector('#application').setAttribute('data-old', '')")
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(path_end)
    ) as answer:
        button.click()
    response = answer.value
    try:
        page.wait_for_selector("#application:not([data-old])", state="attached", timeout=SWAP_TIMEOUT_MS)
    except PlaywrightTimeout as error:
        said = re.search(r'<p class="error"[^>]*>(.*?)</p>', response.text(), re.S)
        raise AssertionError(
            f"the page did not show the server's answer ({response.status} to POST {response.url}): "
            f"#application was not replaced within {SWAP_TIMEOUT_MS} ms, so the user sees no change; "
            f"the answer said: {html.unescape(said.group(1)) if said else '(no error paragraph)'}"
        ) from error
    return response


def finding_codes(page) -> set[str]:
    return set(page.locator("#findings li.finding").evaluate_all("els => els.map(e => e.dataset.code)"))


def blocking_codes(page) -> set[str]:
    return set(page.locator("#findings li.finding.blocking").evaluate_all("els => els.map(e => e.dataset.code)"))


def member_rows(page):
    return page.locator("#members table.members tbody tr[data-member]")


def create_draft(page, site: str, route: str, start: date, end: date) -> str:
    page.goto(f"{site}/en/applications/")
    form = page.locator("form#new-application")
    form.locator("select[name=route]").select_option(route)
    form.locator("input[name=start_date]").fill(start.isoformat())
    form.locator("input[name=end_date]").fill(end.isoformat())
    form.get_by_role("button", name="Create draft").click()
    page.wait_for_url("**/en/applications/*/")
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert reference.startswith("KT-"), reference
    assert state_of(page) == "draft"
    assert state_label(page) == "draft"
    return reference


def fill_details(page, seed: str) -> None:
    form = page.locator("#details form")
    form.locator("input[name=emergency_contact_name]").fill("Saule Nurlanovna")
    form.locator("input[name=emergency_contact_phone]").fill("+7 701 555 0101")
    form.locator("input[name=insurance_policy]").fill(f"ALP-2027-{seed}")
    response = panel_post(page, form.get_by_role("button", name="Save"), "/details")
    assert response.status == 200
    assert not {"application.no_emergency_contact", "application.no_insurance"} & finding_codes(page)
    assert page.locator("#details input[name=insurance_policy]").input_value() == f"ALP-2027-{seed}"


def fill_itinerary(page, route: str, start: date) -> None:
    from tengri.expeditions.demo import PROGRAMMES

    nights, passages = PROGRAMMES[route]
    form = page.locator("#itinerary form")
    for n, place in enumerate(nights):
        form.locator(f"select[name='night-{(start + timedelta(days=n)).isoformat()}']").select_option(place)
    for row, (night, checkpoint, direction) in enumerate(passages):
        form.locator(f"input[name='passage-{row}-date']").fill((start + timedelta(days=night)).isoformat())
        form.locator(f"select[name='passage-{row}-checkpoint']").select_option(checkpoint)
        form.locator(f"select[name='passage-{row}-direction']").select_option(direction)
    response = panel_post(page, form.get_by_role("button", name="Save itinerary"), "/itinerary")
    assert response.status == 200
    codes = finding_codes(page)
    assert "itinerary.nights_missing" not in codes
    assert "passages.entry_and_exit_needed" not in codes
    assert not {code for code in codes if code.startswith("passage.")}, codes
    # what was saved is shown again
    for n, place in enumerate(nights):
        name = f"night-{(start + timedelta(days=n)).isoformat()}"
        assert page.locator(f"#itinerary select[name='{name}']").input_value() == place
    for row, (_, checkpoint, direction) in enumerate(passages):
        assert page.locator(f"#itinerary select[name='passage-{row}-checkpoint']").input_value() == checkpoint
        assert page.locator(f"#itinerary select[name='passage-{row}-direction']").input_value() == direction


def add_members(page, text: str, *, role: str = "member", guide: str | None = None):
    form = page.locator("form#add-members")
    form.locator("textarea[name=mrz]").fill(text)
    form.locator("select[name=role]").select_option(role)
    if guide:
        value = form.locator("select[name=guide] option", has_text=guide).get_attribute("value")
        form.locator("select[name=guide]").select_option(value)
    return panel_post(page, form.get_by_role("button", name="Add"), "/members")


def file_group(page, site: str, route: str, start: date, leader: tuple, guide: str, others: list[tuple]) -> str:
    """As the signed-in operator: a draft with details, itinerary, a leader and members, then submit."""
    from tengri.expeditions.demo import PROGRAMMES

    nights, _ = PROGRAMMES[route]
    reference = create_draft(page, site, route, start, start + timedelta(days=len(nights)))
    assert {"itinerary.nights_missing", "group.one_leader"} <= blocking_codes(page)

    fill_details(page, reference[-6:])
    fill_itinerary(page, route, start)

    response = add_members(page, mrz(*leader), role="leader", guide=guide)
    assert response.status == 200
    assert member_rows(page).count() == 1
    leader_row = member_rows(page).first
    assert f"{leader[0]} {leader[1]}" in leader_row.inner_text()
    assert "Leader" in leader_row.inner_text() or "leader" in leader_row.inner_text()
    assert "group.one_leader" not in finding_codes(page)
    assert "guide.none_qualified" not in finding_codes(page)

    response = add_members(page, "\n\n".join(mrz(*person) for person in others))
    assert response.status == 200
    assert member_rows(page).count() == 1 + len(others)
    assert page.locator("#members h2").inner_text().endswith(f"({1 + len(others)})")
    table = page.locator("#members table.members").inner_text()
    for person in (leader, *others):
        assert person[3] in table  # the passport number, decrypted for its own operator
    assert "group.size" not in finding_codes(page)
    assert blocking_codes(page) == set(), page.locator("#findings").inner_text()

    response = panel_post(page, page.locator("#submit-application"), "/submit")
    assert response.status == 200
    assert state_of(page) == "submitted"
    assert state_label(page) == "submitted"
    assert page.locator("#submit-application").count() == 0
    return reference


def open_from_queue(page, site: str, reference: str) -> None:
    page.goto(f"{site}/en/review/")
    row = page.locator(f"table.queue tr[data-reference='{reference}']")
    assert row.count() == 1, page.locator("table.queue").inner_text()
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/en/applications/{reference}/")


def decide(page, verdict: str, reason: str = ""):
    form = page.locator("#decide form")
    form.locator(f"input[name=verdict][value={verdict}]").check()
    form.locator("textarea[name=reason]").fill(reason)
    return panel_post(page, form.get_by_role("button", name="Record decision"), "/decide")


def authorities_of(page) -> list[str]:
    listed = page.locator("#authorities li[data-authority]")
    return sorted(listed.evaluate_all("els => els.map(e => e.dataset.authority)"))


def verdict_of(page, authority: str) -> str:
    return page.locator(f"#authorities li[data-authority={authority}] .verdict").inner_text().strip()


def officer_approves(page, site: str, officer: str, authority: str, reference: str, people: list[tuple]) -> None:
    sign_in(page, site, officer)
    open_from_queue(page, site, reference)
    members = page.locator("#members table.members").inner_text()
    for person in people:
        assert f"{person[0]} {person[1]}" in members
        assert person[3] in members  # passport number shown to the officer
    assert page.locator("#add-members").count() == 0  # officers do not edit the group
    response = decide(page, "approve")
    assert response.status == 200
    assert verdict_of(page, authority) == "approved"
    assert page.locator("#decide").count() == 0  # decided: the form is gone
    sign_out(page)


def operator_sees(page, site: str, operator: str, reference: str, state: str, label: str) -> None:
    sign_in(page, site, operator)
    row = page.locator(f"table.applications tr[data-reference='{reference}']")
    assert row.locator(".state").inner_text().strip() == label
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/en/applications/{reference}/")
    assert state_of(page) == state
    assert state_label(page) == label
    assert page.locator("#application [data-state-label]").is_visible()


# --- the journeys ----------------------------------------------------------------------------------


def test_kt_n_kz_group_of_four_is_approved_by_both_authorities(page, site):
    start = date(2027, 7, 10)
    sign_in(page, site, "operator-kz")
    assert page.url.endswith("/en/applications/")
    reference = file_group(page, site, "KT-N-KZ", start, LEADER_ASKAR, "ZHUMABEKOV ASKAR", CLIMBERS)
    assert authorities_of(page) == ["KG", "KZ"]
    sign_out(page)

    people = [LEADER_ASKAR, *CLIMBERS]
    officer_approves(page, site, "officer-kz", "KZ", reference, people)
    officer_approves(page, site, "officer-kg", "KG", reference, people)

    operator_sees(page, site, "operator-kz", reference, "approved", "approved")
    decisions = page.locator("#decisions").inner_text()
    assert "KZ" in decisions and "KG" in decisions
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert page.problems == []


def test_srb_trek_group_is_approved(page, site):
    start = date(2027, 8, 4)
    sign_in(page, site, "operator-kz")
    reference = file_group(page, site, "SRB-TREK", start, LEADER_OLGA, "PETROVA OLGA", TREKKERS)
    assert authorities_of(page) == ["KG", "KZ"]  # Kolsai (KZ) over the Sary-Bulak pass to Balbay (KG)
    sign_out(page)

    people = [LEADER_OLGA, *TREKKERS]
    officer_approves(page, site, "officer-kg", "KG", reference, people)  # the other order this time
    officer_approves(page, site, "officer-kz", "KZ", reference, people)

    operator_sees(page, site, "operator-kz", reference, "approved", "approved")
    assert page.problems == []


def test_an_officer_rejects_and_the_operator_sees_why(page, site):
    reason = "Leader's permit for the frontier zone is under investigation"
    sign_in(page, site, "operator-kz")
    reference = file_group(page, site, "KT-N-KZ", date(2027, 7, 20), LEADER_ASKAR, "ZHUMABEKOV ASKAR", CLIMBERS)
    sign_out(page)

    sign_in(page, site, "officer-kg")
    open_from_queue(page, site, reference)
    response = decide(page, "reject", reason)
    assert response.status == 200
    assert state_of(page) == "rejected"
    assert state_label(page) == "rejected"
    sign_out(page)

    sign_in(page, site, "officer-kz")  # the other authority has nothing left to decide
    page.goto(f"{site}/en/review/")
    assert page.locator(f"table.queue tr[data-reference='{reference}']").count() == 0
    sign_out(page)

    operator_sees(page, site, "operator-kz", reference, "rejected", "rejected")
    assert reason in page.locator("#decisions").inner_text()
    assert page.locator("#submit-application").count() == 0
    assert page.problems == []


def test_rejecting_without_a_reason_shows_an_error_and_changes_nothing(page, site):
    sign_in(page, site, "operator-kz")
    reference = file_group(page, site, "KT-N-KZ", date(2027, 7, 20), LEADER_ASKAR, "ZHUMABEKOV ASKAR", CLIMBERS)
    sign_out(page)

    sign_in(page, site, "officer-kg")
    open_from_queue(page, site, reference)
    before = state_of(page)
    response = decide(page, "reject", "")
    assert response.status == 400
    error = page.locator("#application p.error")
    assert error.is_visible(), "no error shown after rejecting without a reason"
    assert "reason" in error.inner_text().lower()
    assert state_of(page) == before
    assert "No decision yet." in page.locator("#decisions").inner_text()
    assert page.locator("#decide").count() == 1  # still to decide

    page.reload()  # and nothing was stored
    assert state_of(page) == before
    assert "No decision yet." in page.locator("#decisions").inner_text()
    assert page.problems == []


def test_a_malformed_mrz_is_refused_naming_the_field_and_adds_no_one(page, site):
    sign_in(page, site, "operator-kz")
    create_draft(page, site, "KT-N-KZ", date(2027, 7, 10), date(2027, 7, 28))
    line1, line2 = mrz(*CLIMBERS[0]).split("\n")
    wrong = str((int(line2[19]) + 1) % 10)  # line 2, position 20: the birth date's check digit
    corrupted = f"{line1}\n{line2[:19]}{wrong}{line2[20:]}"

    response = add_members(page, corrupted)
    assert response.status == 400
    error = page.locator("#application p.error")
    assert error.is_visible(), "no error shown for a malformed MRZ"
    assert "birth date check digit" in error.inner_text()
    assert member_rows(page).count() == 0

    # a good passport pasted together with the bad one is not added either
    response = add_members(page, mrz(*CLIMBERS[1]) + "\n\n" + corrupted)
    assert response.status == 400
    assert "passport 2" in page.locator("#application p.error").inner_text()
    page.reload()
    assert member_rows(page).count() == 0
    assert "No one yet." in page.locator("#members").inner_text()
    assert page.problems == []


def test_end_before_start_on_the_new_application_form_is_refused_and_creates_nothing(page, site):
    sign_in(page, site, "operator-kz")
    form = page.locator("form#new-application")
    form.locator("select[name=route]").select_option("KT-N-KZ")
    form.locator("input[name=start_date]").fill("2027-07-20")
    form.locator("input[name=end_date]").fill("2027-07-10")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        form.get_by_role("button", name="Create draft").click()
    assert answer.value.status == 400
    page.wait_for_load_state()
    error = page.locator("p.error")
    assert error.is_visible(), "no error shown for an end date before the start"
    assert "end" in error.inner_text().lower()
    assert "No applications yet." in page.locator("table.applications").inner_text()

    page.goto(f"{site}/en/applications/")
    assert page.locator("table.applications tr[data-reference]").count() == 0
    assert page.problems == []
