"""Payments, from the bank's OCR file or typed by the billing office: matched on KID, each kept."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from datetime import date, datetime
from typing import Any

import asyncpg

from billing.adapters import repository as repo
from billing.domain.errors import PaymentAlreadyPlaced, WrongAccount
from billing.domain.invoice import SETTLED, Invoice, PaymentStatus, status_after
from billing.domain.ocr import OcrFileInvalid, parse
from billing.domain.payment import OUTCOMES, AppliedPayment, Outcome
from billing.domain.payment_date import ensure_possible_payment_date
from billing.handlers.claims import mark_overdue_if_due, refresh_claims
from billing.settings import invoice_terms
from contracts.events import InvoicePaid
from kit.clock import oslo
from kit.db import transaction
from kit.errors import NotFound
from kit.runtime import ServiceRuntime


async def apply_payment(runtime: ServiceRuntime, conn: asyncpg.Connection, now: datetime, *, kid: str | None,
                        amount_ore: int, paid_on: date, source: str, source_ref: str | None,
                        ocr_import_id: uuid.UUID | None, registered_by: uuid.UUID) -> AppliedPayment:
    """Keep one payment and apply it to the invoice its KID names.

    The invoice's paid amount is the sum of the payments kept for it, a bank reversal (tilbakeføring, OCR
    transaction types 18 and 20) counting negative: a reversal of a payment opens the invoice again, overdue at
    once if past its due date, and the patient's unsettled claims follow."""
    payment_id = uuid.uuid4()
    invoice = await repo.invoice_by_kid_for_update(conn, kid) if kid else None
    if invoice is None:
        # Kept and flagged for the billing office: money we cannot place is never lost.
        kept = await repo.record_payment(
            conn, payment_id=payment_id, source=source, source_ref=source_ref, ocr_import_id=ocr_import_id, kid=kid,
            invoice_id=None, amount_ore=amount_ore, paid_on=paid_on, outcome="unknown_kid",
            registered_by=registered_by, at=now)
        return AppliedPayment(payment_id, kid, amount_ore, paid_on, None, None,
                              "unknown_kid" if kept else "duplicate")
    outcome: Outcome = "reversal" if amount_ore <= 0 else status_after(invoice.amount_ore,
                                                                       invoice.paid_ore + amount_ore)
    kept = await repo.record_payment(
        conn, payment_id=payment_id, source=source, source_ref=source_ref, ocr_import_id=ocr_import_id, kid=kid,
        invoice_id=invoice.id, amount_ore=amount_ore, paid_on=paid_on, outcome=outcome, registered_by=registered_by,
        at=now)
    if not kept:
        return AppliedPayment(payment_id, kid, amount_ore, paid_on, invoice.id, invoice.patient_id, "duplicate",
                              outstanding_ore=invoice.outstanding_ore)
    status, total = await _credit(runtime, conn, now, invoice, payment_id=payment_id, amount_ore=amount_ore,
                                  paid_on=paid_on)
    return AppliedPayment(payment_id, kid, amount_ore, paid_on, invoice.id, invoice.patient_id, outcome,
                          outstanding_ore=max(0, invoice.amount_ore - total), invoice_status=status)


async def _credit(runtime: ServiceRuntime, conn: asyncpg.Connection, now: datetime, invoice: Invoice, *,
                  payment_id: uuid.UUID, amount_ore: int, paid_on: date) -> tuple[PaymentStatus, int]:
    """A kept payment counted on its invoice: the paid amount is the sum of the payments kept for it (a reversal
    counts negative), then the new status, `InvoicePaid`, the overdue mark when a reversal opens a past-due
    invoice again, and the claims when either changes. Returns the invoice's status and paid amount."""
    reversal = amount_ore <= 0
    total = await repo.paid_on_invoice(conn, invoice.id)
    status = status_after(invoice.amount_ore, total)
    await repo.settle(conn, invoice.id, paid_ore=total, status=status,
                      settled_on=paid_on if status in SETTLED else None)
    # The billing office's contract: one InvoicePaid per payment that leaves something paid. A reversal (and a
    # payment that leaves nothing paid on balance after one) is kept and flagged here, in the report.
    if not reversal and status != "open":
        await runtime.outbox.add(conn, InvoicePaid(
            invoice_id=invoice.id, patient_id=invoice.patient_id, kid=invoice.kid, payment_id=payment_id,
            paid_ore=amount_ore, total_paid_ore=total, amount_ore=invoice.amount_ore, paid_on=paid_on, status=status))
    overdue_now = status not in SETTLED and await mark_overdue_if_due(runtime, conn, invoice.id, now)
    if invoice.overdue_on is not None or overdue_now:
        await refresh_claims(runtime, conn, invoice.patient_id, now)
    return status, total


async def register_payment(runtime: ServiceRuntime, *, kid: str, amount_ore: int, paid_on: date,
                           registered_by: uuid.UUID) -> AppliedPayment:
    """A payment typed by the billing office (a transfer without KID, cash at the desk)."""
    now = runtime.clock.now()
    async with transaction(runtime.pool) as conn:
        invoice = await repo.invoice_by_kid_for_update(conn, kid)
        if invoice is None:
            raise NotFound("Fant ingen faktura med denne KID-en.")
        ensure_possible_payment_date(paid_on, issued_on=invoice.issued_on, today=oslo(now).date())
        return await apply_payment(runtime, conn, now, kid=kid, amount_ore=amount_ore, paid_on=paid_on,
                                   source="manual", source_ref=None, ocr_import_id=None, registered_by=registered_by)


async def place_payment(runtime: ServiceRuntime, *, payment_id: uuid.UUID, invoice_id: uuid.UUID) -> AppliedPayment:
    """The billing office puts a payment the bank's KID did not match (a typo, a transfer without KID) on the
    invoice it was meant for: counted there as if its KID had matched. Once only."""
    async with transaction(runtime.pool) as conn:
        payment = await repo.unplaced_payment_for_update(conn, payment_id)
        if payment is None:
            raise NotFound("Fant ikke innbetalingen.")
        if payment["invoice_id"] is not None or payment["outcome"] != "unknown_kid":
            raise PaymentAlreadyPlaced()
        invoice = await repo.invoice_for_update(conn, invoice_id)
        if invoice is None:
            raise NotFound("Fant ikke fakturaen.")
        outcome = status_after(invoice.amount_ore, invoice.paid_ore + payment["amount_ore"])
        await repo.place_payment(conn, payment_id, invoice.id, outcome)
        status, total = await _credit(runtime, conn, runtime.clock.now(), invoice, payment_id=payment_id,
                                      amount_ore=payment["amount_ore"], paid_on=payment["paid_on"])
    return AppliedPayment(payment_id, invoice.kid, payment["amount_ore"], payment["paid_on"], invoice.id,
                          invoice.patient_id, outcome, outstanding_ore=max(0, invoice.amount_ore - total),
                          invoice_status=status)


async def import_ocr_file(runtime: ServiceRuntime, *, content: bytes, imported_by: uuid.UUID) -> dict[str, Any]:
    """Settle the payments in one OCR file, all or nothing. The same file again pays nothing twice: it gets the
    report kept with the first import."""
    try:
        # On a thread: a file of megabytes is a while of parsing, which would hold billing's event loop.
        transmission = await asyncio.to_thread(parse, content.decode("iso-8859-1"))
    except UnicodeDecodeError as exc:  # pragma: no cover - every byte decodes in ISO-8859-1
        raise OcrFileInvalid() from exc
    account_number = invoice_terms(runtime.settings).account_number
    foreign = sorted({a.account_number for a in transmission.assignments} - {account_number})
    if foreign:
        raise WrongAccount(f"Filen har oppdrag for konto {', '.join(foreign)}.")
    digest, now = hashlib.sha256(content).hexdigest(), runtime.clock.now()
    import_id = uuid.uuid4()
    async with transaction(runtime.pool) as conn:
        if not await repo.start_ocr_import(conn, import_id=import_id, file_sha256=digest,
                                           data_transmitter=transmission.data_transmitter,
                                           transmission_number=transmission.transmission_number,
                                           imported_by=imported_by, at=now):
            return {**await repo.ocr_import_report(conn, digest), "already_imported": True}
        lines: list[dict[str, Any]] = []
        for assignment, t in transmission.transactions:
            ref = (f"ocr:{transmission.data_transmitter}:{transmission.transmission_number}:"
                   f"{assignment.assignment_number}:{t.transaction_number}")
            applied = await apply_payment(runtime, conn, now, kid=t.kid, amount_ore=t.amount_ore,
                                          paid_on=t.settled_on, source="ocr", source_ref=ref, ocr_import_id=import_id,
                                          registered_by=imported_by)
            lines.append({"transaction_number": t.transaction_number, **applied.as_json()})
        counts = Counter(line["outcome"] for line in lines)
        report: dict[str, Any] = {
            "import_id": str(import_id), "transmission_number": transmission.transmission_number,
            "imported_at": now.isoformat(), "already_imported": False,
            "summary": {"transactions": len(lines),
                        "amount_ore": sum(t.amount_ore for _, t in transmission.transactions),
                        **{outcome: counts.get(outcome, 0) for outcome in OUTCOMES}},
            "payments": lines,
        }
        await repo.keep_ocr_import_report(conn, import_id, report)
    return report
