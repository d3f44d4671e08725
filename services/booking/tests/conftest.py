"""booking in-process on the session's real PostgreSQL and Kafka, with a clock the test moves."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
import httpx
import pytest

from booking.bootstrap import build
from kit.clock import OSLO, FixedClock
from kit.runtime import ServiceRuntime
from tests.support.services import StackEnv, running

# Monday 2 March 2026, 12:00 in Oslo: the week after is ordinary working days.
START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)


@dataclass
class Booking:
    client: httpx.AsyncClient
    clock: FixedClock
    runtime: ServiceRuntime
    dsn: str

    async def db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def listed(self, gp_id: uuid.UUID, count: int = 1) -> list[uuid.UUID]:
        """Patients on `gp_id`'s list in booking's directory (as identity's events would put them)."""
        ids = [uuid.uuid4() for _ in range(count)]
        conn = await self.db()
        try:
            await conn.executemany(
                """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                  first_contact_done, as_of)
                   VALUES ($1, $2, 'Test Pasient', '1980-01-01', '+4791234567', NULL, true, now())""",
                [(i, gp_id) for i in ids])
        finally:
            await conn.close()
        return ids

    async def patient_and_slot(self) -> tuple[uuid.UUID, dict[str, str]]:
        """A patient of a new GP with a week of slots, and the GP's first free slot (Monday 9 March, 08:00)."""
        gp = uuid.uuid4()
        (patient,) = await self.listed(gp)
        await self.template(gp)
        return patient, (await self.free(patient, "2026-03-09", "2026-03-09"))[0]

    async def template(self, doctor_id: uuid.UUID, *, weekdays: tuple[int, ...] = (1, 2, 3, 4, 5),
                       day_starts: str = "08:00", day_ends: str = "12:00", minutes: int = 20,
                       valid_from: date | None = None, online: bool = True) -> int:
        response = await self.client.post("/internal/templates", json={
            "doctor_id": str(doctor_id), "weekdays": list(weekdays), "day_starts": day_starts,
            "day_ends": day_ends, "slot_minutes": minutes, "online": online,
            "valid_from": (valid_from or self.clock.now().astimezone(OSLO).date()).isoformat()})
        assert response.status_code == 201, response.text
        made: int = response.json()["slots_made"]
        return made

    async def free(self, patient_id: uuid.UUID, start: str, end: str) -> list[dict[str, str]]:
        response = await self.client.get("/internal/slots", params={"patient_id": str(patient_id), "from": start,
                                                                     "to": end})
        assert response.status_code == 200, response.text
        slots: list[dict[str, str]] = response.json()["slots"]
        return slots

    async def events(self, appointment_id: uuid.UUID | str) -> list[dict[str, object]]:
        conn = await self.db()
        try:
            rows = await conn.fetch("SELECT envelope FROM outbox WHERE message_key = $1 ORDER BY id",
                                    str(appointment_id))
        finally:
            await conn.close()
        return [json.loads(r["envelope"]) for r in rows]


@pytest.fixture
async def booking_service(stack_env: StackEnv) -> AsyncIterator[Booking]:
    clock = FixedClock(START)
    settings = stack_env.settings("booking", db_pool_max=20, reminder_poll_seconds=3600,
                                  schedule_horizon_days=60)
    app = build(settings, clock=clock)
    async with running(app) as client:
        yield Booking(client, clock, app.state.runtime, stack_env.dsns["booking"])
