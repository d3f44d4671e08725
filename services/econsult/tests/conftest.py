"""econsult in-process on the session's real PostgreSQL and Kafka, with a clock the test moves."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from econsult.bootstrap import build
from kit.clock import OSLO, FixedClock
from kit.runtime import ServiceRuntime
from tests.support.services import StackEnv, running

# Monday 2 March 2026, 12:00 in Oslo: the 5 working days after are Tuesday to Monday 9 March.
START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)


@dataclass
class EConsult:
    client: httpx.AsyncClient
    clock: FixedClock
    runtime: ServiceRuntime
    dsn: str

    async def db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def listed(self, gp_id: uuid.UUID | None, name: str = "Kari Test", birth_date: date = date(1980, 1, 1)
                     ) -> uuid.UUID:
        """A patient on `gp_id`'s list in econsult's directory (as identity's events would put them)."""
        patient_id = uuid.uuid4()
        conn = await self.db()
        try:
            await conn.execute(
                """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                  first_contact_done, as_of)
                   VALUES ($1, $2, $3, $4, '+4791234567', NULL, true, now())""",
                patient_id, gp_id, name, birth_date)
        finally:
            await conn.close()
        return patient_id

    async def open_gp(self, doctor_id: uuid.UUID, open_: bool = True) -> dict[str, Any]:
        response = await self.client.put(f"/internal/availability/{doctor_id}", json={"open": open_})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def send(self, patient_id: uuid.UUID, text: str = "Hvilke vaksiner trenger jeg til Kenya?",
                   accepted_terms: bool = True, **extra: Any) -> httpx.Response:
        return await self.client.post("/internal/econsultations", json={
            "patient_id": str(patient_id), "text": text, "accepted_terms": accepted_terms, **extra})

    async def events(self, aggregate_id: uuid.UUID | str) -> list[dict[str, Any]]:
        conn = await self.db()
        try:
            rows = await conn.fetch("SELECT envelope FROM outbox WHERE message_key = $1 ORDER BY id",
                                    str(aggregate_id))
        finally:
            await conn.close()
        return [r["envelope"] if isinstance(r["envelope"], dict) else json.loads(r["envelope"]) for r in rows]


@pytest.fixture
async def econsult_service(stack_env: StackEnv) -> AsyncIterator[EConsult]:
    clock = FixedClock(START)
    settings = stack_env.settings("econsult")
    app = build(settings, clock=clock)
    async with running(app) as client:
        yield EConsult(client, clock, app.state.runtime, stack_env.dsns["econsult"])
