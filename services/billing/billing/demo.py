"""Billing's share of the demo clinic (`make run`): the `frikort` persona holds a frikort this year, and
`unpaid_claims` has an invoice a month old, overdue and unpaid, so identity hears of the unsettled claim.
Idempotent: seeding again changes nothing. The tariff (204 + 55 kr) comes with the migrations."""

from __future__ import annotations

from datetime import timedelta

from billing.adapters import repository as repo
from billing.handlers.claims import mark_overdue_invoices
from billing.handlers.invoicing import issue_invoice, tariff_on
from billing.settings import invoice_terms
from kit.clock import oslo
from kit.db import transaction
from kit.demo import PERSONAS, STAFF, demo_id
from kit.runtime import ServiceRuntime

FRIKORT_CARD = "20260001"
OVERDUE_BY_DAYS = 16


async def seed(runtime: ServiceRuntime) -> None:
    personas = {p.persona: p for p in PERSONAS}
    billing_office = next(s for s in STAFF if s.role == "billing").id
    now = runtime.clock.now()
    today = oslo(now).date()
    terms = invoice_terms(runtime.settings)
    async with transaction(runtime.pool) as conn:
        await conn.execute(
            """INSERT INTO frikort (patient_id, year, card_number, registered_by, registered_at)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""",
            personas["frikort"].id, today.year, FRIKORT_CARD, billing_office, now)

        unpaid = personas["unpaid_claims"]
        econsult_id = demo_id("econsult", "unpaid_claims:answered")
        issued_on = today - timedelta(days=terms.due_days + OVERDUE_BY_DAYS)
        tariff = await tariff_on(conn, issued_on)
        if await repo.record_charge(conn, econsult_id=econsult_id, patient_id=unpaid.id, exempt_reason=None,
                                    frikort=None, tariff_id=tariff.id, submitted_on=issued_on - timedelta(days=1),
                                    answered_on=issued_on, at=now):
            await issue_invoice(runtime, conn, econsult_id=econsult_id, patient_id=unpaid.id,
                                doctor_id=unpaid.gp_id, tariff=tariff, issued_on=issued_on, now=now)
    # The same job the running service runs: InvoiceOverdue and ClaimsStatusChanged(true) for Ulla.
    await mark_overdue_invoices(runtime)
