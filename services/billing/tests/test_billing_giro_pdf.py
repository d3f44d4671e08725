"""The giro PDF carries what the payer needs to pay it: KID, account, amount, due date, payer, payee."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from io import BytesIO

from pypdf import PdfReader

from billing.adapters.giro_pdf import Payer, ocr_line, render_giro
from billing.domain.invoice import Invoice, InvoiceTerms
from billing.domain.kid import kid_for, mod10_check_digit

TERMS = InvoiceTerms("Legekontoret", "Storgata 1, 0155 Oslo", "15030540007", 14)
INVOICE = Invoice(id=uuid.uuid4(), econsult_id=uuid.uuid4(), patient_id=uuid.uuid4(), kid=kid_for(1),
                  account_number="15030540007", copayment_ore=20400, fee_ore=5500, amount_ore=25900,
                  issued_on=date(2026, 3, 3), due_date=date(2026, 3, 17), status="open", paid_ore=0,
                  overdue_on=None, settled_on=None)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_the_giro_shows_kid_account_amount_due_date_and_payer() -> None:
    pdf = render_giro(INVOICE, Payer("Kari Nordmann"), TERMS)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in ("GIRO", "Kvittering", "Betalingsinformasjon", "Betalt av", "Betalt til", "Betalingsfrist",
                     "Kundeidentifikasjon (KID)", "0000000018", "1503.05.40007", "259,00 kr", "204,00 kr",
                     "55,00 kr", "17.03.2026", "Kari Nordmann", "Legekontoret", "Storgata 1, 0155 Oslo"):
        assert expected in text, expected


def test_the_machine_read_line() -> None:
    line = ocr_line(INVOICE)
    # KID right-aligned before '#', then kroner, øre, the amount's MOD10 check digit, '>', account, '<'.
    assert line.split("#")[0].strip() == "0000000018"
    kroner, ore, check = line.split("#")[1].split(">")[0].split()
    assert (kroner, ore) == ("259", "00")
    assert int(check) == mod10_check_digit("25900")
    assert line.endswith(">  15030540007<")
    assert ocr_line(INVOICE) in text_of(render_giro(INVOICE, Payer("Kari Nordmann"), TERMS)).replace("\n", "")


def test_the_same_invoice_gives_the_same_pdf() -> None:
    assert render_giro(INVOICE, Payer("A"), TERMS) == render_giro(INVOICE, Payer("A"), TERMS)


def test_a_sami_name_is_printed_with_its_own_letters_in_an_embedded_font() -> None:
    sami = "Áŋŋá Čuđđi-Ŧoađđi Žáŋgá"
    pdf = render_giro(INVOICE, Payer(sami), TERMS)
    assert sami in text_of(pdf)
    reader = PdfReader(BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object() for f in fonts.values()]
    roboto = [f for f in embedded if "Roboto" in str(f["/BaseFont"])]
    assert roboto, [str(f["/BaseFont"]) for f in embedded]
    for font in roboto:  # the font file travels in the PDF: it prints the same on any machine
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    assert "Helvetica" not in str([f["/BaseFont"] for f in embedded])


def test_after_a_part_payment_the_giro_asks_for_what_is_still_owed() -> None:
    part_paid = dataclasses.replace(INVOICE, status="part_paid", paid_ore=10000)
    text = text_of(render_giro(part_paid, Payer("Kari Nordmann"), TERMS))
    assert "Beløp: 159,00 kr" in text
    for expected in ("Fakturabeløp", "259,00 kr", "Innbetalt", "-100,00 kr", "Å betale", "159,00 kr"):
        assert expected in text, expected
    kroner, ore, _ = ocr_line(part_paid).split("#")[1].split(">")[0].split()
    assert (kroner, ore) == ("159", "00")
    assert "Fakturabeløp" not in text_of(render_giro(INVOICE, Payer("Kari Nordmann"), TERMS))
