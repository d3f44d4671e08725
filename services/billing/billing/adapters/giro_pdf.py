"""The giro as a PDF (reportlab): the invoice on top, the Norwegian giro form in the bottom third.

The giro part follows the bank's form: receipt strip, payment information, due date, paid by / paid to
boxes, and the machine-read line at the bottom (KID, kroner, øre, amount check digit, account) in
Courier 12, one of the fonts Nets accepts for the OCR line.

The amount to pay is what is still owed: after a part payment (or a reversal of a payment) the giro asks
for the rest, and the letter shows the invoice's amount, what is paid and what is left.

Every other text is in Roboto (from the `font-roboto` package), embedded: the PDF base fonts (Helvetica)
know only Western European letters, and a Sami name (Ŋ, Č, Đ, Ŧ, Ž) came out as boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from io import BytesIO

import font_roboto
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from billing.domain.account import format_account_number
from billing.domain.invoice import Invoice, InvoiceTerms
from billing.domain.kid import mod10_check_digit
from billing.domain.money import format_nok

GIRO_HEIGHT = 101.6 * mm  # the giro form is a third of an A4 page (4 inches)
GIRO_TINT = Color(1.0, 0.93, 0.80)  # the form's pale orange, with white fields
TEXT = {
    "title": "Faktura for eKonsultasjon",
    "copayment": "Egenandel eKonsultasjon (teller mot frikort)",
    "fee": "Fakturagebyr",
    "total": "Å betale",
    "amount_total": "Fakturabeløp",
    "paid": "Innbetalt",
    "receipt": "Kvittering",
    "paid_to_account": "Innbetalt til konto",
    "amount": "Beløp",
    "payer_account": "Betalerens kontonummer",
    "info": "Betalingsinformasjon",
    "due": "Betalingsfrist",
    "paid_by": "Betalt av",
    "paid_to": "Betalt til",
    "signature": "Underskrift ved girering",
    "kid": "Kundeidentifikasjon (KID)",
    "kroner": "Kroner",
    "ore": "Øre",
    "to_account": "Til konto",
}


FONT, BOLD = "Giro", "Giro-Bold"


@cache
def _fonts() -> None:
    """Register the embedded fonts once per process (reportlab keeps a process-wide registry)."""
    registerFont(TTFont(FONT, font_roboto.font_files["Roboto"]))
    registerFont(TTFont(BOLD, font_roboto.font_files["RobotoBold"]))


@dataclass(frozen=True)
class Payer:
    name: str


def _d(d: date) -> str:
    return f"{d:%d.%m.%Y}"


def ocr_line(invoice: Invoice) -> str:
    """The machine-read line: KID, then kroner, øre (what is still owed) and the amount's MOD10 check digit,
    then the account."""
    kroner, ore = divmod(invoice.outstanding_ore, 100)
    check = mod10_check_digit(f"{kroner}{ore:02d}")
    return f"{invoice.kid:>25} #  {kroner:>8} {ore:02d}  {check} >  {invoice.account_number}<"


def render_giro(invoice: Invoice, payer: Payer, terms: InvoiceTerms) -> bytes:
    _fonts()
    buffer = BytesIO()
    # invariant: the same invoice gives the same bytes; no base font at all (it would be Helvetica)
    c = Canvas(buffer, pagesize=A4, invariant=True, initialFontName=FONT)
    c.setTitle(f"Faktura {invoice.kid}")
    c.setAuthor(terms.clinic_name)
    _letter(c, invoice, payer, terms)
    _giro(c, invoice, payer, terms)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _letter(c: Canvas, invoice: Invoice, payer: Payer, terms: InvoiceTerms) -> None:
    width, height = A4
    c.setFont(BOLD, 14)
    c.drawString(20 * mm, height - 25 * mm, terms.clinic_name)
    c.setFont(FONT, 10)
    c.drawString(20 * mm, height - 31 * mm, terms.clinic_address)
    c.drawString(20 * mm, height - 50 * mm, payer.name)
    c.setFont(BOLD, 16)
    c.drawString(20 * mm, height - 75 * mm, TEXT["title"])
    c.setFont(FONT, 10)
    facts = [("Fakturadato", _d(invoice.issued_on)), (TEXT["due"], _d(invoice.due_date)), ("KID", invoice.kid),
             ("Kontonummer", format_account_number(invoice.account_number))]
    for i, (label, value) in enumerate(facts):
        y = height - (85 + 6 * i) * mm
        c.drawString(20 * mm, y, label)
        c.drawString(65 * mm, y, value)
    rows = [(TEXT["copayment"], invoice.copayment_ore), (TEXT["fee"], invoice.fee_ore)]
    y = height - 120 * mm
    for label, ore in rows:
        c.drawString(20 * mm, y, label)
        c.drawRightString(width - 20 * mm, y, format_nok(ore))
        y -= 6 * mm
    if invoice.paid_ore != 0:  # after a part payment (or a reversal): the invoice, what is paid, what is left
        c.line(20 * mm, y + 3 * mm, width - 20 * mm, y + 3 * mm)
        for label, ore in ((TEXT["amount_total"], invoice.amount_ore), (TEXT["paid"], -invoice.paid_ore)):
            y -= 2 * mm
            c.drawString(20 * mm, y, label)
            c.drawRightString(width - 20 * mm, y, format_nok(ore))
            y -= 6 * mm
    c.line(20 * mm, y + 3 * mm, width - 20 * mm, y + 3 * mm)
    c.setFont(BOLD, 11)
    c.drawString(20 * mm, y - 2 * mm, TEXT["total"])
    c.drawRightString(width - 20 * mm, y - 2 * mm, format_nok(invoice.outstanding_ore))


def _box(c: Canvas, x: float, y: float, w: float, h: float, label: str, lines: list[str], size: int = 10) -> None:
    c.setFillColor(white)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.setFillColor(black)
    c.setFont(FONT, 6.5)
    c.drawString(x, y + h + 1.2 * mm, label)
    c.setFont(FONT, size)
    for i, text in enumerate(lines):
        c.drawString(x + 2 * mm, y + h - (5 + 4.5 * i) * mm, text)


def _giro(c: Canvas, invoice: Invoice, payer: Payer, terms: InvoiceTerms) -> None:
    width, _ = A4
    c.setFillColor(GIRO_TINT)
    c.rect(0, 0, width, GIRO_HEIGHT, stroke=0, fill=1)
    c.setFillColor(black)
    c.setDash(2, 2)
    c.line(0, GIRO_HEIGHT, width, GIRO_HEIGHT)  # cut here
    c.setDash()
    top = GIRO_HEIGHT
    c.setFont(BOLD, 9)
    c.drawString(8 * mm, top - 6 * mm, TEXT["receipt"])
    c.setFont(FONT, 7)
    c.drawString(40 * mm, top - 6 * mm, f"{TEXT['paid_to_account']}: {format_account_number(invoice.account_number)}")
    c.drawString(110 * mm, top - 6 * mm, f"{TEXT['amount']}: {format_nok(invoice.outstanding_ore)}")
    c.drawString(150 * mm, top - 6 * mm, TEXT["payer_account"])
    info = ["eKonsultasjon", f"KID {invoice.kid}", f"Fakturadato {_d(invoice.issued_on)}"]
    _box(c, 8 * mm, top - 38 * mm, 95 * mm, 24 * mm, TEXT["info"], info, size=9)
    c.setFont(BOLD, 22)
    c.drawString(115 * mm, top - 24 * mm, "GIRO")
    _box(c, 160 * mm, top - 24 * mm, 40 * mm, 8 * mm, TEXT["due"], [_d(invoice.due_date)])
    _box(c, 8 * mm, top - 70 * mm, 95 * mm, 22 * mm, TEXT["paid_by"], [payer.name])
    _box(c, 110 * mm, top - 70 * mm, 90 * mm, 22 * mm, TEXT["paid_to"], [terms.clinic_name, terms.clinic_address])
    c.setFont(FONT, 6.5)
    c.drawString(110 * mm, top - 40 * mm, TEXT["signature"])
    c.line(110 * mm, top - 36 * mm, 200 * mm, top - 36 * mm)
    # The machine-read line, on white, with its field headings above it.
    c.setFillColor(white)
    c.rect(0, 6 * mm, width, 16 * mm, stroke=0, fill=1)
    c.setFillColor(black)
    line, left, char = ocr_line(invoice), 4 * mm, stringWidth("0", "Courier", 12)
    kroner_at = line.index("#") + 3
    headings = ((line.index(invoice.kid), TEXT["kid"]), (kroner_at, TEXT["kroner"]), (kroner_at + 9, TEXT["ore"]),
                (line.index(">") + 3, TEXT["to_account"]))
    c.setFont(FONT, 6.5)
    for position, label in headings:  # each heading over the first character of its field
        c.drawString(left + position * char, 18 * mm, label)
    c.setFont("Courier", 12)
    c.drawString(left, 10 * mm, line)
