"""The permit as a printable PDF (A5): QR code, holder as in the passport, route, checkpoints and
their windows, the signing authorities, and how to verify — in English with Russian alongside.

Drawn with reportlab (pure Python wheels: nothing to install on the machine) in DejaVu Sans, which
matplotlib ships and which covers Cyrillic.
"""

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import matplotlib
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tengri.permits.codec import qr_png

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
AUTHORITY_NAMES = {"KZ": "Kazakhstan / Казахстан", "KG": "Kyrgyzstan / Кыргызстан"}


@dataclass(frozen=True)
class PermitSheet:
    """What is printed: everything comes from the permit's claims and the registry."""

    permit_id: str
    qr_text: str
    surname: str
    given_names: str
    nationality: str
    document_number: str
    role: str
    reference: str
    route: str
    route_name: str
    valid_from: date
    valid_until: date
    checkpoints: list[tuple[str, date, date]]
    authorities: list[str]
    revoked: bool = False


def masked(number: str) -> str:
    """All but the last three characters hidden: enough to match the passport, little to steal."""
    return "•" * max(len(number) - 3, 0) + number[-3:]


@cache
def _fonts() -> None:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf")))


def permit_pdf(sheet: PermitSheet) -> bytes:
    _fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, pageCompression=1)
    canvas.setTitle(f"Tengri e-permit {sheet.reference} {sheet.surname}")
    width, height = A5
    _header(canvas, sheet, width, height)
    canvas.drawImage(
        ImageReader(io.BytesIO(qr_png(sheet.qr_text, scale=6))), 12 * mm, height - 108 * mm, 78 * mm, 78 * mm
    )
    _holder(canvas, sheet, 92 * mm, height - 36 * mm)
    _route(canvas, sheet, 12 * mm, height - 118 * mm)
    _footer(canvas, sheet, width)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _header(canvas: Canvas, sheet: PermitSheet, width: float, height: float) -> None:
    canvas.setFillColorRGB(0.08, 0.2, 0.31)
    canvas.rect(0, height - 24 * mm, width, 24 * mm, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(BOLD, 15)
    canvas.drawString(12 * mm, height - 12 * mm, "E-PERMIT · ЭЛЕКТРОННОЕ РАЗРЕШЕНИЕ")
    canvas.setFont(FONT, 8.5)
    canvas.drawString(12 * mm, height - 18 * mm, "Khan Tengri cross-border routes · Kazakhstan – Kyrgyzstan")
    canvas.setFillColorRGB(0, 0, 0)
    if sheet.revoked:
        canvas.setFillColorRGB(0.7, 0.1, 0.1)
        canvas.setFont(BOLD, 13)
        canvas.drawString(94 * mm, height - 30 * mm, "REVOKED · ОТОЗВАНО")
        canvas.setFillColorRGB(0, 0, 0)


def _holder(canvas: Canvas, sheet: PermitSheet, x: float, top: float) -> None:
    rows = [
        ("Surname / Фамилия", sheet.surname),
        ("Given names / Имена", sheet.given_names),
        ("Nationality / Гражданство", sheet.nationality),
        ("Passport / Паспорт", masked(sheet.document_number)),
        ("Role / Роль", sheet.role),
        ("Application / Заявка", sheet.reference),
        ("Valid / Действует", f"{sheet.valid_from:%d.%m.%Y} – {sheet.valid_until:%d.%m.%Y}"),
    ]
    y, width = top, A5[0] - x - 6 * mm
    for label, value in rows:
        canvas.setFont(FONT, 7)
        canvas.drawString(x, y, label)
        y = _value(canvas, value, x, y - 4.2 * mm, width) - 6.3 * mm


def _value(canvas: Canvas, text: str, x: float, y: float, width: float) -> float:
    """The whole value, never cut: smaller type for a long one, then a second line (an MRZ name has
    up to 39 characters). Returns the baseline of the last line drawn."""
    for font, size in ((BOLD, 10), (BOLD, 9), (BOLD, 8), (FONT, 7.5), (FONT, 7), (FONT, 6.5), (FONT, 6)):
        if pdfmetrics.stringWidth(text, font, size) <= width:
            canvas.setFont(font, size)
            canvas.drawString(x, y, text)
            return y
    lines = simpleSplit(text, BOLD, 7, width)
    canvas.setFont(BOLD, 7)
    for line in lines:
        canvas.drawString(x, y, line)
        y -= 3.2 * mm
    return y + 3.2 * mm


def _route(canvas: Canvas, sheet: PermitSheet, x: float, top: float) -> None:
    canvas.setFont(BOLD, 10)
    canvas.drawString(x, top, sheet.route)
    canvas.setFont(FONT, 8.5)
    y = top
    for line in simpleSplit(sheet.route_name, FONT, 8.5, A5[0] - 2 * x)[:2]:
        y -= 4.5 * mm
        canvas.drawString(x, y, line)
    canvas.setFont(FONT, 8)
    y -= 6 * mm
    canvas.drawString(x, y, "Checkpoints and dates / Пункты и даты прохождения:")
    for code, first, last in sheet.checkpoints:
        y -= 4.5 * mm
        canvas.drawString(x + 4 * mm, y, f"{code}: {first:%d.%m.%Y} – {last:%d.%m.%Y}")
    y -= 7 * mm
    names = ", ".join(AUTHORITY_NAMES.get(code, code) for code in sheet.authorities)
    canvas.drawString(x, y, f"Signed by / Подписано: {names}")


def _footer(canvas: Canvas, sheet: PermitSheet, width: float) -> None:
    canvas.setFont(FONT, 6.5)
    lines = [
        "How to verify: scan the QR code at a checkpoint, or run `tengri permit verify --qr TEXT` with the",
        "published trust list (GET /api/v1/trust-list). Carry your passport: the names must match.",
        "Проверка: отсканируйте QR-код на пункте пропуска или выполните `tengri permit verify`.",
        f"Permit id / Номер разрешения: {sheet.permit_id}",
    ]
    for index, line in enumerate(lines):
        canvas.drawString(12 * mm, 16 * mm - index * 3.4 * mm, line)
