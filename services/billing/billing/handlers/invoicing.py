"""From an answered eConsultation to an invoice (or a recorded exemption); prices; frikort."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from billing.adapters import repository as repo
from billing.domain.errors import NoTariff
from billing.domain.invoice import Invoice, due_date
from billing.domain.kid import kid_for
from billing.domain.tariff import Price, Tariff, exempt_reason, price
from billing.settings import invoice_terms
from contracts.envelope import Envelope
from contracts.events import EConsultAnswered, InvoiceIssued
from kit.clock import oslo
from kit.db import transaction
from kit.errors import NotFound
from kit.logging import get_logger
from kit.messaging import EventHandler
from kit.patient_directory import PatientDirectory, await_patient, find_or_hold
from kit.runtime import ServiceRuntime

log = get_logger(__name__)


async def tariff_on(conn: asyncpg.Connection, on: date) -> Tariff:
    tariff = await repo.tariff_on(conn, on)
    if tariff is None:
        raise NoTariff(f"Ingen takst for eKonsultasjon gjelder {on.isoformat()}.")
    return tariff


async def econsult_price(runtime: ServiceRuntime, patient_id: uuid.UUID, on: date) -> Price:
    """The price the patient is shown before sending, and billed after the answer (every eConsultation sent asks
    it first: one round trip)."""
    async with runtime.pool.acquire() as conn:
        tariff, birth_date, has_frikort = await repo.price_facts(conn, patient_id, on)
    if tariff is None:
        raise NoTariff(f"Ingen takst for eKonsultasjon gjelder {on.isoformat()}.")
    return price(tariff, exempt_reason(birth_date=birth_date, has_frikort=has_frikort, on=on))


def answered_handler(runtime: ServiceRuntime) -> EventHandler:
    async def on_econsult_answered(conn: asyncpg.Connection, envelope: Envelope, event: EConsultAnswered) -> None:
        if await find_or_hold(conn, event.patient_id) is None:
            # identity's snapshot travels on the patients topic, read beside this one, and may come after (a
            # replay, a restored database): the answer waits for it, and is billed in the snapshot's transaction.
            await await_patient(conn, envelope, event.patient_id, runtime.clock.now())
            return
        await bill_answered_econsultation(runtime, conn, event)
    return on_econsult_answered


async def bill_answered_econsultation(runtime: ServiceRuntime, conn: asyncpg.Connection,
                                      event: EConsultAnswered) -> Invoice | None:
    """Exactly one decision per eConsultation: an invoice, or an exemption with its reason.

    The tariff is the one in force on the day the patient sent it (the price they were shown); the
    exemption is judged on the day of the answer (a 16th birthday in between means a bill). The patient must be
    in billing's directory (the event's handler waits for that).
    """
    submitted_on, answered_on = oslo(event.submitted_at).date(), oslo(event.answered_at).date()
    tariff = await tariff_on(conn, submitted_on)
    patient = await PatientDirectory(conn).get(event.patient_id)
    card = await repo.frikort_card(conn, event.patient_id, answered_on.year)
    reason = exempt_reason(birth_date=patient.birth_date, has_frikort=card is not None, on=answered_on)
    now = runtime.clock.now()
    first = await repo.record_charge(conn, econsult_id=event.econsult_id, patient_id=event.patient_id,
                                     exempt_reason=reason, frikort=card, tariff_id=tariff.id,
                                     submitted_on=submitted_on, answered_on=answered_on, at=now)
    if not first:
        log.info("eConsultation already billed", econsult_id=str(event.econsult_id))
        return None
    if reason is not None:
        log.info("eConsultation exempt", econsult_id=str(event.econsult_id), reason=reason)
        return None
    return await issue_invoice(runtime, conn, econsult_id=event.econsult_id, patient_id=event.patient_id,
                               doctor_id=event.doctor_id, tariff=tariff,
                               issued_on=max(oslo(now).date(), answered_on), now=now)


async def issue_invoice(runtime: ServiceRuntime, conn: asyncpg.Connection, *, econsult_id: uuid.UUID,
                        patient_id: uuid.UUID, doctor_id: uuid.UUID, tariff: Tariff, issued_on: date,
                        now: datetime) -> Invoice:
    """A new invoice with the next KID, and `InvoiceIssued` in the same transaction."""
    terms = invoice_terms(runtime.settings)
    invoice = Invoice(
        id=uuid.uuid4(), econsult_id=econsult_id, patient_id=patient_id,
        kid=kid_for(await repo.next_kid_serial(conn)), account_number=terms.account_number,
        copayment_ore=tariff.copayment_ore, fee_ore=tariff.fee_ore, amount_ore=tariff.copayment_ore + tariff.fee_ore,
        issued_on=issued_on, due_date=due_date(issued_on, terms.due_days), status="open", paid_ore=0,
        overdue_on=None, settled_on=None)
    await repo.insert_invoice(conn, invoice, doctor_id, now)
    await runtime.outbox.add(conn, InvoiceIssued(
        invoice_id=invoice.id, patient_id=invoice.patient_id, kid=invoice.kid, econsult_id=invoice.econsult_id,
        account_number=invoice.account_number, copayment_ore=invoice.copayment_ore, fee_ore=invoice.fee_ore,
        amount_ore=invoice.amount_ore, issued_on=invoice.issued_on, due_date=invoice.due_date))
    return invoice


async def register_frikort(runtime: ServiceRuntime, *, patient_id: uuid.UUID, year: int, card_number: str,
                           registered_by: uuid.UUID) -> asyncpg.Record:
    """The patient's frikort for a year (a new card number replaces the one registered before)."""
    async with transaction(runtime.pool) as conn:
        if await PatientDirectory(conn).find(patient_id) is None:  # billing's directory, from identity's events
            raise NotFound("Fant ikke pasienten.")
        return await repo.upsert_frikort(conn, patient_id, year, card_number, registered_by, runtime.clock.now())
