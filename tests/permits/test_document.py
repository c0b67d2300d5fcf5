"""The permit PDF: downloaded as the operator, rendered like a printer would, its QR code scanned back and
verified; what it prints of the holder (MRZ name, masked passport number); English with Russian alongside."""

import json

import pypdfium2
import pytest
import zxingcpp

from tengri.expeditions import services
from tengri.expeditions.demo import PASSWORD
from tests import factories

from .test_issuing import (
    AMENDED_ON,
    DURING_TRIP,
    approve,
    demo_user,
    live_permits,
    qr_of,
    tengri,
)


@pytest.fixture
def operator(client, world):
    client.login(username="operator-kz", password=PASSWORD)
    return client


class Pdf:
    """A downloaded PDF as pages of text and images (pdfium, the engine of Chrome's PDF viewer)."""

    def __init__(self, data: bytes):
        document = pypdfium2.PdfDocument(data)
        try:
            self.pages = len(document)
            self.texts, self.images = [], []
            self.off_the_page = ""  # characters drawn beyond the sheet's edges
            for page in document:
                text_page = page.get_textpage()
                self.texts.append(text_page.get_text_range())
                width, height = page.get_size()
                for index in range(text_page.count_chars()):
                    left, bottom, right, top = text_page.get_charbox(index)
                    if right > left and (left < 0 or bottom < 0 or right > width or top > height):
                        self.off_the_page += text_page.get_text_range(index, 1)
                self.images.append(page.render(scale=3).to_pil())
                text_page.close()
                page.close()
        finally:
            document.close()

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def download(client, permit, query: str = "") -> bytes:
    response = client.get(f"/en/permits/{permit.id}.pdf{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_the_pdf_opens_and_its_qr_code_scans_back_to_a_valid_permit(operator, world, capsys):
    permit = live_permits(world)[1]
    data = download(operator, permit)
    assert data.startswith(b"%PDF")

    pdf = Pdf(data)
    assert pdf.pages == 1 and pdf.off_the_page == ""
    found = zxingcpp.read_barcodes(pdf.images[0])

    assert [barcode.format for barcode in found] == [zxingcpp.BarcodeFormat.QRCode]
    scanned = found[0].text
    assert scanned == qr_of(capsys, permit)
    code, out, _ = tengri(capsys, "permit", "verify", "--qr", scanned, "--at", DURING_TRIP, "--checkpoint", "NIB-HP")
    assert code == 0 and out.startswith("VALID")


def test_a_scan_of_the_printed_pdf_verifies_through_the_command(operator, world, capsys, tmp_path):
    permit = live_permits(world)[3]
    scan = tmp_path / "scan.jpg"
    Pdf(download(operator, permit)).images[0].convert("L").save(scan, quality=80)

    code, out, _ = tengri(capsys, "permit", "verify", "--image", str(scan), "--at", DURING_TRIP, "--json")

    assert code == 0
    assert json.loads(out)["permit_id"] == str(permit.id)


def test_the_qr_symbol_uses_error_correction_level_q(operator, world):
    found = zxingcpp.read_barcodes(Pdf(download(operator, live_permits(world)[0])).images[0])
    assert found[0].ec_level == "Q"
    assert found[0].content_type == zxingcpp.ContentType.Text


def test_every_members_pdf_carries_their_own_permit(operator, world, capsys):
    for permit in live_permits(world):
        pdf = Pdf(download(operator, permit))
        assert [barcode.text for barcode in zxingcpp.read_barcodes(pdf.images[0])] == [qr_of(capsys, permit)]
        assert permit.member.surname in pdf.text


def test_the_pdf_prints_the_mrz_name_and_only_the_last_three_characters_of_the_passport(operator, world):
    permit = live_permits(world)[1]  # MUELLER ANNA, German, passport DM0000002
    text = Pdf(download(operator, permit)).text

    assert "MUELLER" in text and "ANNA" in text
    assert "••••••002" in text
    assert "DM0000002" not in text and "DM000000" not in text
    assert "KT-N-KZ" in text and "KT-2027-000001" in text
    assert "KRK-HB-KZ" in text and "NIB-HP" in text
    assert "12.07.2027 – 28.07.2027" in text  # the checkpoints' window
    assert "09.07.2027 – 31.07.2027" in text  # the permit's validity
    assert str(permit.id) in text
    assert "tengri permit verify" in text  # how to verify


def test_the_pdf_is_in_english_and_russian(operator, world):
    pdf = Pdf(download(operator, live_permits(world)[0]))

    assert pdf.pages >= 1
    for english, russian in [
        ("Surname", "Фамилия"),
        ("Passport", "Паспорт"),
        ("Checkpoints and dates", "Пункты и даты"),
        ("Signed by", "Подписано"),
        ("How to verify", "Проверка"),
    ]:
        assert english in pdf.text and russian in pdf.text
    assert "Kazakhstan / Казахстан" in pdf.text and "Kyrgyzstan / Кыргызстан" in pdf.text


def test_the_holder_downloads_the_pdf_through_the_private_link(client, operator, world):
    permit = live_permits(world)[2]
    page = operator.get(f"/en/permits/{permit.id}/").content.decode()
    token = page.split("?t=")[1][:32]
    client.logout()

    data = download(client, permit, f"?t={token}")

    assert data.startswith(b"%PDF") and permit.member.surname in Pdf(data).text


def test_a_revoked_permits_pdf_says_so(operator, world, django_capture_on_commit_callbacks):
    permit = live_permits(world)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.member_remove(
            actor=demo_user("operator-kz"), application=world, member_id=permit.member_id, today=AMENDED_ON
        )

    assert "REVOKED · ОТОЗВАНО" in Pdf(download(operator, permit)).text


def permit_of_one_climber(capsys, capture, *, surname: str, given_names: str):
    """An approved application (fresh keys) whose one climber has this MRZ name, and their permit."""
    for authority in ("KZ", "KG"):
        assert tengri(capsys, "keys", "create", "--authority", authority, "--activate")[0] == 0
    operator = factories.operator()
    application = factories.application_complete(actor=operator, climbers=0)
    services.members_add(
        actor=operator,
        application=application,
        today=factories.TODAY,
        mrz_text=factories.mrz(surname=surname, given_names=given_names),
    )
    services.application_submit(actor=operator, application=application, today=factories.TODAY)
    approve(capture, application, factories.officers())
    permit = application.permits.get(member__surname=surname)
    assert permit.member.given_names == given_names
    return operator, permit


def test_a_long_mrz_name_is_printed_in_full(client, demo_season, clock, capsys, django_capture_on_commit_callbacks):
    """The MRZ holds up to 39 characters of name: with a short surname the given names alone can pass 32."""
    given_names = "ANNA MARIA KATHARINA ELISABETH XEN"  # 34 characters; LI<<ANNA<MARIA<... fills 38 of 39
    operator, permit = permit_of_one_climber(
        capsys, django_capture_on_commit_callbacks, surname="LI", given_names=given_names
    )
    client.login(username=operator.username, password=factories.PASSWORD)

    assert given_names in Pdf(download(client, permit)).text


def test_every_line_stays_on_the_page(client, demo_season, clock, capsys, django_capture_on_commit_callbacks):
    """A name of 25 characters is common (MARIA GUADALUPE ESPERANZA); it must not run off the A5 sheet."""
    operator, permit = permit_of_one_climber(
        capsys, django_capture_on_commit_callbacks, surname="GARCIA", given_names="MARIA GUADALUPE ESPERANZA"
    )
    client.login(username=operator.username, password=factories.PASSWORD)

    pdf = Pdf(download(client, permit))

    assert "MARIA GUADALUPE ESPERANZA" in pdf.text
    assert pdf.off_the_page == ""
