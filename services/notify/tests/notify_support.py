"""notify running in-process on the real PostgreSQL (a database of its own per test) and Kafka (topics of
its own), with its sinks in reach, and helpers to publish events to it as identity, booking, ... would."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx

from contracts.envelope import Envelope, Event
from contracts.events import Language, PatientRegistered
from kit.clock import Clock, SystemClock
from kit.runtime import ServiceRuntime
from notify.adapters.sinks import MailSink, SmsSink
from notify.bootstrap import build
from notify.sender import Sender
from notify.settings import NotifySettings
from tests.support.eventually import eventually
from tests.support.kafka import produce
from tests.support.services import StackEnv, running


@dataclass
class Notify:
    client: httpx.AsyncClient
    settings: NotifySettings
    dsn: str
    sms: SmsSink
    mail: MailSink
    sender: Sender
    runtime: ServiceRuntime

    async def publish(self, event: Event, times: int = 1, *, envelope: Envelope | None = None) -> Envelope:
        """Put `event` on its topic as its producer's relay would; `times` > 1 is a redelivery."""
        envelope = envelope or Envelope.wrap(event, occurred_at=SystemClock().now(), correlation_id="test")
        for _ in range(times):
            await produce(self.settings, envelope.model_dump_json().encode(), key=envelope.aggregate_id.encode(),
                          topic=event.topic)
        return envelope

    async def register(self, mobile: str | None = "+4791234567", email: str | None = "kari@example.no",
                       gp_id: uuid.UUID | None = None, language: Language = "nb",
                       patient_id: uuid.UUID | None = None) -> uuid.UUID:
        patient_id = patient_id or uuid.uuid4()
        await self.publish(PatientRegistered(patient_id=patient_id, gp_id=gp_id, name="Kari Nordmann",
                                             birth_date=date(1970, 1, 1), mobile=mobile, email=email,
                                             first_contact_done=True, language=language))
        await eventually(lambda: self.fetchval("SELECT count(*) FROM patient_directory WHERE patient_id = $1",
                                          patient_id), what="the patient in notify's directory")
        return patient_id

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def fetchval(self, sql: str, *args: Any) -> Any:
        rows = await self.fetch(sql, *args)
        return rows[0][0] if rows else None

    async def deliveries(self, event_id: uuid.UUID) -> list[asyncpg.Record]:
        return await self.fetch("SELECT * FROM deliveries WHERE event_id = $1 ORDER BY channel", event_id)


@asynccontextmanager
async def notify_service(stack_env: StackEnv, dsn: str, *, clock: Clock | None = None, sms: SmsSink | None = None,
                         **overrides: Any) -> AsyncIterator[Notify]:
    values: dict[str, Any] = {"topic_prefix": stack_env.fresh_prefix(), "delivery_backoff_seconds": 0.05,
                              "sender_poll_seconds": 0.1, "database_url": dsn, **overrides}
    settings: NotifySettings = stack_env.settings("notify", **values)
    sms = sms or SmsSink()
    mail = MailSink()
    app = build(settings, clock=clock, sms_sink=sms, mail_sink=mail)
    async with running(app) as client:
        yield Notify(client, settings, dsn, sms, mail, app.state.runtime.state["sender"], app.state.runtime)
