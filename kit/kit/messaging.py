"""Kafka for every service: the broker, explicit topics, and the idempotent consumer.

Each topic a consumer reads has its own subscriber, an aiokafka consumer in a group of its own (`notify.appointments`),
so a backlog on one topic never holds up an event on another, and a member joining or leaving one topic's group
(a pod starting, a consumer restarting) never stops the service's other topics for a rebalance. The events already
fetched behind one are applied with it in one transaction (`process_batch`); if any of them fails, each is applied
on its own. The consumer acknowledges only
after its effect is committed (FastStream's default, ack-first, would be at-most-once). Each event is applied in one
transaction together with its inbox row, so a redelivery changes nothing. The offsets of applied events are
committed to Kafka in the background, at most once every `consumer_commit_interval_ms`, all that were applied
meanwhile in one commit (`OffsetCommits`): a commit waits for the group coordinator's own batching
(`group.coordinator.append.linger.ms`, 5 ms in Kafka 4), so one per message held a consumer to about 170 events a
second however little each cost, and each is a write to the broker's offsets log. An offset is still committed only
once its effect is; a crash between the two gives the event again, and the inbox absorbs it. A message that cannot
be applied is retried with backoff and then sent, with its error in the headers, to the service's dead-letter topic,
so one poison message never blocks a partition. An outage of the database or broker is not the message's fault: it
is redelivered instead of dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, NamedTuple

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer
from prometheus_client import Counter, Gauge

from contracts import topics as contract_topics
from contracts.envelope import Envelope, Event
from contracts.registry import event_from, parse_envelope
from kit.backoff import exponential_backoff
from kit.logging import correlation_id, get_logger, scrub
from kit.settings import ServiceSettings
from kit.telemetry import continued
from kit.telemetry import tracer as make_tracer

log = get_logger(__name__)

CONSUMED = Counter("eportal_events_consumed_total", "Events applied", ["consumer", "event_type"])
DUPLICATES = Counter("eportal_events_duplicate_total", "Redelivered events ignored", ["consumer"])
DEAD_LETTERED = Counter("eportal_events_dead_lettered_total", "Events sent to the dead-letter topic",
                        ["consumer", "reason"])
RETRIED = Counter("eportal_events_retried_total", "Failed attempts to apply an event", ["consumer"])
LAG = Gauge("eportal_consumer_lag", "Events on the consumer's partitions not yet read (end offset - position)",
            ["consumer", "topic", "partition"])

EventHandler = Callable[[asyncpg.Connection, Envelope, Any], Awaitable[None]]

# Failures of the infrastructure rather than of the message: never dead-letter for these.
_OUTAGES: tuple[type[BaseException], ...] = (
    OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError, KafkaConnectionError, TimeoutError,
)


# What the handlers of the consumer's open transaction asked to run once it has committed (`after_commit`).
_AFTER_COMMIT: ContextVar[list[Callable[[], None]] | None] = ContextVar("eportal_after_commit", default=None)


def in_consumer_transaction() -> bool:
    """True inside the transaction a consumer applies events in, where `after_commit` may be asked; not where a
    handler is run by other code (a test, a tool) in a transaction of its own."""
    return _AFTER_COMMIT.get() is not None


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the consumer's transaction now applying the event has committed, and never if it rolls
    back (a batch that fails is applied again event by event, and each handler asks again then). For work that
    must wait until the effect is durable and need not be part of it: notify hands the deliveries it queued to its
    own sender. Only from a handler the consumer is running."""
    pending = _AFTER_COMMIT.get()
    if pending is None:
        raise RuntimeError("after_commit: no consumer transaction is open")
    pending.append(callback)


class ConsumerBatch:
    """The events a consumer's transaction applies together (`EventConsumer.apply_batch`: those not seen before),
    for a handler to read once what they all need instead of once an event: notify reads the contacts of a batch's
    patients in one statement. What is read ahead is kept for this transaction only, and read at the first event
    that asks, as it stands then: a handler whose batch may itself change it (between two of its events) reads
    for each event on its own instead."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self._read: dict[str, Any] = {}

    async def read_ahead(self, name: str, read: Callable[[list[Event]], Awaitable[Any]]) -> Any:
        """`read(events)` the first time `name` is asked for in this batch; what it gave, after that."""
        if name not in self._read:
            self._read[name] = await read(self.events)
        return self._read[name]


_BATCH: ContextVar[ConsumerBatch | None] = ContextVar("eportal_consumer_batch", default=None)


def current_batch() -> ConsumerBatch | None:
    """The batch the consumer's open transaction applies; None for an event applied on its own (or by a test)."""
    return _BATCH.get()


@contextlib.asynccontextmanager
async def _consumer_transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """The transaction a consumer applies events in; what its handlers gave `after_commit` runs after its commit."""
    pending: list[Callable[[], None]] = []
    token = _AFTER_COMMIT.set(pending)
    try:
        async with pool.acquire() as conn, conn.transaction():
            yield conn
    finally:
        _AFTER_COMMIT.reset(token)
    for callback in pending:  # reached only after the commit: an error above (or in it) skips them
        try:
            callback()
        except Exception:  # the effect is committed and stays so: its offset is applied all the same
            log.exception("work after the commit failed")


def make_broker(settings: ServiceSettings, middlewares: Iterable[Any] = ()) -> KafkaBroker:
    # acks="all" with idempotence: a send is done when every in-sync replica has it, exactly once.
    return KafkaBroker(settings.kafka_bootstrap, client_id=settings.service_name, acks="all",
                       enable_idempotence=True, logger=None, apply_types=True, middlewares=tuple(middlewares))


async def ensure_topics(settings: ServiceSettings, extra: Iterable[str] = ()) -> None:
    """Create the contract topics and dead-letter topics that do not exist yet; never alter one that does."""
    wanted: list[NewTopic] = []
    for spec in contract_topics.ALL:
        configs = {"min.insync.replicas": str(settings.topic_min_insync_replicas)}
        if spec.retention_ms is not None:
            configs["retention.ms"] = str(spec.retention_ms)
        if spec.cleanup_policy is not None:
            configs["cleanup.policy"] = spec.cleanup_policy
        wanted.append(NewTopic(settings.topic(spec.name), spec.partitions or settings.topic_partitions,
                               settings.topic_replication, topic_configs=configs))
    for name in extra:
        wanted.append(NewTopic(settings.topic(name), settings.topic_partitions, settings.topic_replication,
                               topic_configs={"min.insync.replicas": str(settings.topic_min_insync_replicas)}))
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id=f"{settings.service_name}-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # a sibling created it meanwhile
                await admin.create_topics(missing)
            log.info("topics created", topics=[t.name for t in missing])
    finally:
        await admin.close()


async def carry_over_offsets(settings: ServiceSettings, topics: Iterable[str]) -> dict[str, int]:
    """Each topic's consumer group that has committed nothing yet starts where the service's one group of all its
    topics (until 2026-11-30) stopped on that topic, instead of at the topic's beginning: on the first start after
    the upgrade nothing is read twice (the inbox would absorb it, but a year of events is slow to absorb, and a
    message once dead-lettered would be dead-lettered again). Idempotent: a group with offsets of its own is left
    alone, so two pods starting together carry the same offsets over. Returns the partitions carried per group."""
    from aiokafka.structs import OffsetAndMetadata
    carried: dict[str, int] = {}
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id=f"{settings.service_name}-admin")
    await admin.start()
    try:
        before = await admin.list_consumer_group_offsets(settings.consumer_group)
        for name in topics if before else ():
            theirs = {tp: found.offset for tp, found in before.items() if tp.topic == settings.topic(name)}
            group = settings.consumer_group_for(name)
            if not theirs or await admin.list_consumer_group_offsets(group):
                continue
            consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group,
                                        enable_auto_commit=False)
            await consumer.start()
            try:
                consumer.assign(list(theirs))
                # A commit outside the group's generation: refused if a member joined meanwhile (a pod of the new
                # version already reading from the beginning, which the inbox keeps correct).
                await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in theirs.items()})
                carried[group] = len(theirs)
            except KafkaError as exc:
                log.warning("offsets not carried over", group=group, error=type(exc).__name__)
            finally:
                await consumer.stop()
    finally:
        await admin.close()
    if carried:
        log.info("consumer offsets carried over to each topic's group", groups=carried)
    return carried


class Received(NamedTuple):
    """A message as the consumer got it."""

    body: bytes
    headers: dict[str, Any]
    position: tuple[str, int, int]  # topic, partition, offset


class PoisonMessage(Exception):
    """The message itself is wrong (bytes, type, schema): no retry can help."""


class _FailedInBatch(Exception):
    """An event's handler failed in a batch: the batch is rolled back, and that try counts as the event's first."""

    def __init__(self, event_id: uuid.UUID) -> None:
        super().__init__(str(event_id))
        self.event_id = event_id


class OffsetCommits:
    """The offsets of applied events, committed to Kafka off the path of the next event, at most once every
    `interval` seconds for each consumer: the events applied meanwhile wait for the next commit, which takes them
    all. A commit is a write to the broker's offsets log, and one per applied event (a few hundred a second
    under the mix, each topic's consumer committing its own) was a large part of the broker's CPU; a crash
    gives back at most `interval`'s events, which the inbox absorbs. Each subscriber has its own aiokafka consumer
    (one per topic), and each consumer commits only its own partitions, so they are kept and committed apart. A
    commit that fails (a rebalance gave the partition to another consumer, the broker is away) is dropped: the
    partition's next commit covers it, and at worst the events since the last commit come again to whoever reads
    the partition next. On a stop everything applied is committed at once (`flush`), and so is a consumer's when
    its partitions are revoked (`commit_now`, from `CommitOnRevoke`), so the member that takes them over starts
    after them."""

    def __init__(self, name: str, interval: float = 0.0) -> None:
        self._name = name
        self._interval = interval
        self._applied: dict[AIOKafkaConsumer, dict[TopicPartition, int]] = {}
        self._committing: dict[AIOKafkaConsumer, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()

    def applied(self, consumer: Any, topic: str, partition: int, offset: int) -> None:
        if not isinstance(consumer, AIOKafkaConsumer):
            return  # FastStream's test broker: no offsets to keep
        # Kafka's offset: the next one to read
        self._applied.setdefault(consumer, {})[TopicPartition(topic, partition)] = offset + 1
        task = self._committing.get(consumer)
        if task is None or task.done():
            self._committing[consumer] = asyncio.create_task(self._commit(consumer), name=f"{self._name}-offsets")

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        while offsets := self._applied.pop(consumer, None):
            await self._send(consumer, offsets)
            if self._interval > 0 and not self._stopping.is_set():
                # The events applied meanwhile gather for the next commit (a stop cuts the wait short).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._interval):
                        await self._stopping.wait()

    async def commit_now(self, consumer: AIOKafkaConsumer) -> None:
        """This consumer's applied offsets committed at once, not at the interval's end."""
        if offsets := self._applied.pop(consumer, None):
            await self._send(consumer, offsets)

    async def _send(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except Exception as exc:
            log.info("offsets not committed; the events since the last commit may come again",
                     consumer=self._name, error=type(exc).__name__)

    async def flush(self) -> None:
        """Commit what is applied (before the consumers stop, so a restart does not read it again)."""
        self._stopping.set()
        for task in list(self._committing.values()):
            with contextlib.suppress(Exception):
                await task
        for consumer in list(self._applied):
            with contextlib.suppress(Exception):
                await self._commit(consumer)


class CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """A member joining a topic's group (a pod scaled out, a new release beside the old) takes partitions from the
    others: before they give them up, each commits what it applied of them, so the new owner does not read up to
    an interval's events again (the inbox would absorb them, at the cost of reading and refusing each)."""

    def __init__(self, offsets: OffsetCommits) -> None:
        self._offsets = offsets
        self.subscriber: Any = None  # FastStream's, made with this listener; it holds aiokafka's consumer once started

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        consumer = getattr(self.subscriber, "consumer", None)
        if isinstance(consumer, AIOKafkaConsumer):
            await self._offsets.commit_now(consumer)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None


class EventConsumer:
    """One service's idempotent consumer of the events it reacts to."""

    def __init__(self, name: str, pool: asyncpg.Pool, broker: KafkaBroker, settings: ServiceSettings, *,
                 tracer: Tracer | None = None) -> None:
        self.name = name
        self._pool = pool
        self._broker = broker
        self._settings = settings
        self._handlers: dict[str, EventHandler] = {}
        self._tracer = tracer or make_tracer(None)
        self._subscribers: list[Any] = []
        self._lag_labels: set[tuple[str, str]] = set()
        self._offsets = OffsetCommits(name, settings.consumer_commit_interval_ms / 1000)
        for reason in ("poison", "handler"):  # from 0, so the first dead letter is an increase an alert sees
            DEAD_LETTERED.labels(name, reason)

    @property
    def dead_letter_topic(self) -> str:
        return contract_topics.dead_letter_topic(self.name)

    def on(self, event: type[Event]) -> Callable[[EventHandler], EventHandler]:
        def register(fn: EventHandler) -> EventHandler:
            self._handlers[event.event_type] = fn
            return fn
        return register

    @property
    def topics(self) -> list[str]:
        """The topics this consumer's events travel on (without the prefix)."""
        from contracts.registry import EVENTS_BY_TYPE
        return sorted({EVENTS_BY_TYPE[t].topic for t in self._handlers})

    def subscribe(self) -> None:
        """Register one FastStream subscriber for each topic this consumer's events travel on, each in a consumer
        group of its own (the service's name and the topic's). Each has its own aiokafka consumer, so a backlog on
        one topic (every booking an SMS) never holds up an event on another (a prescription sent), and a member of
        one topic's group joining (a pod, a restart) is let in without the others rebalancing: in one group for the
        service, each of notify's six consumers joined in turn and waited for the others' heartbeats (3 s to start
        at 300 ms heartbeats, 17 s at 3 s), now each joins alone (0.5 s)."""
        from contracts.registry import EVENTS_BY_TYPE
        for name in self.topics:
            applies = sorted(t for t in self._handlers if EVENTS_BY_TYPE[t].topic == name)
            revoked = CommitOnRevoke(self._offsets)
            subscriber = self._broker.subscriber(
                self._settings.topic(name),
                group_id=self._settings.consumer_group_for(name),
                auto_offset_reset="earliest",
                heartbeat_interval_ms=self._settings.consumer_heartbeat_ms,
                fetch_max_wait_ms=self._settings.consumer_fetch_wait_ms,
                # Ours to acknowledge: the offset is committed after the effect (OffsetCommits), and on an outage
                # the message is given back (nack: the partition rewinds to it) to come again.
                ack_policy=AckPolicy.MANUAL,
                listener=revoked,
                title=f"{self.name}:{name}",
                description=f"{self.name} applies {', '.join(applies)} exactly once.",
            )
            revoked.subscriber = subscriber
            subscriber(self._on_message)
            self._subscribers.append(subscriber)

    async def _on_message(self) -> None:
        msg = current_message(self._broker)
        consumer = getattr(msg, "consumer", None)
        batch = [Received(msg.body, msg.headers, _position(msg)), *await self._fetched_behind(consumer)]
        try:
            await self.process_batch(batch)
        except BaseException:
            await msg.nack()
            _rewind(consumer, batch)  # nack rewinds the first message's partition; the batch may hold others
            raise
        for received in batch:
            self._offsets.applied(consumer, *received.position)

    async def _fetched_behind(self, consumer: Any) -> list[Received]:
        """The messages of this topic already fetched behind the one FastStream gave us, never waited for: under a
        backlog they are applied with it in one transaction; when events come one by one, nothing changes."""
        most = self._settings.consumer_batch - 1
        if most < 1 or not isinstance(consumer, AIOKafkaConsumer):  # FastStream's test broker: one at a time
            return []
        try:
            fetched = await consumer.getmany(timeout_ms=0, max_records=most)
        except KafkaError as exc:
            log.info("no batch this time", consumer=self.name, error=type(exc).__name__)
            return []
        return [Received(record.value or b"", {k: v.decode(errors="replace") for k, v in record.headers},
                         (record.topic, record.partition, record.offset))
                for records in fetched.values() for record in records]

    async def flush(self) -> None:
        """The applied events' offsets committed now: the service is stopping."""
        await self._offsets.flush()

    async def measure_lag(self) -> None:
        """The lag of each partition this process reads, for the alert (KEDA reads the group's own from Kafka)."""
        seen = set()
        for subscriber in self._subscribers:
            consumer: Any = getattr(subscriber, "consumer", None)  # aiokafka's, once the broker has started
            assigned = consumer.assignment() if consumer is not None else set()
            ends = await consumer.end_offsets(list(assigned)) if assigned else {}
            for tp in assigned:
                async with asyncio.timeout(5):  # not wait_for: in 3.11 it can swallow the cancel of a stop
                    position = await consumer.position(tp)
                LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(0, ends[tp] - position))
                seen.add((tp.topic, str(tp.partition)))
        for topic, partition in self._lag_labels - seen:  # moved to another pod at a rebalance
            LAG.remove(self.name, topic, partition)
        self._lag_labels = seen

    async def process_batch(self, batch: list[Received]) -> None:
        """Several events in one transaction: their inbox rows and effects, one commit. If any of them fails, the
        transaction is rolled back and each is applied on its own as `process` does (retried, dead-lettered), so a
        poison message still goes alone to the dead-letter topic and the others are applied once."""
        if len(batch) == 1:
            await self.process(*batch[0])
            return
        ready: list[tuple[Received, Envelope, Event]] = []
        for received in batch:
            try:
                envelope, event = self._decode(received.body)
            except PoisonMessage:
                await self.process(*received)  # dead-lettered there, with its correlation id
                continue
            if envelope.event_type in self._handlers:  # else another consumer's event on a shared topic
                ready.append((received, envelope, event))
        if not ready:
            return
        try:
            firsts = await self.apply_batch(ready)
        except _OUTAGES as exc:
            log.warning("dependency unavailable; the events will come again", consumer=self.name, events=len(ready),
                        error=type(exc).__name__)
            await asyncio.sleep(exponential_backoff(self._settings.consumer_backoff_seconds, 1, most=5.0))
            raise
        except Exception as exc:
            failed = exc.event_id if isinstance(exc, _FailedInBatch) else None
            if failed is not None:  # that event's first try
                RETRIED.labels(self.name).inc()
            log.warning("a batch of events failed; each is applied on its own", consumer=self.name,
                        events=len(ready), event_id=str(failed) if failed else None,
                        error=type(exc.__cause__ if failed else exc).__name__)
            for received, envelope, _ in ready:
                await self.process(*received, tried=1 if envelope.event_id == failed else 0)
            return
        for (_, envelope, _), first in zip(ready, firsts, strict=True):
            if first:
                CONSUMED.labels(self.name, envelope.event_type).inc()
            else:
                DUPLICATES.labels(self.name).inc()

    async def apply_batch(self, ready: list[tuple[Received, Envelope, Event]]) -> list[bool]:
        """The inbox rows (one statement) and the effects of several events in one transaction. False for an event
        seen before, or already in this batch (a redelivery can put it there twice)."""
        async with _consumer_transaction(self._pool) as conn:
            new = {row["event_id"] for row in await conn.fetch(
                """INSERT INTO inbox (consumer, event_id, event_type)
                   SELECT $1, e.event_id, e.event_type FROM unnest($2::uuid[], $3::text[]) AS e(event_id, event_type)
                   ON CONFLICT DO NOTHING RETURNING event_id""",
                self.name, [e.event_id for _, e, _ in ready], [e.event_type for _, e, _ in ready])}
            firsts = []
            for _, envelope, _ in ready:
                firsts.append(envelope.event_id in new)
                new.discard(envelope.event_id)
            applying = [item for item, first in zip(ready, firsts, strict=True) if first]
            batch = _BATCH.set(ConsumerBatch([event for _, _, event in applying]))
            try:
                for received, envelope, event in applying:
                    token = correlation_id.set(envelope.correlation_id)
                    try:  # each in its own trace: the one its producer's relay put in the headers
                        with self._span(envelope, received.headers, own_trace=True):
                            await self._handlers[envelope.event_type](conn, envelope, event)
                    except _OUTAGES:
                        raise
                    except Exception as exc:
                        raise _FailedInBatch(envelope.event_id) from exc
                    finally:
                        correlation_id.reset(token)
            finally:
                _BATCH.reset(batch)
            return firsts

    def _span(self, envelope: Envelope, headers: dict[str, Any], *, own_trace: bool = False) -> Any:
        return continued(self._tracer, f"{self.name} applies {envelope.event_type}",
                         _trace_headers(headers, own=own_trace), kind=SpanKind.CONSUMER, attributes={
                             "messaging.consumer.group.name": self.name, "eportal.event_type": envelope.event_type,
                             "messaging.message.id": str(envelope.event_id)})

    async def process(self, body: bytes, headers: dict[str, Any], position: tuple[str, int, int], *,
                      tried: int = 0) -> None:
        """One event in its own transaction, retried; `tried`: the tries it had already (in a failed batch)."""
        token = correlation_id.set(_header(headers, "correlation_id"))
        try:
            try:
                envelope, event = self._decode(body)
            except PoisonMessage as exc:
                await self._dead_letter(body, headers, position, None, str(exc), attempts=1, reason="poison")
                return
            if envelope.event_type not in self._handlers:
                return  # another consumer's event on a shared topic
            correlation_id.set(envelope.correlation_id)
            # Under FastStream's process span when tracing is on; else the trace the relay put in the headers.
            with self._span(envelope, headers, own_trace=False):
                await self._apply_with_retries(body, headers, position, envelope, event, tried)
        finally:
            correlation_id.reset(token)

    def _decode(self, body: bytes) -> tuple[Envelope, Event]:
        try:
            envelope = parse_envelope(body)
            return envelope, event_from(envelope)
        except Exception as exc:
            raise PoisonMessage(f"{type(exc).__name__}: {str(exc)[:500]}") from exc

    async def _apply_with_retries(self, body: bytes, headers: dict[str, Any], position: tuple[str, int, int],
                                  envelope: Envelope, event: Event, tried: int = 0) -> None:
        handler = self._handlers[envelope.event_type]
        attempts = self._settings.consumer_max_attempts
        for attempt in range(min(tried, attempts - 1) + 1, attempts + 1):
            try:
                applied = await self.apply(envelope, event, handler)
                if applied:
                    CONSUMED.labels(self.name, envelope.event_type).inc()
                else:
                    DUPLICATES.labels(self.name).inc()
                return
            except _OUTAGES as exc:
                # Not the message's fault: nack, and Kafka redelivers it. Pause first, so a database
                # that is down does not turn into a busy loop of redeliveries.
                log.warning("dependency unavailable; the event will come again", consumer=self.name,
                            event_type=envelope.event_type, error=type(exc).__name__)
                await asyncio.sleep(exponential_backoff(self._settings.consumer_backoff_seconds, attempt, most=5.0))
                raise
            except Exception as exc:
                RETRIED.labels(self.name).inc()
                log.warning("event handler failed", consumer=self.name, event_type=envelope.event_type,
                            event_id=str(envelope.event_id), attempt=attempt, error=type(exc).__name__)
                if attempt == attempts:
                    await self._dead_letter(body, headers, position, envelope, f"{type(exc).__name__}: {exc}",
                                            attempts=attempt, reason="handler")
                    return
                # 0.2 s, 0.4 s, 0.8 s, 1.6 s: about 3 s in all, well inside the poll interval.
                await asyncio.sleep(exponential_backoff(self._settings.consumer_backoff_seconds, attempt - 1))

    async def apply(self, envelope: Envelope, event: Event, handler: EventHandler) -> bool:
        """The effect and the inbox row in one transaction. False when the event was seen before."""
        async with _consumer_transaction(self._pool) as conn:
            first = await conn.fetchval(
                """INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
                   ON CONFLICT DO NOTHING RETURNING true""",
                self.name, envelope.event_id, envelope.event_type)
            if not first:
                return False
            await handler(conn, envelope, event)
            return True

    async def _dead_letter(self, body: bytes, headers: dict[str, Any], position: tuple[str, int, int],
                           envelope: Envelope | None, error: str, *, attempts: int, reason: str) -> None:
        topic, partition, offset = position
        error = scrub(error)  # a database error's DETAIL is the failing row: never kept with the dead letter
        dl_headers = {k: str(v) for k, v in headers.items() if isinstance(v, str | bytes)}
        dl_headers.update({
            "x-error": error[:1000], "x-consumer": self.name, "x-attempts": str(attempts),
            "x-original-topic": topic, "x-original-partition": str(partition), "x-original-offset": str(offset),
        })
        await self._broker.publish(body, self._settings.topic(self.dead_letter_topic), headers=dl_headers)
        async with self._pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO dead_letters (consumer, topic, partition, kafka_offset, event_id, event_type,
                                             error, attempts)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""",
                self.name, topic, partition, offset, envelope.event_id if envelope else None,
                envelope.event_type if envelope else None, error[:1000], attempts)
        DEAD_LETTERED.labels(self.name, reason).inc()
        log.error("event dead-lettered", consumer=self.name, topic=topic, partition=partition, offset=offset,
                  failure=reason, error=error[:200])


def _header(headers: dict[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value if isinstance(value, str) else None


def _trace_headers(headers: dict[str, Any], *, own: bool = False) -> dict[str, str] | None:
    """The W3C trace context of the message, unless a span is already active (FastStream's, restored from it) and
    the message is the one it was restored from (not `own`: one of a batch behind it)."""
    if not own and trace.get_current_span().get_span_context().is_valid:
        return None
    found = {name: value for name in ("traceparent", "tracestate") if (value := _header(headers, name))}
    return found or None


def _rewind(consumer: Any, batch: list[Received]) -> None:
    """Each partition of a batch that was not applied back to its first message, to be read again."""
    if not isinstance(consumer, AIOKafkaConsumer):
        return
    earliest: dict[TopicPartition, int] = {}
    for topic, partition, offset in (received.position for received in batch):
        tp = TopicPartition(topic, partition)
        earliest[tp] = min(offset, earliest.get(tp, offset))
    for tp, offset in earliest.items():
        with contextlib.suppress(Exception):  # no longer ours after a rebalance: its new owner reads it
            consumer.seek(tp, offset)


def current_message(broker: KafkaBroker) -> KafkaMessage:
    """The message a handler (one without parameters) is called for, from FastStream's context. Not a
    `KafkaMessage` parameter: FastStream fills one by a synchronous dependency (`Context("message")`), and
    fast_depends runs each of those in a worker thread, a thread hop and back for every message."""
    msg: KafkaMessage = broker.context.get_local("message")
    return msg


def follow_every_message(broker: KafkaBroker, settings: ServiceSettings, topic: str, apply: Callable[[Event], None],
                         *, title: str, description: str) -> None:
    """Every replica reads every message of `topic` (its name without the prefix), from the newest on, and `apply`
    changes what the replica keeps in memory (a gateway's kept sessions, say): no consumer group, no offsets and no
    inbox, since nothing is written and a replica that starts later keeps nothing from before its start, so has
    nothing older to apply. A message that cannot be read is logged and skipped: what is kept has its own expiry."""
    subscriber = broker.subscriber(settings.topic(topic), auto_offset_reset="latest",
                                   fetch_max_wait_ms=settings.consumer_fetch_wait_ms, title=title,
                                   description=description)

    async def on_message() -> None:
        try:
            event = event_from(parse_envelope(current_message(broker).body))
        except ValueError:
            log.warning("event not understood; skipped", topic=topic, reader=title)
            return
        apply(event)

    subscriber(on_message)


def _position(msg: KafkaMessage) -> tuple[str, int, int]:
    raw = msg.raw_message
    record = raw[0] if isinstance(raw, tuple) else raw
    return record.topic, record.partition, record.offset


__all__ = ["EventConsumer", "KafkaError", "PoisonMessage", "ensure_topics", "make_broker"]
