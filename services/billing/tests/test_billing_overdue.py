"""Unsettled claims: an invoice unpaid after its due date is overdue and identity is told; the
payment that settles the last one tells identity the claims are settled."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from billing.handlers.claims import mark_overdue_invoices
from kit.clock import FixedClock
from services.billing.tests.billing_support import STAFF, Billing, billing_service, oslo_at
from tests.support.kafka import wait_for
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
        await wait_for(overdue, what="the overdue job")
        assert await claims_events(billing, patient) == [True]
