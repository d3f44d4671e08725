"""200 patients booking one slot at once through the public API, with booking on real PostgreSQL:
one 201, 199 booking.slot_taken, no 500."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import Request

from booking.bootstrap import build as build_booking
from gateway.adapters.services import Services
from gateway.auth import Principal, patient
from gateway.bootstrap import build as build_gateway
from gateway.entrypoints import booking as routes
from kit.clock import OSLO, FixedClock
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack


async def test_200_patients_one_slot_through_the_gateway(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = stack_env.fresh_prefix()
    clock = FixedClock(datetime(2026, 3, 2, 12, 0, tzinfo=OSLO))
    booking_app = build_booking(stack_env.settings("booking", topic_prefix=prefix, db_pool_max=20,
                                                   reminder_poll_seconds=3600), clock=clock)
    gateway_app = build_gateway(stack_env.settings("gateway", topic_prefix=prefix), clock=clock)

    async def from_header(request: Request) -> Principal:
        return Principal(kind="patient", subject_id=uuid.UUID(request.headers["x-test-patient"]), role="patient",
                         session_id="s")

    async def no_audit(*_: Any, **__: Any) -> None:
        return None

    gateway_app.dependency_overrides[patient] = from_header
    monkeypatch.setattr(routes, "audit", no_audit)

    gp = uuid.uuid4()
    patients = [uuid.uuid4() for _ in range(200)]
    async with running(booking_app) as booking_client, running(gateway_app) as client:
        services = Services({"booking": "http://booking"}, 30)
        await services.close()
        services._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=booking_app), timeout=30)
        gateway_app.state.runtime.state["services"] = services
        conn = await asyncpg.connect(stack_env.dsns["booking"])
        try:
            await conn.executemany(
                """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                  first_contact_done, as_of)
                   VALUES ($1, $2, 'Pasient', '1980-01-01', '+4791234567', NULL, true, now())""",
                [(p, gp) for p in patients])
        finally:
            await conn.close()
        made = await booking_client.post("/internal/templates", json={
            "doctor_id": str(gp), "weekdays": [2], "day_starts": "08:00", "day_ends": "08:20", "slot_minutes": 20,
            "valid_from": "2026-03-02"})
        assert made.status_code == 201
        slots = (await client.get("/api/v1/slots", params={"from": "2026-03-03", "to": "2026-03-03"},
                                  headers={"x-test-patient": str(patients[0])})).json()["slots"]
        assert len(slots) == 1

        async def attempt(patient_id: uuid.UUID) -> tuple[int, str]:
            response = await client.post("/api/v1/appointments", json={"slot_id": slots[0]["id"]},
                                         headers={"x-test-patient": str(patient_id)})
            return response.status_code, response.json().get("code", "")

        outcomes = Counter(await asyncio.gather(*(attempt(p) for p in patients)))
        await services.close()
    assert outcomes == Counter({(201, ""): 1, (409, "booking.slot_taken"): 199})
