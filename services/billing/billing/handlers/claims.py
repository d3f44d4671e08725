"""Unsettled claims: invoices past their due date and unpaid, and what identity is told about them."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from billing.adapters import repository as repo
from billing.domain.invoice import Invoice
from contracts.events import ClaimsStatusChanged, InvoiceOverdue
from kit.clock import oslo
from kit.db import transaction
from kit.logging import get_logger
from kit.runtime import ServiceRuntime

log = get_logger(__name__)
BATCH = 500


async def refresh_claims(runtime: ServiceRuntime, conn: asyncpg.Connection, patient_id: uuid.UUID,
                         now: datetime) -> None:
    """Tell identity when the patient's unsettled-claims state changed, and only then."""
    await repo.lock_claims_of(conn, patient_id)
    has_claims = await repo.has_unsettled_claims(conn, patient_id)
    if await repo.claims_told(conn, patient_id) == has_claims:
        return
    await repo.record_claims_told(conn, patient_id, has_claims, now)
    await runtime.outbox.add(conn, ClaimsStatusChanged(patient_id=patient_id, has_unsettled_claims=has_claims,
                                                       changed_at=now))


def _overdue(invoice: Invoice) -> InvoiceOverdue:
    return InvoiceOverdue(invoice_id=invoice.id, patient_id=invoice.patient_id, kid=invoice.kid,
                          due_date=invoice.due_date, outstanding_ore=invoice.amount_ore - invoice.paid_ore)


async def mark_overdue_if_due(runtime: ServiceRuntime, conn: asyncpg.Connection, invoice_id: uuid.UUID,
                              now: datetime) -> bool:
    """An invoice that is unpaid (again) after its due date is overdue at once, not at the job's next run: a
    reversal of its payment, say. Once per invoice, as the job. True when it became overdue now."""
    invoice = await repo.mark_overdue(conn, invoice_id, oslo(now).date())
    if invoice is None:
        return False
    await runtime.outbox.add(conn, _overdue(invoice))
    return True


async def mark_overdue_invoices(runtime: ServiceRuntime) -> int:
    """The overdue job: invoices unpaid after their due date (Oslo dates) become overdue, once each.

    Durable by construction: the work is found in the database and the mark, `InvoiceOverdue` and any
    `ClaimsStatusChanged` are written in one transaction, so a crash repeats nothing and loses nothing.
    """
    marked = 0
    while True:
        now = runtime.clock.now()
        async with transaction(runtime.pool) as conn:
            invoices = await repo.mark_overdue_batch(conn, oslo(now).date(), BATCH)
            for invoice in invoices:
                await runtime.outbox.add(conn, _overdue(invoice))
            for patient_id in sorted({invoice.patient_id for invoice in invoices}):
                await refresh_claims(runtime, conn, patient_id, now)
        marked += len(invoices)
        if len(invoices) < BATCH:
            break
    if marked:
        log.info("invoices overdue", count=marked)
    return marked
