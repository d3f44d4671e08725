"""notify under a backlog (issue 17): how fast it applies a burst of bookings, and how long a prescription's SMS
waits meanwhile.

notify runs in this process (its sinks included) on a database and topics of its own in the local stack's
PostgreSQL and Kafka (the `test` instance unless told otherwise; started if it is not running). The script
registers patients, puts N `AppointmentBooked` on the appointments topic in one burst (every one an SMS), and
while that backlog drains sends a `PrescriptionSent` every 0.2 s. It reports notify's applied events a second
over the burst and each `PrescriptionSent`'s time from its publication to its SMS accepted by the provider
(`deliveries.sent_at`), then drops its database and topics.

    .venv/bin/python -m bench.notify_drain [--bookings 2000] [--instance test] [--out file.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from contracts.envelope import Envelope, Event
from contracts.events import AppointmentBooked, PatientRegistered, PrescriptionSent
from kit.clock import SystemClock
from notify.adapters.sinks import SmsSink
from notify.bootstrap import build
from notify.settings import NotifySettings
from tests.support.eventually import eventually
from tests.support.infra import LocalProcesses, delete_topics
from tests.support.services import running

PATIENTS = 200
DOCTOR = uuid.uuid4()


def _bytes(event: Event) -> tuple[Envelope, bytes]:
    envelope = Envelope.wrap(event, occurred_at=SystemClock().now(), correlation_id="bench")
    return envelope, envelope.model_dump_json().encode()


async def _publish(producer: AIOKafkaProducer, settings: NotifySettings, events: Sequence[Event]) -> list[Envelope]:
    sent = []
    for event in events:
        envelope, raw = _bytes(event)
        await producer.send(settings.topic(event.topic), raw, key=envelope.aggregate_id.encode())
        sent.append(envelope)
    await producer.flush()
    return sent


async def _at_least(db: asyncpg.Connection, n: int, sql: str, *args: Any) -> bool:
    return bool(await db.fetchval(sql, *args) >= n)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(bookings: int, instance: str) -> dict[str, Any]:
    infra = LocalProcesses(instance)
    database = f"notify_drain_{secrets.token_hex(4)}"
    prefix = f"drain{secrets.token_hex(3)}."
    admin = await asyncpg.connect(infra.admin_dsn())
    await admin.execute(f"CREATE DATABASE {database}")
    dsn = infra.admin_dsn(database)
    settings = NotifySettings(env="test", database_url=dsn, kafka_bootstrap=infra.kafka_bootstrap,
                              topic_prefix=prefix, log_level="WARNING", sender_poll_seconds=0.2)
    db = await asyncpg.connect(dsn)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, linger_ms=5)
    try:
        async with running(build(settings, sms_sink=SmsSink())):
            await producer.start()
            patients = [uuid.uuid4() for _ in range(PATIENTS)]
            await _publish(producer, settings, [PatientRegistered(
                patient_id=p, gp_id=DOCTOR, name="Kari Nordmann", birth_date=date(1970, 1, 1),
                mobile=f"+47912{i:05d}", email=None, first_contact_done=True) for i, p in enumerate(patients)])
            await eventually(lambda: _at_least(db, PATIENTS, "SELECT count(*) FROM patient_directory"),
                             what="the patients known", timeout=600)

            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=14)
            burst = [AppointmentBooked(
                appointment_id=uuid.uuid4(), patient_id=patients[i % PATIENTS], doctor_id=DOCTOR,
                starts_at=starts + timedelta(minutes=15 * i), ends_at=starts + timedelta(minutes=15 * i + 15),
                patient_may_cancel_until=starts + timedelta(minutes=15 * i) - timedelta(hours=24))
                for i in range(bookings)]
            began = time.monotonic()
            await _publish(producer, settings, burst)
            published = time.monotonic() - began

            prescriptions: list[Envelope] = []
            applied: list[tuple[float, int]] = []
            while True:
                prescriptions += await _publish(producer, settings, [PrescriptionSent(
                    renewal_id=uuid.uuid4(), patient_id=patients[len(prescriptions) % PATIENTS], doctor_id=DOCTOR,
                    medication_ids=[uuid.uuid4()], sent_at=SystemClock().now())])
                count = await db.fetchval("SELECT count(*) FROM inbox WHERE event_type = 'AppointmentBooked'")
                applied.append((time.monotonic() - began, count))
                if count >= bookings and len(prescriptions) >= 5:
                    break
                await asyncio.sleep(0.2)
            drained = applied[-1][0]

            ids = [e.event_id for e in prescriptions]
            await eventually(lambda: _at_least(db, len(ids), "SELECT count(*) FROM deliveries WHERE event_id = ANY($1) "
                                               "AND state = 'sent'", ids), what="the prescriptions' SMS", timeout=600)
            sent_at = {r["event_id"]: r["sent_at"] for r in await db.fetch(
                "SELECT event_id, sent_at FROM deliveries WHERE event_id = ANY($1)", ids)}
            latencies = [(sent_at[e.event_id] - e.occurred_at).total_seconds() * 1000 for e in prescriptions]
            await eventually(lambda: _at_least(db, bookings, "SELECT count(*) FROM deliveries WHERE state = 'sent' "
                                               "AND event_type = 'AppointmentBooked'"), what="the bookings' SMS",
                             timeout=600)
            all_sent = time.monotonic() - began
    finally:
        await producer.stop()
        await db.close()
        await admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await admin.close()
        await asyncio.to_thread(delete_topics, infra.kafka_bootstrap, prefix)  # it runs a loop of its own
    return {
        "bookings": bookings, "published_in_s": round(published, 2),
        "applied_per_s": round(bookings / drained, 1), "drained_in_s": round(drained, 2),
        "booking_sms_all_sent_in_s": round(all_sent, 2),
        "prescription_sent_to_sms_ms": {
            "n": len(latencies), "p50": round(statistics.median(latencies), 1),
            "p90": round(_percentile(latencies, 0.9), 1), "max": round(max(latencies), 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--instance", default="test", help="the local stack's instance: test, bench, run")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = asyncio.run(measure(args.bookings, args.instance))
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
