"""From an answered eConsultation to an invoice (or a recorded exemption); prices; frikort."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from billing.adapters import repository as repo
from billing.domain.errors import NoTariff
from billing.domain.invoice import Invoice, InvoiceTerms, due_date
from billing.domain.kid import kid_for
from billing.domain.money import format_nok
from billing.domain.tariff import Price, Tariff, exempt_reason, price
from contracts.envelope import Envelope
from contracts.events import EConsultAnswered, InvoiceIssued
from kit.clock import Clock, oslo
from kit.db import transaction
from kit.errors import NotFound
from kit.logging import get_logger
from kit.outbox import Outbox

log = get_logger(__name__)


class PatientNotInDirectory(Exception):
    """The patient's registration has not reached billing yet: retried, then dead-lettered to look at."""


async def tariff_on(conn: asyncpg.Connection, on: date) -> Tariff:
    tariff = await repo.tariff_on(conn, on)
    if tariff is None:
        raise NoTariff(f"Ingen takst for eKonsultasjon gjelder {on.isoformat()}.")
    return tariff


async def econsult_price(pool: asyncpg.Pool, patient_id: uuid.UUID, on: date) -> Price:
    """The price the patient is shown before sending, and billed after the answer."""
    async with pool.acquire() as conn:
        tariff = await tariff_on(conn, on)
        patient = await repo.patient(conn, patient_id)
        card = await repo.frikort_card(conn, patient_id, on.year)
    birth_date = patient["birth_date"] if patient else None
    return price(tariff, exempt_reason(birth_date=birth_date, has_frikort=card is not None, on=on))


def answered_handler(terms: InvoiceTerms, clock: Clock, outbox: Outbox) -> Any:
    async def on_econsult_answered(conn: asyncpg.Connection, envelope: Envelope, event: EConsultAnswered) -> None:
        await bill_answered_econsultation(conn, event, terms=terms, clock=clock, outbox=outbox)
    return on_econsult_answered


async def bill_answered_econsultation(conn: asyncpg.Connection, event: EConsultAnswered, *, terms: InvoiceTerms,
                                      clock: Clock, outbox: Outbox) -> Invoice | None:
    """Exactly one decision per eConsultation: an invoice, or an exemption with its reason.

    The tariff is the one in force on the day the patient sent it (the price they were shown); the
    exemption is judged on the day of the answer (a 16th birthday in between means a bill).
    """
    submitted_on, answered_on = oslo(event.submitted_at).date(), oslo(event.answered_at).date()
    tariff = await tariff_on(conn, submitted_on)
    patient = await repo.patient(conn, event.patient_id)
    if patient is None:
        raise PatientNotInDirectory(str(event.patient_id))
    card = await repo.frikort_card(conn, event.patient_id, answered_on.year)
    reason = exempt_reason(birth_date=patient["birth_date"], has_frikort=card is not None, on=answered_on)
    now = clock.now()
    first = await repo.record_charge(conn, econsult_id=event.econsult_id, patient_id=event.patient_id,
                                     exempt_reason=reason, frikort=card, tariff_id=tariff.id,
                                     submitted_on=submitted_on, answered_on=answered_on, at=now)
    if not first:
        log.info("eConsultation already billed", econsult_id=str(event.econsult_id))
        return None
    if reason is not None:
        log.info("eConsultation exempt", econsult_id=str(event.econsult_id), reason=reason)
        return None
    return await issue_invoice(conn, outbox, terms, econsult_id=event.econsult_id, patient_id=event.patient_id,
                               doctor_id=event.doctor_id, tariff=tariff,
                               issued_on=max(oslo(now).date(), answered_on), now=now)


async def issue_invoice(conn: asyncpg.Connection, outbox: Outbox, terms: InvoiceTerms, *, econsult_id: uuid.UUID,
                        patient_id: uuid.UUID, doctor_id: uuid.UUID, tariff: Tariff, issued_on: date,
                        now: datetime) -> Invoice:
    """A new invoice with the next KID, and `InvoiceIssued` in the same transaction."""
    invoice = Invoice(
        id=uuid.uuid4(), econsult_id=econsult_id, patient_id=patient_id,
        kid=kid_for(await repo.next_kid_serial(conn)), account_number=terms.account_number,
        copayment_ore=tariff.copayment_ore, fee_ore=tariff.fee_ore, amount_ore=tariff.copayment_ore + tariff.fee_ore,
        issued_on=issued_on, due_date=due_date(issued_on, terms.due_days), status="open", paid_ore=0,
        overdue_on=None, settled_on=None)
    await repo.insert_invoice(conn, invoice, doctor_id, now)
    await outbox.add(conn, InvoiceIssued(
        invoice_id=invoice.id, patient_id=invoice.patient_id, kid=invoice.kid, econsult_id=invoice.econsult_id,
        account_number=invoice.account_number, copayment_ore=invoice.copayment_ore, fee_ore=invoice.fee_ore,
        amount_ore=invoice.amount_ore, issued_on=invoice.issued_on, due_date=invoice.due_date))
    return invoice


async def register_frikort(pool: asyncpg.Pool, clock: Clock, *, patient_id: uuid.UUID, year: int, card_number: str,
                           registered_by: uuid.UUID) -> dict[str, Any]:
    async with transaction(pool) as conn:
        if await repo.patient(conn, patient_id) is None:  # billing's directory, from identity's events
            raise NotFound("Fant ikke pasienten.")
        row = await repo.upsert_frikort(conn, patient_id, year, card_number, registered_by, clock.now())
    return {"patient_id": str(row["patient_id"]), "year": row["year"], "card_number": row["card_number"],
            "registered_at": row["registered_at"].isoformat()}


async def copayment_report(pool: asyncpg.Pool, year: int) -> dict[str, Any]:
    """What each patient was billed in co-payments in a year, toward their frikort; the fee does not count."""
    async with pool.acquire() as conn:
        rows = await repo.copayments_in_year(conn, year)
    return {"year": year, "patients": [
        {"patient_id": str(r["patient_id"]), "name": r["name"],
         "birth_date": r["birth_date"].isoformat() if r["birth_date"] else None, "invoices": r["invoices"],
         "copayment_ore": r["copayment_ore"], "copayment_nok": format_nok(r["copayment_ore"]),
         "frikort_card": r["frikort_card"]} for r in rows]}
