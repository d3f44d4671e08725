"""Transactional outbox and its relay: none lost, none applied twice.

`Outbox.add` writes the event in the caller's transaction, so the event exists exactly when the state
change does (a rollback publishes nothing). The relay publishes unpublished rows in order with an
idempotent producer (acks=all) and stamps them; if it dies between publish and stamp, the rows go out
again and the consumers' inboxes absorb the duplicate.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import asyncpg
from opentelemetry.trace import Tracer
from prometheus_client import Counter, Gauge

from contracts.envelope import Envelope, Event
from kit.clock import Clock
from kit.logging import current_correlation_id, get_logger
from kit.telemetry import continued, trace_context
from kit.telemetry import tracer as make_tracer
from kit.worker import NotifiedWorker

log = get_logger(__name__)

NOTIFY_CHANNEL = "eportal_outbox"
# A transaction-scoped advisory lock: one relay publishes at a time per database, so events of one
# aggregate leave in the order they were written even with several replicas. The others skip.
_RELAY_LOCK = 0x6F7574626F78  # "outbox"

PUBLISHED = Counter("eportal_outbox_published_total", "Outbox events published", ["topic"])
BACKLOG = Gauge("eportal_outbox_backlog", "Outbox events not yet published")
OLDEST = Gauge("eportal_outbox_oldest_unpublished_seconds", "Age of the oldest event not yet published (0: none)")


_ADD_AND_NOTIFY = """
    WITH added AS (INSERT INTO outbox (event_id, topic, message_key, envelope, correlation_id, trace_context)
                   VALUES ($1, $2, $3, $4, $5, $6))
    SELECT pg_notify($7, '')"""


class Outbox:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def add(self, conn: asyncpg.Connection, event: Event, *, correlation_id: str | None = None) -> Envelope:
        """Record `event` in the caller's open transaction. It is published after commit."""
        if not conn.is_in_transaction():
            raise RuntimeError("Outbox.add must run inside the transaction of the state change")
        envelope = Envelope.wrap(event, occurred_at=self._clock.now(),
                                 correlation_id=correlation_id or current_correlation_id())
        # The row and the relay's wake-up in one round trip; the notification is delivered at commit, never for
        # a rolled-back transaction.
        await conn.execute(_ADD_AND_NOTIFY, envelope.event_id, event.topic, envelope.aggregate_id,
                           envelope.model_dump(mode="json"), envelope.correlation_id, trace_context(), NOTIFY_CHANNEL)
        return envelope

    async def add_with(self, conn: asyncpg.Connection, event: Event, change: str, *args: Any) -> bool:
        """The state change and its event in one statement, the event recorded if, and only if, the change
        touched a row. `change` is one INSERT, UPDATE or DELETE with a RETURNING clause, its parameters $1 to $n
        in `args`; its conditions (WHERE) are the facts the command was decided on, checked again as it writes.

        One statement is one transaction: in a transaction this saves the outbox's own round trip, and outside
        one it saves BEGIN and COMMIT too (a command whose only write is this statement needs no transaction:
        what it read unlocked, its WHERE checks again on the row it changes). True if a row changed."""
        return await self.add_returning(conn, event, change, *args) is not None

    async def add_returning(self, conn: asyncpg.Connection, event: Event, change: str, *args: Any
                            ) -> asyncpg.Record | None:
        """`add_with`, giving back the row the change's RETURNING made (the first, if it changed several): what the
        command learns as it writes, without a statement more (a cancellation: whether its slot is free for the
        search). None if no row changed."""
        envelope = Envelope.wrap(event, occurred_at=self._clock.now(), correlation_id=current_correlation_id())
        n = len(args)
        # Data-modifying CTEs all run to completion; the outbox row is made only from a changed row, and the
        # relay's wake-up only from the outbox row (delivered at commit, never for a rollback).
        row: asyncpg.Record | None = await conn.fetchrow(
            f"""WITH change AS ({change}),
                     added AS (INSERT INTO outbox (event_id, topic, message_key, envelope, correlation_id,
                                                   trace_context)
                               SELECT ${n + 1}, ${n + 2}, ${n + 3}, ${n + 4}, ${n + 5}, ${n + 6}
                               WHERE EXISTS (SELECT 1 FROM change)
                               RETURNING 1)
                SELECT change.*, (SELECT pg_notify(${n + 7}, '') FROM added) AS outbox_notified FROM change""",
            *args, envelope.event_id, event.topic, envelope.aggregate_id, envelope.model_dump(mode="json"),
            envelope.correlation_id, trace_context(), NOTIFY_CHANNEL)
        return row

    async def add_many(self, conn: asyncpg.Connection, events: list[Event], *,
                       correlation_id: str | None = None) -> int:
        """Record many events in one statement (bulk work such as an import): the same rows as `add`."""
        if not conn.is_in_transaction():
            raise RuntimeError("Outbox.add_many must run inside the transaction of the state change")
        now, correlation = self._clock.now(), correlation_id or current_correlation_id()
        envelopes = [(Envelope.wrap(e, occurred_at=now, correlation_id=correlation), e) for e in events]
        context = trace_context()
        await conn.executemany(
            """INSERT INTO outbox (event_id, topic, message_key, envelope, correlation_id, trace_context)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            [(env.event_id, e.topic, env.aggregate_id, env.model_dump(mode="json"), env.correlation_id, context)
             for env, e in envelopes])
        if envelopes:
            await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        return len(envelopes)


class Publisher(Protocol):
    async def publish(self, message: Any, topic: str = "", *, key: Any = None,
                      headers: dict[str, str] | None = None, correlation_id: str | None = None,
                      no_confirm: bool = False) -> Any: ...


class OutboxRelay:
    """Publishes the outbox when a commit notifies it (kit/worker.py), in batches; asks nothing while idle.

    `idle_seconds` is the safety net only (a notification sent while the listening connection was away);
    a failed publish is tried again after `retry_seconds`."""

    def __init__(self, pool: asyncpg.Pool, publisher: Publisher, *, topic_prefix: str = "",
                 idle_seconds: float = 30.0, retry_seconds: float = 1.0, batch_size: int = 200,
                 tracer: Tracer | None = None) -> None:
        self._pool = pool
        self._tracer = tracer or make_tracer(None)
        self._publisher = publisher
        self._prefix = topic_prefix
        self._batch = batch_size
        self._worker = NotifiedWorker("outbox-relay", pool, NOTIFY_CHANNEL, self._publish_some,
                                      idle_seconds=idle_seconds, retry_seconds=retry_seconds)

    async def start(self) -> None:
        await self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()

    async def _publish_some(self) -> int:
        # A short batch was all there was: no second round to find nothing (a commit meanwhile wakes us again).
        sent = await self.publish_batch()
        return sent if sent == self._batch else 0

    async def drain(self) -> int:
        """Publish until nothing is left. Returns how many events went out."""
        total = 0
        while (sent := await self.publish_batch()) > 0:
            total += sent
        return total

    async def publish_batch(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            # The lock (an InitPlan, taken once), the rows and their mark in one statement: only the relay holding
            # the lock takes rows. Marked before they are sent, but in this transaction, committed only once Kafka
            # has them all: a failed send (or a crash) rolls the mark back, and they go out again.
            rows = sorted(await conn.fetch(
                """UPDATE outbox SET published_at = now()
                   WHERE id IN (SELECT id FROM outbox
                                WHERE published_at IS NULL AND (SELECT pg_try_advisory_xact_lock($2))
                                ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                   RETURNING id, topic, message_key, envelope::text AS envelope, correlation_id, trace_context""",
                self._batch, _RELAY_LOCK), key=lambda row: row["id"])
            if not rows:
                return 0
            # Sent together so the producer batches them; the idempotent producer keeps their order.
            pending = []
            for row in rows:
                # The trace of the request that wrote the row goes on: FastStream's middleware, under this span,
                # writes its context into the message's traceparent header.
                with continued(self._tracer, f"outbox relay {row['topic']}", row["trace_context"],
                               attributes={"messaging.destination.name": row["topic"]}):
                    pending.append(await self._publisher.publish(
                        row["envelope"].encode(), f"{self._prefix}{row['topic']}", key=row["message_key"].encode(),
                        headers={"content-type": "application/json", "correlation_id": row["correlation_id"]},
                        correlation_id=row["correlation_id"], no_confirm=True))
            await asyncio.gather(*pending)
            for row in rows:
                PUBLISHED.labels(row["topic"]).inc()
            # The backlog gauges are measured apart (measure_backlog, on the gauges' interval), not per batch.
            return len(rows)


async def measure_backlog(pool: asyncpg.Pool) -> None:
    """The backlog gauges from the table (on the partial index of unpublished rows), for the alerts: also
    while the relay cannot publish, when its own updates stop."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT count(*) AS backlog,
                      coalesce(extract(epoch FROM now() - (SELECT created_at FROM outbox WHERE published_at IS NULL
                                                           ORDER BY id LIMIT 1)), 0) AS oldest
               FROM outbox WHERE published_at IS NULL""")
    BACKLOG.set(row["backlog"])
    OLDEST.set(float(row["oldest"]))
