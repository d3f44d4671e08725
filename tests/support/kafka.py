"""Helpers for tests that talk to the real Kafka: read a topic, produce raw bytes, wait, check commits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts.envelope import Envelope
from contracts.events import PatientRegistered
from kit.settings import ServiceSettings

EFFECTS_SQL = "CREATE TABLE effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL, patient_id uuid NOT NULL);\n"


def patient_event() -> PatientRegistered:
    return PatientRegistered(patient_id=uuid.uuid4(), gp_id=None, name="Test Pasient", birth_date=date(1980, 5, 17),
                             mobile="+4791234567", email=None, first_contact_done=True)


async def record_effect(conn: asyncpg.Connection, envelope: Envelope, event: Any) -> None:
    await conn.execute("INSERT INTO effects (event_id, patient_id) VALUES ($1, $2)", envelope.event_id,
                       event.patient_id)


async def read_topic(bootstrap: str, topic: str, timeout: float = 5.0) -> list[Any]:
    """Every message on a topic, from the beginning (no consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        if not partitions:
            await consumer._client.force_metadata_update()  # a new topic: fetch metadata once more
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + timeout
        async def behind() -> bool:
            return any([await consumer.position(tp) < end[tp] for tp in partitions])
        while await behind():
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if asyncio.get_running_loop().time() > deadline:
                break
        return records
    finally:
        await consumer.stop()


async def committed_everything(settings: ServiceSettings, topic: str) -> bool:
    """Has the service's consumer group committed every message on `topic`?"""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    await producer.start()
    try:
        # The service's group on that topic (each topic has its own: kit/messaging.py)
        committed = await admin.list_consumer_group_offsets(
            settings.consumer_group_for(topic.removeprefix(settings.topic_prefix)))
        partitions = [TopicPartition(topic, p) for p in (await producer.partitions_for(topic))]
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
        await consumer.start()
        try:
            ends = await consumer.end_offsets(partitions)
        finally:
            await consumer.stop()
        return all((committed.get(tp).offset if committed.get(tp) else 0) >= end for tp, end in ends.items())
    finally:
        await producer.stop()
        await admin.close()


async def uncommitted(bootstrap: str, services: list[str]) -> dict[str, int]:
    """How many messages each consumer group of these services (`notify` has `notify.appointments`,
    `notify.patients`...) has not committed yet, over every partition of every topic it has committed on (a
    partition it never read from counts from 0). Zero for every group: the consumers are done."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)  # for each topic's partitions
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)  # for their end offsets
    await admin.start()
    await producer.start()
    await consumer.start()
    try:
        behind: dict[str, int] = {}
        known = [group for group, *_ in await admin.list_consumer_groups()]
        for group in sorted(g for g in known if any(g.startswith(f"{service}.") for service in services)):
            committed = await admin.list_consumer_group_offsets(group)
            partitions = [TopicPartition(topic, p) for topic in {tp.topic for tp in committed}
                          for p in await producer.partitions_for(topic)]
            ends = await consumer.end_offsets(partitions) if partitions else {}
            behind[group] = sum(max(0, end - (committed[tp].offset if tp in committed else 0))
                                for tp, end in ends.items())
        return behind
    finally:
        await consumer.stop()
        await producer.stop()
        await admin.close()


async def produce(settings: ServiceSettings, value: bytes, key: bytes = b"k", topic: str = "patients") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic(topic), value, key=key)
    finally:
        await producer.stop()
