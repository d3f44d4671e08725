"""The database keeps the invariants under concurrency: no check-then-insert race on real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from services.booking.tests.conftest import Booking

pytestmark = pytest.mark.stack


async def test_200_patients_booking_the_same_slot_at_once_get_one_appointment(booking_service: Booking) -> None:
    svc = booking_service
    gp = uuid.uuid4()
    patients = await svc.listed(gp, 200)
    await svc.template(gp, day_starts="08:00", day_ends="08:20")
    (slot,) = await svc.free(patients[0], "2026-03-03", "2026-03-03")

    async def attempt(patient_id: uuid.UUID) -> tuple[int, str]:
        response = await svc.client.post("/internal/appointments",
                                         json={"patient_id": str(patient_id), "slot_id": slot["id"]})
        return response.status_code, response.json().get("code", "")

    outcomes = Counter(await asyncio.gather(*(attempt(p) for p in patients)))
    assert outcomes == Counter({(201, ""): 1, (409, "booking.slot_taken"): 199})

    conn = await svc.db()
    try:
        assert await conn.fetchval("SELECT count(*) FROM appointments WHERE slot_id = $1",
                                   uuid.UUID(slot["id"])) == 1
        events = await conn.fetchval(
            """SELECT count(*) FROM outbox o JOIN appointments a ON o.message_key = a.id::text
               WHERE a.slot_id = $1""", uuid.UUID(slot["id"]))
        assert events == 1
    finally:
        await conn.close()


async def test_one_patient_booking_several_slots_at_once_gets_exactly_one(booking_service: Booking) -> None:
    svc = booking_service
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp)
    slots = (await svc.free(kari, "2026-03-03", "2026-03-03"))[:10]

    async def attempt(slot_id: str) -> tuple[int, str]:
        response = await svc.client.post("/internal/appointments", json={"patient_id": str(kari), "slot_id": slot_id})
        return response.status_code, response.json().get("code", "")

    two = Counter(await asyncio.gather(*(attempt(s["id"]) for s in slots[:2])))
    assert two == Counter({(201, ""): 1, (409, "booking.one_future_appointment"): 1})
    more = Counter(await asyncio.gather(*(attempt(s["id"]) for s in slots[2:])))
    assert more == Counter({(409, "booking.one_future_appointment"): 8})
    conn = await svc.db()
    try:
        assert await conn.fetchval("SELECT count(*) FROM appointments WHERE patient_id = $1", kari) == 1
    finally:
        await conn.close()
