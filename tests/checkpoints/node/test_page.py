"""The checkpoint officer's page (`tengri checkpoint serve`): who it answers, what a scan shows and records."""

import os
import threading
from pathlib import Path

import httpx
import pytest
from waitress.server import create_server

from tengri.checkpoints.node.web import NodePage
from tengri.documents.crypto import unseal
from tests.web.conftest import CHROMIUM_FLAGS

KEY = "page-key-for-tests"


@pytest.fixture
def page(node) -> NodePage:
    return NodePage(node, key=KEY)


def client(page: NodePage, host: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=page), base_url=f"http://{host}:8765")


def signed_in(page: NodePage, officer: str = "Sgt. Omarov") -> httpx.Client:
    browser = client(page)
    assert browser.get("/", params={"key": KEY}).status_code == 303
    answer = browser.post("/shift", data={"token": page.form_token, "officer": officer})
    assert answer.status_code == 303
    return browser


def scan(browser: httpx.Client, page: NodePage, qr: str, direction: str = "in") -> httpx.Response:
    answer = browser.post("/scan", data={"token": page.form_token, "qr": qr, "direction": direction})
    assert answer.status_code == 303
    return browser.get(answer.headers["location"])


def test_without_the_key_the_page_answers_nothing(page, node):
    browser = client(page)
    assert browser.get("/").status_code == 403
    assert browser.get("/", params={"key": "guessed"}).status_code == 403
    refused = browser.post("/scan", data={"token": page.form_token, "qr": "TGP1:X", "direction": "in"})
    assert refused.status_code == 403
    assert node.store.event_counts()["recorded"] == 0


def test_the_page_answers_on_this_computer_only(page):
    """A name that resolves to 127.0.0.1 from another site (DNS rebinding) is still refused."""
    browser = client(page, host="evil.example")
    browser.cookies.set(page.cookie("node_key"), KEY)
    assert browser.get("/").status_code == 403


def test_a_form_without_its_token_records_nothing(page, node, qr_texts):
    browser = signed_in(page)
    answer = browser.post("/scan", data={"token": "forged", "qr": qr_texts[0], "direction": "in"})
    assert answer.status_code == 403
    assert node.store.event_counts()["recorded"] == 0


def test_the_shift_starts_with_the_officers_name(page):
    browser = client(page)
    browser.get("/", params={"key": KEY})
    assert "Start the shift" in browser.get("/").text
    browser.post("/shift", data={"token": page.form_token, "officer": "  Sgt.   Omarov "})
    assert "Officer on duty: Sgt. Omarov" in browser.get("/").text


def test_a_valid_permit_shows_green_with_the_person_and_is_recorded(page, node, qr_texts, permits):
    browser = signed_in(page)
    shown = scan(browser, page, qr_texts[0] + "\n")
    member = permits[0].member
    assert 'class="verdict ok"' in shown.text and "Permit valid" in shown.text
    assert member.surname in shown.text
    assert unseal(member.document_number_sealed) in shown.text  # to compare with the passport in hand
    [event] = node.recent_events(5)
    assert (event["verdict"], event["direction"], event["officer"]) == ("VALID", "in", "Sgt. Omarov")
    assert event["permit_id"] == str(permits[0].id)


def test_a_refused_scan_shows_red_and_is_recorded_too(page, node):
    browser = signed_in(page)
    shown = scan(browser, page, "TGP1:NOT-A-PERMIT", direction="out")
    assert 'class="verdict refused"' in shown.text and 'data-code="BAD_ENCODING"' in shown.text
    [event] = node.recent_events(5)
    assert (event["verdict"], event["direction"]) == ("BAD_ENCODING", "out")


def test_look_up_by_passport_number_verifies_the_manifests_permit(page, node, permits):
    browser = signed_in(page)
    number = unseal(permits[1].member.document_number_sealed)
    answer = browser.post("/lookup", data={"token": page.form_token, "passport": number.lower(), "direction": "in"})
    shown = browser.get(answer.headers["location"])
    assert "Permit valid" in shown.text and permits[1].member.surname in shown.text
    [event] = node.recent_events(5)
    assert event["method"] == "lookup" and event["verdict"] == "VALID"


def test_the_look_up_records_the_direction_chosen_in_its_own_form(page, node, permits, qr_texts):
    browser = signed_in(page)
    scan(browser, page, qr_texts[0], direction="in")
    number = unseal(permits[1].member.document_number_sealed)
    answer = browser.post("/lookup", data={"token": page.form_token, "passport": number, "direction": "out"})
    browser.get(answer.headers["location"])
    assert [event["direction"] for event in node.recent_events(5)] == ["out", "in"]


def test_two_nodes_on_one_laptop_keep_their_own_cookies(page, make_node):
    """Cookies are per host, not per port: one browser opening both nodes' pages keeps both keys."""
    other = NodePage(make_node("NIB-HP", "nib"), key="other-key")
    first = signed_in(page)
    second = client(other)
    second.cookies.update(first.cookies)
    assert second.get("/", params={"key": "other-key"}).status_code == 303
    first.cookies.update(second.cookies)  # one browser: one cookie jar for 127.0.0.1
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 200
    assert "Officer on duty: Sgt. Omarov" in first.get("/").text
    assert "Start the shift" in second.get("/").text  # the other node's shift is its own


def test_an_unknown_passport_is_an_error_and_records_nothing(page, node):
    browser = signed_in(page)
    answer = browser.post("/lookup", data={"token": page.form_token, "passport": "ZZ0000000", "direction": "in"})
    assert "ZZ0000000" not in answer.headers["location"]  # never in the browser's history
    shown = browser.get(answer.headers["location"])
    assert "no permit for passport ZZ0000000" in shown.text
    assert node.store.event_counts()["recorded"] == 0


def test_the_page_shows_pending_events_and_the_age_of_the_trust_data(page, node, qr_texts):
    browser = signed_in(page)
    scan(browser, page, qr_texts[0])
    shown = browser.get("/").text
    assert '<td id="pending">1</td>' in shown
    assert 'id="revocations-age"' in shown and "never pulled" not in shown.split('id="revocations-age"')[1][:60]


def test_sync_now_sends_the_events(page, node, qr_texts):
    browser = signed_in(page)
    scan(browser, page, qr_texts[0])
    answer = browser.post("/sync", data={"token": page.form_token})
    assert "push: done" in browser.get(answer.headers["location"]).text
    assert node.store.event_counts()["pending"] == 0


def test_the_page_speaks_russian(page):
    browser = signed_in(page)
    shown = browser.get("/", params={"lang": "ru"})
    assert '<html lang="ru">' in shown.text
    assert "Сканирование разрешения" in shown.text  # "Scan a permit", the heading of the scan section
    assert '<html lang="ru">' in browser.get("/").text  # remembered


@pytest.mark.browser
def test_a_hardware_scanner_types_into_the_field_and_the_verdict_shows(page, qr_texts, permits, browser_for_node):
    """A scanner is a keyboard: the QR text and Enter, into the field that has the focus on load."""
    server = create_server(page, host="127.0.0.1", port=0, threads=2)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        tab = browser_for_node.new_page()
        tab.goto(f"http://127.0.0.1:{port}/?key={KEY}")
        tab.fill("input[name=officer]", "Sgt. Omarov")
        tab.keyboard.press("Enter")
        tab.wait_for_selector("#qr")
        tab.keyboard.type(qr_texts[0])  # the field has the focus: no click, as with a scanner
        tab.keyboard.press("Enter")
        tab.wait_for_selector("#verdict")
        assert tab.get_attribute("#verdict", "data-code") == "VALID"
        assert permits[0].member.surname in tab.inner_text("#holder")
        assert tab.evaluate("document.activeElement.id") == "qr"  # ready for the next person
    finally:
        server.close()


@pytest.fixture
def browser_for_node():
    executable = os.environ.get("TENGRI_BROWSER", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.skip(f"no chromium at {executable} (make test installs Debian's chromium when it can)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
