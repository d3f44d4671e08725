"""Poison messages on every topic every service consumes: malformed bytes, an unknown event type and a
schema-invalid payload each reach the service's dead-letter topic, and the consumer goes on to apply
the next good event. Services and topics are discovered, so new consumers are covered as they come."""

from __future__ import annotations

import importlib
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from contracts.envelope import Envelope
from kit.runtime import ServiceRuntime
from tests.support.eventually import eventually
from tests.support.kafka import patient_event, produce, read_topic
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack

CONSUMERS = ("identity", "booking", "prescription", "econsult", "billing", "notify")


def poison_for(topic: str) -> list[bytes]:
    unknown = Envelope(event_id=uuid.uuid4(), event_type="NoSuchEvent", schema_version=1,
                       occurred_at=datetime.now(UTC), correlation_id="poison", aggregate_id="x", payload={})
    invalid = json.loads(Envelope.wrap(patient_event(), occurred_at=datetime.now(UTC),
                                       correlation_id="poison").model_dump_json())
    invalid["payload"] = {"patient_id": "not-a-uuid"}
    return [b"\xff\xfe garbage", unknown.model_dump_json().encode(), json.dumps(invalid).encode()]


@pytest.mark.parametrize("service", CONSUMERS)
async def test_poison_on_every_topic_is_dead_lettered_and_the_consumer_goes_on(stack_env: StackEnv,
                                                                                service: str) -> None:
    settings = stack_env.settings(service, topic_prefix=stack_env.fresh_prefix())
    app = importlib.import_module(f"{service}.bootstrap").build(settings)
    runtime: ServiceRuntime = app.state.runtime
    topics = runtime.subscribed_topics
    if not topics:
        pytest.skip(f"{service} consumes no events")
    async with running(app):
        for topic in topics:
            for message in poison_for(topic):
                await produce(settings, message, key=b"poison", topic=topic)
        good = patient_event()
        uses_directory = "patients" in topics
        if uses_directory:
            envelope = Envelope.wrap(good, occurred_at=datetime.now(UTC), correlation_id="good")
            await produce(settings, envelope.model_dump_json().encode(), key=b"poison", topic="patients")

        conn = await asyncpg.connect(settings.database_url.get_secret_value())
        try:
            expected = 3 * len(topics)
            # The database is shared with the session's other tests: count this test's topics only.
            mine = "SELECT count(*) FROM dead_letters WHERE topic LIKE $1"

            async def handled() -> bool:
                dead = await conn.fetchval(mine, f"{settings.topic_prefix}%")
                applied = (not uses_directory) or await conn.fetchval(
                    "SELECT count(*) FROM patient_directory WHERE patient_id = $1", good.patient_id) == 1
                return bool(dead >= expected and applied)
            await eventually(handled, "every poison message dead-lettered and the good one applied")
            assert await conn.fetchval(mine, f"{settings.topic_prefix}%") == expected
            if uses_directory:
                assert await conn.fetchval("SELECT count(*) FROM patient_directory WHERE patient_id = $1",
                                           good.patient_id) == 1
        finally:
            await conn.close()
        on_dlq = await read_topic(settings.kafka_bootstrap, settings.topic(f"dlq.{runtime.consumer_name}"))
        assert len(on_dlq) == expected
        assert all(dict(m.headers).get("x-error") for m in on_dlq)
