"""Shared by billing's tests: a billing service on its own database and topics, and events sent to it
through the real Kafka, as econsult and identity would send them."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import httpx

from billing.bootstrap import build
from billing.settings import BillingSettings
from contracts.envelope import Envelope, Event
from contracts.events import EConsultAnswered, PatientRegistered
from kit.clock import OSLO, Clock
from tests.support.eventually import eventually
from tests.support.kafka import produce, read_topic
from tests.support.services import StackEnv, running

DOCTOR = uuid.UUID("5d1e2f3a-7b8c-4d9e-8f01-23456789abcd")
STAFF = uuid.UUID("0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d")


def oslo_at(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=OSLO)


@dataclass
class Billing:
    client: httpx.AsyncClient
    settings: BillingSettings
    dsn: str

    async def send(self, event: Event, *, event_id: uuid.UUID | None = None) -> Envelope:
        envelope = Envelope.wrap(event, occurred_at=datetime.now(OSLO), correlation_id="test", event_id=event_id)
        await produce(self.settings, envelope.model_dump_json().encode(), key=envelope.aggregate_id.encode(),
                      topic=event.topic)
        return envelope

    async def register_patient(self, birth_date: date = date(1980, 5, 17), name: str = "Test Pasient",
                               patient_id: uuid.UUID | None = None) -> uuid.UUID:
        event = PatientRegistered(patient_id=patient_id or uuid.uuid4(), gp_id=DOCTOR, name=name, birth_date=birth_date,
                                  mobile="+4791234567", email=None, first_contact_done=True)
        await self.send(event)

        async def known() -> bool:
            return await self.fetchval("SELECT count(*) FROM patient_directory WHERE patient_id = $1",
                                       event.patient_id) == 1
        await eventually(known, what="the patient in billing's directory")
        return event.patient_id

    def answered(self, patient_id: uuid.UUID, submitted_at: datetime, answered_at: datetime,
                 econsult_id: uuid.UUID | None = None) -> EConsultAnswered:
        return EConsultAnswered(econsult_id=econsult_id or uuid.uuid4(), patient_id=patient_id, doctor_id=DOCTOR,
                                submitted_at=submitted_at, answered_at=answered_at)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def fetchval(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None

    async def decided(self, econsult_id: uuid.UUID) -> None:
        async def done() -> bool:
            return await self.fetchval("SELECT count(*) FROM econsult_charges WHERE econsult_id = $1", econsult_id) == 1
        await eventually(done, what="billing's decision on the eConsultation")

    async def invoices_of(self, patient_id: uuid.UUID) -> list[dict[str, Any]]:
        response = await self.client.get("/internal/invoices", params={"patient_id": str(patient_id)})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def events(self, topic: str) -> list[dict[str, Any]]:
        """Every envelope billing published on `topic` (the relay runs after commit: wait for it)."""
        records = await read_topic(self.settings.kafka_bootstrap, self.settings.topic(topic))
        return [json.loads(r.value) for r in records]

    async def published(self) -> None:
        async def empty() -> bool:
            return await self.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
        await eventually(empty, what="billing's outbox to be published")


@asynccontextmanager
async def billing_service(stack_env: StackEnv, dsn: str, clock: Clock | None = None,
                          **overrides: Any) -> AsyncIterator[Billing]:
    settings = stack_env.settings("billing", database_url=dsn, topic_prefix=stack_env.fresh_prefix(),
                                  **{"overdue_check_seconds": 3600.0, **overrides})
    async with running(build(settings, clock=clock)) as client:
        yield Billing(client, settings, dsn)
