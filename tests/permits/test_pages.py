"""The permit page (QR code for a phone) and its PDF: who may open them, the holder's private link, and the
audit entry each view leaves."""

import re

import pytest

from tengri.core.audit import PERSONAL_DATA_READ
from tengri.core.models import AuditEntry
from tengri.expeditions import services
from tengri.expeditions.demo import PASSWORD

from .test_issuing import AMENDED_ON, demo_user, live_permits


@pytest.fixture
def permit(world):
    return live_permits(world)[1]  # MUELLER ANNA, passport DM0000002


def signed_in(client, username: str):
    client.login(username=username, password=PASSWORD)
    return client


def page_url(permit, suffix: str = "/") -> str:
    return f"/en/permits/{permit.id}{suffix}"


def private_link_token(client, permit) -> str:
    """The token of the private link the operator's page offers to pass on to the holder."""
    page = signed_in(client, "operator-kz").get(page_url(permit)).content.decode()
    link = re.search(r"https?://\S+/en/permits/" + str(permit.id) + r"/\?t=([0-9a-f]+)", page)
    assert link, "the operator's page shows the holder's private link"
    client.logout()
    return link.group(1)


def reads_of(permit) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=PERSONAL_DATA_READ, subject_id=str(permit.id)).order_by("sequence"))


# --- The page --------------------------------------------------------------------------------------------------


def test_the_operators_page_shows_the_qr_code_and_the_holder_with_a_masked_passport(client, permit):
    response = signed_in(client, "operator-kz").get(page_url(permit))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<svg[^>]*>.*</svg>", html, re.S)
    assert "MUELLER" in html and "ANNA" in html
    assert "••••••002" in html and "DM0000002" not in html
    assert "KRK-HB-KZ" in html and "NIB-HP" in html
    assert f'href="/en/permits/{permit.id}.pdf"' in html


def test_the_page_speaks_russian(client, permit):
    html = signed_in(client, "operator-kz").get(f"/ru/permits/{permit.id}/").content.decode()
    assert "Электронное разрешение" in html and "Скачать PDF" in html


def test_the_application_page_links_each_members_permit(client, world):
    html = signed_in(client, "operator-kz").get(f"/en/applications/{world.reference}/").content.decode()
    for permit in live_permits(world):
        assert f"/en/permits/{permit.id}/" in html and f"/en/permits/{permit.id}.pdf" in html


def test_an_officer_of_a_deciding_authority_may_open_it(client, permit):
    assert signed_in(client, "officer-kg").get(page_url(permit)).status_code == 200


@pytest.mark.parametrize("suffix", ["/", ".pdf"])
def test_the_anonymous_are_sent_to_sign_in(client, permit, suffix):
    response = client.get(page_url(permit, suffix))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/login/")
    assert reads_of(permit) == []


@pytest.mark.parametrize("suffix", ["/", ".pdf"])
@pytest.mark.parametrize("username", ["operator-kg", "rescue-kz", "analyst"])
def test_another_companys_operator_and_other_roles_are_refused(client, permit, suffix, username):
    response = signed_in(client, username).get(page_url(permit, suffix))
    assert response.status_code == 403
    assert b"MUELLER" not in response.content
    assert reads_of(permit) == []


def test_unknown_permits_are_not_found(client, world):
    signed_in(client, "operator-kz")
    assert client.get("/en/permits/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/en/permits/not-a-permit/").status_code == 404


def test_a_revoked_permit_says_so(client, world, permit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_remove(
            actor=demo_user("operator-kz"), application=world, member_id=permit.member_id, today=AMENDED_ON
        )
    html = signed_in(client, "operator-kz").get(page_url(permit)).content.decode()
    assert 'role="alert"' in html and "revoked" in html


# --- The holder's private link ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/", ".pdf"])
def test_the_holder_opens_their_permit_with_the_private_link(client, permit, suffix):
    token = private_link_token(client, permit)

    response = client.get(page_url(permit, suffix) + f"?t={token}")

    assert response.status_code == 200
    if suffix == "/":
        html = response.content.decode()
        assert "<svg" in html and "MUELLER" in html
        assert f"{permit.id}.pdf?t={token}" in html  # the PDF link keeps the token
        assert "Private link" not in html  # the holder is not offered links to pass on
    else:
        assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("suffix", ["/", ".pdf"])
def test_a_wrong_token_is_refused(client, world, permit, suffix):
    token = private_link_token(client, permit)
    reads = len(reads_of(permit))  # the operator's, who fetched the link
    other = live_permits(world)[0]
    wrong = ["0" * 32, token[:-1] + ("0" if token[-1] != "0" else "1"), token[:16], token.upper()]

    for bad in wrong:
        response = client.get(page_url(permit, suffix) + f"?t={bad}")
        assert response.status_code == 302 and response["Location"].startswith("/en/login/")
    # A token is good for its own permit only.
    response = client.get(page_url(other, suffix) + f"?t={token}")
    assert response.status_code == 302
    # Signed in as someone with no access, a wrong token is a 403.
    response = signed_in(client, "operator-kg").get(page_url(permit, suffix) + "?t=" + "0" * 32)
    assert response.status_code == 403
    assert len(reads_of(permit)) == reads and reads_of(other) == []


# --- Audit ------------------------------------------------------------------------------------------------------


def test_every_view_leaves_a_personal_data_read_entry(client, permit):
    token = private_link_token(client, permit)  # the operator opened the page once
    signed_in(client, "operator-kz").get(page_url(permit, ".pdf"))
    signed_in(client, "officer-kz").get(page_url(permit))
    client.logout()
    client.get(page_url(permit) + f"?t={token}")
    client.get(page_url(permit, ".pdf") + f"?t={token}")

    entries = reads_of(permit)
    assert [(entry.actor_name, entry.reason) for entry in entries] == [
        ("operator-kz", "permit page"),
        ("operator-kz", "permit PDF"),
        ("officer-kz", "permit page"),
        (entries[3].actor_name, "permit page"),
        (entries[4].actor_name, "permit PDF"),
    ]
    assert entries[3].actor_id is None and entries[4].actor_id is None  # the holder, through the link
    for entry in entries:
        assert entry.subject_type == "permits.permit"
        assert entry.data == {"fields": ["birth_date", "document_number", "name"]}
        assert "DM0000002" not in str(entry.data) + entry.reason
