"""Unsettled claims: an invoice unpaid after its due date is overdue and identity is told; the
payment that settles the last one tells identity the claims are settled; a bank reversal of a payment opens the
invoice again, and the claims follow."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from billing.domain.ocr import OcrAssignment, OcrTransaction, OcrTransmission
from billing.handlers.claims import mark_overdue_invoices
from kit.clock import FixedClock
from services.billing.tests.billing_support import STAFF, Billing, billing_service, oslo_at
from services.billing.tests.ocr_writer import render
from tests.support.eventually import eventually
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(oslo_at(2026, 3, 3, 10))


@pytest.fixture
async def billing(stack_env: StackEnv, scratch_db: str, clock: FixedClock) -> AsyncIterator[Billing]:
    async with billing_service(stack_env, scratch_db, clock=clock) as service:
        yield service


async def invoice_for(billing: Billing, patient: uuid.UUID) -> dict[str, Any]:
    event = billing.answered(patient, oslo_at(2026, 3, 2), oslo_at(2026, 3, 3))
    await billing.send(event)
    await billing.decided(event.econsult_id)
    invoices = [i for i in await billing.invoices_of(patient) if i["econsult_id"] == str(event.econsult_id)]
    return invoices[0]


async def pay(billing: Billing, kid: str, amount: int) -> None:
    response = await billing.client.post("/internal/payments", json={
        "kid": kid, "amount_ore": amount, "paid_on": "2026-03-03", "registered_by": str(STAFF)})  # the day issued
    assert response.status_code == 201, response.text


async def claims_events(billing: Billing, patient: uuid.UUID) -> list[bool]:
    await billing.published()
    return [e["payload"]["has_unsettled_claims"] for e in await billing.events("claims")
            if e["payload"]["patient_id"] == str(patient)]


async def run_job(billing: Billing) -> int:
    runtime = billing.client._transport.app.state.runtime  # type: ignore[attr-defined]
    return await mark_overdue_invoices(runtime)


async def test_overdue_the_day_after_the_due_date_and_settled_by_the_payment(billing: Billing,
                                                                           clock: FixedClock) -> None:
    patient = await billing.register_patient()
    first, second = await invoice_for(billing, patient), await invoice_for(billing, patient)
    assert first["due_date"] == "2026-03-17"

    clock.set(oslo_at(2026, 3, 17, 23, 59))  # the last minute of the due date, Oslo time
    assert await run_job(billing) == 0
    clock.set(oslo_at(2026, 3, 18, 0, 1))  # still the 17th in UTC
    assert await run_job(billing) == 2
    assert await run_job(billing) == 0  # once each
    assert {i["status"] for i in await billing.invoices_of(patient)} == {"overdue"}
    await billing.published()
    overdue = [e["payload"] for e in await billing.events("invoices") if e["event_type"] == "InvoiceOverdue"]
    assert sorted(e["kid"] for e in overdue) == sorted([first["kid"], second["kid"]])
    assert {e["outstanding_ore"] for e in overdue} == {25900}
    assert await claims_events(billing, patient) == [True]

    await pay(billing, first["kid"], 25900)
    assert await claims_events(billing, patient) == [True]  # the other one is still unpaid
    await pay(billing, second["kid"], 20000)
    assert await claims_events(billing, patient) == [True]  # a part payment settles nothing
    await pay(billing, second["kid"], 5900)
    assert await claims_events(billing, patient) == [True, False]
    assert {i["status"] for i in await billing.invoices_of(patient)} == {"paid"}


async def test_an_invoice_paid_in_time_never_becomes_overdue(billing: Billing, clock: FixedClock) -> None:
    patient = await billing.register_patient()
    invoice = await invoice_for(billing, patient)
    await pay(billing, invoice["kid"], 25900)
    clock.advance(timedelta(days=30))
    await run_job(billing)
    [after] = await billing.invoices_of(patient)
    assert after["status"] == "paid"
    assert after["overdue_on"] is None
    assert await claims_events(billing, patient) == []


async def test_the_job_runs_by_itself(stack_env: StackEnv, scratch_db: str) -> None:
    clock = FixedClock(oslo_at(2026, 3, 3, 10))
    async with billing_service(stack_env, scratch_db, clock=clock, overdue_check_seconds=0.2) as billing:
        patient = await billing.register_patient()
        await invoice_for(billing, patient)
        clock.advance(timedelta(days=15))

        async def overdue() -> bool:
            return [i["status"] for i in await billing.invoices_of(patient)] == ["overdue"]
        await eventually(overdue, what="the overdue job")
        assert await claims_events(billing, patient) == [True]


# --- reversals (tilbakeføring, OCR transaction types 18 and 20) count negative: the paid amount of an invoice is
# the sum of the payments kept for it, an invoice whose paid amount falls below its amount is open again, overdue
# at once if past its due date, and the unsettled-claims rule follows (domain-rules.md, "Billing").

TRANSMISSIONS = itertools.count(100)


async def ocr(billing: Billing, *transactions: tuple[int, int, str], on: date) -> dict[str, Any]:
    """The bank's file with (transaction type, amount in øre, KID) lines, imported as the billing office does."""
    lines = tuple(OcrTransaction(n, kind, on, amount, kid) for n, (kind, amount, kid) in enumerate(transactions, 1))
    content = render(OcrTransmission(f"{next(TRANSMISSIONS):07d}", (OcrAssignment(
        "0000001", billing.settings.clinic_account_number, lines),)), on).encode("iso-8859-1")
    response = await billing.client.post("/internal/payments/ocr", params={"imported_by": str(STAFF)},
                                         content=content)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def the_invoice(billing: Billing, patient: uuid.UUID) -> dict[str, Any]:
    [invoice] = await billing.invoices_of(patient)
    return invoice


async def test_a_reversal_after_the_due_date_opens_a_paid_invoice_again_overdue_and_locks_the_portal(
        billing: Billing, clock: FixedClock) -> None:
    patient = await billing.register_patient()
    invoice = await invoice_for(billing, patient)
    await ocr(billing, (10, 25900, invoice["kid"]), on=date(2026, 3, 10))  # paid in time
    paid = await the_invoice(billing, patient)
    assert (paid["status"], paid["paid_ore"], paid["settled_on"]) == ("paid", 25900, "2026-03-10")

    clock.set(oslo_at(2026, 3, 20, 9))  # past the due date: the bank takes the money back
    report = await ocr(billing, (18, -25900, invoice["kid"]), on=date(2026, 3, 20))
    [line] = report["payments"]
    assert (line["outcome"], line["outstanding_ore"], line["invoice_status"]) == ("reversal", 25900, "open")
    reopened = await the_invoice(billing, patient)
    assert (reopened["status"], reopened["paid_ore"], reopened["outstanding_ore"]) == ("overdue", 0, 25900)
    assert (reopened["overdue_on"], reopened["settled_on"]) == ("2026-03-20", None)
    assert await claims_events(billing, patient) == [True]
    overdue = [e["payload"] for e in await billing.events("invoices")
               if e["event_type"] == "InvoiceOverdue" and e["payload"]["kid"] == invoice["kid"]]
    assert [(e["outstanding_ore"], e["due_date"]) for e in overdue] == [(25900, "2026-03-17")]
    paid_events = [e["payload"] for e in await billing.events("invoices")
                   if e["event_type"] == "InvoicePaid" and e["payload"]["kid"] == invoice["kid"]]
    assert len(paid_events) == 1  # the reversal is in the report and the payment list, not an InvoicePaid

    await ocr(billing, (10, 25900, invoice["kid"]), on=date(2026, 3, 23))  # paid again
    settled = await the_invoice(billing, patient)
    assert (settled["status"], settled["paid_ore"], settled["settled_on"]) == ("paid", 25900, "2026-03-23")
    assert await claims_events(billing, patient) == [True, False]


async def test_a_part_reversal_of_a_settled_overdue_invoice_leaves_the_rest_owed_on_the_giro(
        billing: Billing, clock: FixedClock) -> None:
    patient = await billing.register_patient()
    invoice = await invoice_for(billing, patient)
    clock.set(oslo_at(2026, 3, 18, 9))
    assert await run_job(billing) == 1
    await ocr(billing, (10, 25900, invoice["kid"]), on=date(2026, 3, 18))
    assert await claims_events(billing, patient) == [True, False]

    await ocr(billing, (20, -10000, invoice["kid"]), on=date(2026, 3, 19))  # type 20: a reversal with text
    after = await the_invoice(billing, patient)
    assert (after["status"], after["paid_ore"], after["outstanding_ore"]) == ("overdue", 15900, 10000)
    assert await claims_events(billing, patient) == [True, False, True]
    kept = await billing.fetch("SELECT amount_ore, outcome FROM payments WHERE kid = $1 ORDER BY registered_at",
                               invoice["kid"])
    assert [(r["amount_ore"], r["outcome"]) for r in kept] == [(25900, "paid"), (-10000, "reversal")]

    pdf = await billing.client.get(f"/internal/invoices/{invoice['id']}/pdf")
    text = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert "Beløp: 100,00 kr" in text
    assert "100 00" in text.replace("\n", " ")  # the machine-read line asks for what is left


async def test_a_reversal_before_the_due_date_opens_the_invoice_without_claims(billing: Billing) -> None:
    patient = await billing.register_patient()
    invoice = await invoice_for(billing, patient)
    await ocr(billing, (10, 25900, invoice["kid"]), (18, -25900, invoice["kid"]), on=date(2026, 3, 5))
    after = await the_invoice(billing, patient)
    assert (after["status"], after["paid_ore"], after["overdue_on"]) == ("open", 0, None)
    assert await claims_events(billing, patient) == []
