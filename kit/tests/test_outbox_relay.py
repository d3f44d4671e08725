"""The outbox on real PostgreSQL and Kafka: published once per commit, never for a rollback, and a relay
that dies between publishing and marking only causes a duplicate that the inbox absorbs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from kit.db import transaction
from kit.outbox import OutboxRelay
from kit.runtime import ServiceRuntime
from tests.support.eventually import eventually
from tests.support.kafka import committed_everything, patient_event, read_topic

pytestmark = pytest.mark.stack


class Boom(Exception):
    pass


async def test_a_rolled_back_transaction_publishes_nothing(make_runtime: Callable[..., ServiceRuntime],
                                                           kit_db: asyncpg.Connection) -> None:
    runtime = make_runtime()
    await runtime.start()
    try:
        doomed, kept = patient_event(), patient_event()
        with pytest.raises(Boom):
            async with transaction(runtime.pool) as conn:
                await runtime.outbox.add(conn, doomed)
                raise Boom()
        async with transaction(runtime.pool) as conn:
            await runtime.outbox.add(conn, kept)

        async def applied() -> bool:
            return await kit_db.fetchval("SELECT count(*) FROM effects") >= 1
        await eventually(applied, what="the committed event to be applied")
        rows = await kit_db.fetch("SELECT patient_id FROM effects")
        assert [r["patient_id"] for r in rows] == [kept.patient_id]
        on_kafka = await read_topic(runtime.settings.kafka_bootstrap, runtime.settings.topic("patients"))
        assert len(on_kafka) == 1
        assert await kit_db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    finally:
        await runtime.stop()


async def test_outbox_add_refuses_to_run_outside_a_transaction(make_runtime: Callable[..., ServiceRuntime]) -> None:
    runtime = make_runtime(handler=None)
    await runtime.start()
    try:
        async with runtime.pool.acquire() as conn:
            with pytest.raises(RuntimeError, match="inside the transaction"):
                await runtime.outbox.add(conn, patient_event())
    finally:
        await runtime.stop()


async def test_a_change_and_its_event_in_one_statement_the_event_only_if_a_row_changed(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    """Outbox.add_with: outside a transaction the statement is its own (its change and its event commit together
    or not at all); inside one, a rollback takes both back."""
    runtime = make_runtime(handler=None)
    await runtime.start()
    try:
        changed, unchanged, refused, rolled_back = (patient_event() for _ in range(4))
        insert = "INSERT INTO effects (event_id, patient_id) VALUES ($1, $2) RETURNING id"
        async with runtime.pool.acquire() as conn:
            assert await runtime.outbox.add_with(conn, changed, insert, uuid.uuid4(), changed.patient_id)
            assert not await runtime.outbox.add_with(
                conn, unchanged, "DELETE FROM effects WHERE patient_id = $1 RETURNING id", unchanged.patient_id)
            with pytest.raises(asyncpg.NotNullViolationError):
                await runtime.outbox.add_with(conn, refused, insert, uuid.uuid4(), None)
        with pytest.raises(Boom):
            async with transaction(runtime.pool) as conn:
                assert await runtime.outbox.add_with(conn, rolled_back, insert, uuid.uuid4(), rolled_back.patient_id)
                raise Boom()

        assert [r["patient_id"] for r in await kit_db.fetch("SELECT patient_id FROM effects")] == [changed.patient_id]
        assert [r["message_key"] for r in await kit_db.fetch("SELECT message_key FROM outbox")] == [
            str(changed.patient_id)]

        async def published() -> bool:  # the statement's own wake-up got the relay going
            return await kit_db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
        await eventually(published, what="the relay to publish the event", timeout=5)
        on_kafka = await read_topic(runtime.settings.kafka_bootstrap, runtime.settings.topic("patients"))
        assert [m.key for m in on_kafka] == [str(changed.patient_id).encode()]
    finally:
        await runtime.stop()


class DiesAfterPublishing:
    """Publishes for real, then fails before the relay can mark the rows: a crash in that window."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.sent = 0

    async def publish(self, message: Any, topic: str = "", **kwargs: Any) -> Any:
        future = await self._inner.publish(message, topic, **kwargs)
        self.sent += 1

        async def then_die() -> None:
            await future
            raise Boom("relay killed between publish and mark")
        return then_die()


async def test_relay_killed_between_publish_and_mark_publishes_again_and_the_inbox_absorbs_it(
        make_runtime: Callable[..., ServiceRuntime], kit_db: asyncpg.Connection) -> None:
    runtime = make_runtime(start_relay=False)
    await runtime.start()
    try:
        event = patient_event()
        async with transaction(runtime.pool) as conn:
            await runtime.outbox.add(conn, event)
        prefix = runtime.settings.topic_prefix

        dying = DiesAfterPublishing(runtime.broker)
        with pytest.raises(Boom):
            await OutboxRelay(runtime.pool, dying, topic_prefix=prefix).drain()
        assert dying.sent == 1
        assert await kit_db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1

        assert await OutboxRelay(runtime.pool, runtime.broker, topic_prefix=prefix).drain() == 1
        on_kafka = await read_topic(runtime.settings.kafka_bootstrap, runtime.settings.topic("patients"))
        assert len(on_kafka) == 2, "the event went out twice: once before the crash, once after"

        async def both_seen() -> bool:
            return await kit_db.fetchval(
                "SELECT count(*) FROM inbox i JOIN effects e USING (event_id)") == 1 and len(on_kafka) == 2
        await eventually(both_seen, what="the event to be applied")
        # Let the duplicate arrive too, then check it changed nothing.
        await eventually(lambda: committed_everything(runtime.settings, runtime.settings.topic("patients")),
                       what="the consumer to pass both copies")
        assert await kit_db.fetchval("SELECT count(*) FROM effects") == 1
        assert await kit_db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    finally:
        await runtime.stop()
