"""Unsettled claims: invoices past their due date and unpaid, and what identity is told about them."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from billing.domain.invoice import SETTLED
from contracts.events import ClaimsStatusChanged, InvoiceOverdue
from kit.clock import oslo
from kit.db import transaction
from kit.logging import get_logger
from kit.outbox import Outbox
from kit.runtime import ServiceRuntime

log = get_logger(__name__)
BATCH = 500


async def refresh_claims(conn: asyncpg.Connection, outbox: Outbox, patient_id: uuid.UUID, now: datetime) -> None:
    """Tell identity when the patient's unsettled-claims state changed, and only then."""
    # One patient at a time: a payment and the overdue job must not both decide from stale reads.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text, 5))", patient_id)
    has_claims: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM invoices WHERE patient_id = $1 AND overdue_on IS NOT NULL
                          AND NOT status = ANY($2::text[]))""", patient_id, list(SETTLED))
    told = await conn.fetchval("SELECT has_unsettled_claims FROM patient_claims WHERE patient_id = $1", patient_id)
    if bool(told) == has_claims:
        return
    await conn.execute(
        """INSERT INTO patient_claims (patient_id, has_unsettled_claims, changed_at) VALUES ($1, $2, $3)
           ON CONFLICT (patient_id) DO UPDATE SET has_unsettled_claims = $2, changed_at = $3""",
        patient_id, has_claims, now)
    await outbox.add(conn, ClaimsStatusChanged(patient_id=patient_id, has_unsettled_claims=has_claims,
                                               changed_at=now))


_OVERDUE_ROW = "id, patient_id, kid, due_date, amount_ore - paid_ore AS outstanding_ore"


def _overdue(row: asyncpg.Record) -> InvoiceOverdue:
    return InvoiceOverdue(invoice_id=row["id"], patient_id=row["patient_id"], kid=row["kid"], due_date=row["due_date"],
                          outstanding_ore=row["outstanding_ore"])


async def mark_overdue_if_due(conn: asyncpg.Connection, outbox: Outbox, invoice_id: uuid.UUID, now: datetime) -> bool:
    """An invoice that is unpaid (again) after its due date is overdue at once, not at the job's next run: a
    reversal of its payment, say. Once per invoice, as the job. True when it became overdue now."""
    today = oslo(now).date()
    row = await conn.fetchrow(
        f"""UPDATE invoices SET overdue_on = $2
            WHERE id = $1 AND overdue_on IS NULL AND status IN ('open', 'part_paid') AND due_date < $2
            RETURNING {_OVERDUE_ROW}""", invoice_id, today)
    if row is None:
        return False
    await outbox.add(conn, _overdue(row))
    return True


async def mark_overdue_invoices(runtime: ServiceRuntime) -> int:
    """The overdue job: invoices unpaid after their due date (Oslo dates) become overdue, once each.

    Durable by construction: the work is found in the database and the mark, `InvoiceOverdue` and any
    `ClaimsStatusChanged` are written in one transaction, so a crash repeats nothing and loses nothing.
    """
    marked = 0
    while True:
        now = runtime.clock.now()
        today = oslo(now).date()
        async with transaction(runtime.pool) as conn:
            rows = await conn.fetch(
                f"""UPDATE invoices SET overdue_on = $1
                    WHERE id IN (SELECT id FROM invoices
                                 WHERE overdue_on IS NULL AND status IN ('open', 'part_paid') AND due_date < $1
                                 ORDER BY due_date, id LIMIT $2 FOR UPDATE SKIP LOCKED)
                    RETURNING {_OVERDUE_ROW}""",
                today, BATCH)
            for row in rows:
                await runtime.outbox.add(conn, _overdue(row))
            for patient_id in sorted({row["patient_id"] for row in rows}):
                await refresh_claims(conn, runtime.outbox, patient_id, now)
        marked += len(rows)
        if len(rows) < BATCH:
            break
    if marked:
        log.info("invoices overdue", count=marked)
    return marked
