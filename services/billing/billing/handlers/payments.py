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
from billing.domain.invoice import SETTLED, Invoice, InvoiceTerms, PaymentStatus, status_after
from billing.domain.money import format_nok
from billing.domain.ocr import OcrFileInvalid, parse
from billing.domain.payment_date import ensure_possible_payment_date
from billing.handlers.claims import mark_overdue_if_due, refresh_claims
from contracts.events import InvoicePaid
from kit.clock import Clock, oslo
from kit.db import transaction
from kit.errors import NotFound
from kit.outbox import Outbox

OUTCOMES = ("paid", "part_paid", "over_paid", "unknown_kid", "reversal", "duplicate")


async def apply_payment(conn: asyncpg.Connection, outbox: Outbox, now: datetime, *, kid: str | None, amount_ore: int,
                        paid_on: date, source: str, source_ref: str | None, ocr_import_id: uuid.UUID | None,
                        registered_by: uuid.UUID) -> dict[str, Any]:
    """Keep one payment and apply it to the invoice its KID names. Returns its line of the report.

    The invoice's paid amount is the sum of the payments kept for it, a bank reversal (tilbakeføring, OCR
    transaction types 18 and 20) counting negative: a reversal of a payment opens the invoice again, overdue at
    once if past its due date, and the patient's unsettled claims follow."""
    payment_id = uuid.uuid4()
    invoice = await repo.invoice_by_kid_for_update(conn, kid) if kid else None
    line: dict[str, Any] = {"payment_id": str(payment_id), "kid": kid, "amount_ore": amount_ore,
                            "amount_nok": format_nok(amount_ore), "paid_on": paid_on.isoformat(),
                            "invoice_id": str(invoice.id) if invoice else None,
                            "patient_id": str(invoice.patient_id) if invoice else None}
    if invoice is None:
        # Kept and flagged for the billing office: money we cannot place is never lost.
        kept = await repo.record_payment(
            conn, payment_id=payment_id, source=source, source_ref=source_ref, ocr_import_id=ocr_import_id, kid=kid,
            invoice_id=None, amount_ore=amount_ore, paid_on=paid_on, outcome="unknown_kid",
            registered_by=registered_by, at=now)
        return {**line, "outcome": "unknown_kid" if kept else "duplicate"}
    outcome = "reversal" if amount_ore <= 0 else status_after(invoice.amount_ore, invoice.paid_ore + amount_ore)
    kept = await repo.record_payment(
        conn, payment_id=payment_id, source=source, source_ref=source_ref, ocr_import_id=ocr_import_id, kid=kid,
        invoice_id=invoice.id, amount_ore=amount_ore, paid_on=paid_on, outcome=outcome, registered_by=registered_by,
        at=now)
    if not kept:
        return {**line, "outcome": "duplicate", "outstanding_ore": invoice.outstanding_ore}
    status, total = await _credit(conn, outbox, now, invoice, payment_id=payment_id, amount_ore=amount_ore,
                                  paid_on=paid_on)
    return {**line, "outcome": outcome, "outstanding_ore": max(0, invoice.amount_ore - total),
            "invoice_status": status}


async def _credit(conn: asyncpg.Connection, outbox: Outbox, now: datetime, invoice: Invoice, *,
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
        await outbox.add(conn, InvoicePaid(
            invoice_id=invoice.id, patient_id=invoice.patient_id, kid=invoice.kid, payment_id=payment_id,
            paid_ore=amount_ore, total_paid_ore=total, amount_ore=invoice.amount_ore, paid_on=paid_on, status=status))
    overdue_now = status not in SETTLED and await mark_overdue_if_due(conn, outbox, invoice.id, now)
    if invoice.overdue_on is not None or overdue_now:
        await refresh_claims(conn, outbox, invoice.patient_id, now)
    return status, total


async def register_payment(pool: asyncpg.Pool, outbox: Outbox, clock: Clock, *, kid: str, amount_ore: int,
                           paid_on: date, registered_by: uuid.UUID) -> dict[str, Any]:
    """A payment typed by the billing office (a transfer without KID, cash at the desk)."""
    async with transaction(pool) as conn:
        invoice = await repo.invoice_by_kid_for_update(conn, kid)
        if invoice is None:
            raise NotFound("Fant ingen faktura med denne KID-en.")
        ensure_possible_payment_date(paid_on, issued_on=invoice.issued_on, today=oslo(clock.now()).date())
        return await apply_payment(conn, outbox, clock.now(), kid=kid, amount_ore=amount_ore, paid_on=paid_on,
                                   source="manual", source_ref=None, ocr_import_id=None, registered_by=registered_by)


async def place_payment(pool: asyncpg.Pool, outbox: Outbox, clock: Clock, *, payment_id: uuid.UUID,
                        invoice_id: uuid.UUID) -> dict[str, Any]:
    """The billing office puts a payment the bank's KID did not match (a typo, a transfer without KID) on the
    invoice it was meant for: counted there as if its KID had matched. Once only."""
    async with transaction(pool) as conn:
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
        status, total = await _credit(conn, outbox, clock.now(), invoice, payment_id=payment_id,
                                      amount_ore=payment["amount_ore"], paid_on=payment["paid_on"])
    return {"payment_id": str(payment_id), "invoice_id": str(invoice.id), "patient_id": str(invoice.patient_id),
            "kid": invoice.kid, "amount_ore": payment["amount_ore"], "amount_nok": format_nok(payment["amount_ore"]),
            "outcome": outcome, "outstanding_ore": max(0, invoice.amount_ore - total), "invoice_status": status}


async def import_ocr_file(pool: asyncpg.Pool, outbox: Outbox, clock: Clock, terms: InvoiceTerms, *, content: bytes,
                          imported_by: uuid.UUID) -> dict[str, Any]:
    """Settle the payments in one OCR file, all or nothing. The same file again pays nothing twice."""
    try:
        # On a thread: a file of megabytes is a while of parsing, which would hold billing's event loop.
        transmission = await asyncio.to_thread(parse, content.decode("iso-8859-1"))
    except UnicodeDecodeError as exc:  # pragma: no cover - every byte decodes in ISO-8859-1
        raise OcrFileInvalid() from exc
    foreign = sorted({a.account_number for a in transmission.assignments} - {terms.account_number})
    if foreign:
        raise WrongAccount(f"Filen har oppdrag for konto {', '.join(foreign)}.")
    digest, now = hashlib.sha256(content).hexdigest(), clock.now()
    import_id = uuid.uuid4()
    async with transaction(pool) as conn:
        first = await conn.fetchval(
            """INSERT INTO ocr_imports (id, file_sha256, data_transmitter, transmission_number, imported_by,
                                        imported_at, report)
               VALUES ($1, $2, $3, $4, $5, $6, '{}'::jsonb) ON CONFLICT (file_sha256) DO NOTHING RETURNING true""",
            import_id, digest, transmission.data_transmitter, transmission.transmission_number, imported_by, now)
        if not first:
            report: dict[str, Any] = await conn.fetchval(
                "SELECT report FROM ocr_imports WHERE file_sha256 = $1", digest)
            return {**report, "already_imported": True}
        lines = []
        for assignment, t in transmission.transactions:
            ref = (f"ocr:{transmission.data_transmitter}:{transmission.transmission_number}:"
                   f"{assignment.assignment_number}:{t.transaction_number}")
            line = await apply_payment(conn, outbox, now, kid=t.kid, amount_ore=t.amount_ore, paid_on=t.settled_on,
                                       source="ocr", source_ref=ref, ocr_import_id=import_id,
                                       registered_by=imported_by)
            lines.append({"transaction_number": t.transaction_number, **line})
        counts = Counter(line["outcome"] for line in lines)
        report = {
            "import_id": str(import_id), "transmission_number": transmission.transmission_number,
            "imported_at": now.isoformat(), "already_imported": False,
            "summary": {"transactions": len(lines),
                        "amount_ore": sum(t.amount_ore for _, t in transmission.transactions),
                        **{outcome: counts.get(outcome, 0) for outcome in OUTCOMES}},
            "payments": lines,
        }
        await conn.execute("UPDATE ocr_imports SET report = $2 WHERE id = $1", import_id, report)
    return report
