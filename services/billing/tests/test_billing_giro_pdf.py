"""The giro PDF carries what the payer needs to pay it: KID, account, amount, due date, payer, payee."""

from __future__ import annotations

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
