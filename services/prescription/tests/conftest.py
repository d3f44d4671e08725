"""prescription in-process on the session's real PostgreSQL and Kafka, with a clock the test moves and
the e-prescription sender driven by hand (`rx.send()`), so each test says when the send happens."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from kit.clock import OSLO, FixedClock
from kit.runtime import ServiceRuntime
from prescription import handlers
from prescription.adapters.intermediary import EPrescription, IntermediaryUnavailable, SimulatedIntermediary
from prescription.bootstrap import build
from tests.support.services import StackEnv, running

# Monday 2 March 2026, 12:00 in Oslo: the 5 working days after are Tuesday to Monday 9 March.
START = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)

# Real medicines with their true ATC codes and reseptgruppe (see prescription/demo.py for the sources).
METFORMIN = {"name": "Metformin", "strength": "500 mg", "atc_code": "A10BA02", "reseptgruppe": "C"}
LEVOTHYROXINE = {"name": "Levaxin", "strength": "50 mikrog", "atc_code": "H03AA01", "reseptgruppe": "C"}
SIMVASTATIN = {"name": "Simvastatin", "strength": "20 mg", "atc_code": "C10AA01", "reseptgruppe": "C"}
LOSARTAN = {"name": "Cozaar", "strength": "50 mg", "atc_code": "C09CA01", "reseptgruppe": "C"}
PENICILLIN = {"name": "Apocillin", "strength": "660 mg", "atc_code": "J01CE02", "reseptgruppe": "C"}
OXYCODONE = {"name": "OxyNorm", "strength": "5 mg", "atc_code": "N02AA05", "reseptgruppe": "A"}
ZOPICLONE = {"name": "Imovane", "strength": "7,5 mg", "atc_code": "N05CF01", "reseptgruppe": "B"}
METHOTREXATE = {"name": "Metotreksat", "strength": "2,5 mg", "atc_code": "L04AX03", "reseptgruppe": "C"}
SUMATRIPTAN = {"name": "Sumatriptan", "strength": "50 mg", "atc_code": "N02CC01", "reseptgruppe": "C"}


class FlakyIntermediary:
    """A fake of the port: refuses the first `failures` sends, then records every send it takes."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.attempts = 0
        self.received: list[EPrescription] = []

    async def send(self, prescription: EPrescription) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise IntermediaryUnavailable("down for the test")
        self.received.append(prescription)


@dataclass
class Rx:
    app: FastAPI
    client: httpx.AsyncClient
    clock: FixedClock
    dsn: str

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    @property
    def simulator(self) -> SimulatedIntermediary:
        simulator: SimulatedIntermediary = self.runtime.state["intermediary"]
        return simulator

    async def send(self) -> int:
        """One run of the e-prescription sender, as its timer would."""
        return await handlers.send_due_prescriptions(self.runtime, self.runtime.state["intermediary"])

    async def db(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def listed(self, gp_id: uuid.UUID | None, name: str = "Kari Test") -> uuid.UUID:
        """A patient on `gp_id`'s list in prescription's directory (as identity's events would put them)."""
        patient_id = uuid.uuid4()
        conn = await self.db()
        try:
            await conn.execute(
                """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                  first_contact_done, as_of)
                   VALUES ($1, $2, $3, '1980-01-01', '+4791234567', NULL, true, now())""", patient_id, gp_id, name)
        finally:
            await conn.close()
        return patient_id

    async def medicine(self, patient_id: uuid.UUID, doctor_id: uuid.UUID, facts: dict[str, str], *,
                       fixed: bool = True, prescribed_by: str = "here") -> str:
        response = await self.client.post(f"/internal/patients/{patient_id}/medications", json={
            "doctor_id": str(doctor_id), **facts, "fixed": fixed, "prescribed_by": prescribed_by})
        assert response.status_code == 201, response.text
        medication_id: str = response.json()["id"]
        return medication_id

    async def agree(self, patient_id: uuid.UUID, doctor_id: uuid.UUID, medication_id: str,
                    active: bool = True) -> httpx.Response:
        return await self.client.put(f"/internal/patients/{patient_id}/b-agreements/{medication_id}",
                                     json={"doctor_id": str(doctor_id), "active": active})

    async def ask(self, patient_id: uuid.UUID, medication_ids: list[str], **extra: Any) -> httpx.Response:
        return await self.client.post("/internal/renewals", json={
            "patient_id": str(patient_id), "medication_ids": medication_ids, **extra})

    async def decide(self, renewal_id: str, doctor_id: uuid.UUID, items: list[dict[str, Any]]) -> httpx.Response:
        return await self.client.post(f"/internal/renewals/{renewal_id}/decision",
                                      json={"doctor_id": str(doctor_id), "items": items})

    async def inbox(self, doctor_id: uuid.UUID) -> list[dict[str, Any]]:
        response = await self.client.get("/internal/inbox", params={"doctor_id": str(doctor_id)})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def events(self, aggregate_id: uuid.UUID | str) -> list[dict[str, Any]]:
        conn = await self.db()
        try:
            rows = await conn.fetch("SELECT envelope FROM outbox WHERE message_key = $1 ORDER BY id",
                                    str(aggregate_id))
        finally:
            await conn.close()
        return [r["envelope"] if isinstance(r["envelope"], dict) else json.loads(r["envelope"]) for r in rows]


@pytest.fixture
async def rx(stack_env: StackEnv) -> AsyncIterator[Rx]:
    clock = FixedClock(START)
    app = build(stack_env.settings("prescription", sender_enabled=False), clock=clock)
    async with running(app) as client:
        yield Rx(app, client, clock, stack_env.dsns["prescription"])
