"""The life of one service process: what every service starts and stops, in one place.

Start: logging, the metrics listener, the database pool, migrations, Kafka topics, subscribers, the broker,
the outbox relay, then the service's own workers. Stop: the same in reverse. Nothing connects at import time.
Traces (kit/telemetry.py) are on when the OTEL_* variables name a collector: the runtime owns the service's
tracer provider and hands it to the HTTP app, the broker, the relay and the consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker

from contracts.envelope import Event
from kit import telemetry
from kit.clock import Clock, OffsetClock, SystemClock
from kit.db import create_pool
from kit.logging import configure_logging, get_logger
from kit.messaging import EventConsumer, EventHandler, carry_over_offsets, ensure_topics, make_broker
from kit.metrics import MetricsServer, record_readiness
from kit.migrations import migrate
from kit.outbox import Outbox, OutboxRelay, measure_backlog
from kit.settings import ServiceSettings

log = get_logger(__name__)

Hook = Callable[["ServiceRuntime"], Awaitable[None]]


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, migrations: Path, *, clock: Clock | None = None,
                 consumer_name: str | None = None, start_relay: bool = True) -> None:
        self.settings = settings
        if clock is None:
            clock = OffsetClock(settings.clock_offset_file) if settings.clock_offset_file else SystemClock()
        self.clock: Clock = clock
        self.outbox = Outbox(self.clock)
        self.tracer_provider = telemetry.tracer_provider(settings.service_name)
        self.tracer = telemetry.tracer(self.tracer_provider)
        self.broker: KafkaBroker = make_broker(settings, middlewares=telemetry.kafka_middleware(self.tracer_provider))
        self.metrics_server = MetricsServer(settings.http_host, settings.metrics_port) \
            if settings.metrics_port is not None else None
        self.consumer_name = consumer_name or settings.service_name
        self._migrations = migrations
        self._start_relay = start_relay  # tests drive a relay by hand to stop it at chosen moments
        self._pool: asyncpg.Pool | None = None
        self._handlers: dict[type[Event], EventHandler] = {}
        self._relay: OutboxRelay | None = None
        self._on_start: list[Hook] = []
        self._on_stop: list[Hook] = []
        self.consumer: EventConsumer | None = None
        self._features: list[str] = []
        self._jobs: list[asyncio.Task[None]] = []
        self.state: dict[str, Any] = {}  # the service's own long-lived objects, set by its bootstrap
        self.every(settings.gauge_refresh_seconds, ServiceRuntime.measure, name="gauges")

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the service has not started")
        return self._pool

    def on(self, event: type[Event]) -> Callable[[EventHandler], EventHandler]:
        """Register the handler that applies `event` (exactly once, in its own transaction)."""
        def register(fn: EventHandler) -> EventHandler:
            self._handlers[event] = fn
            return fn
        return register

    def handler_for(self, event: type[Event]) -> EventHandler:
        """The handler registered for `event` (an event kept until something it waits for has come)."""
        return self._handlers[event]

    @property
    def subscribed_topics(self) -> list[str]:
        """The logical topics this service consumes (without the deployment's prefix)."""
        return sorted({event.topic for event in self._handlers})

    def consumer_on(self, pool: asyncpg.Pool) -> EventConsumer:
        """The service's consumer: every handler registered with `on`, subscribed on the broker to the topics
        their events travel on (tests wire it to FastStream's TestKafkaBroker without a database)."""
        consumer = EventConsumer(self.consumer_name, pool, self.broker, self.settings, tracer=self.tracer)
        if self._handlers:
            for event, handler in self._handlers.items():
                consumer.on(event)(handler)
            consumer.subscribe()
        return consumer

    def use_feature(self, feature: str) -> None:
        """Opt in to a kit mechanism that has tables of its own (their migrations run at start)."""
        if feature not in self._features:
            self._features.append(feature)

    def every(self, seconds: float, job: Hook, *, name: str | None = None) -> None:
        """Run `job` every `seconds` while the service runs (reminders, overdue invoices, retries).

        The job's durability is its own: it finds its work in the database and records what it did in
        the same transaction as the outbox event, so a restart neither loses nor repeats anything.
        A failing run is logged and the next one comes on time.
        """
        job_name = name or getattr(job, "__name__", "job")

        async def loop(rt: ServiceRuntime) -> None:
            while True:
                try:
                    await job(rt)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("scheduled job failed", job=job_name)
                await asyncio.sleep(seconds)

        async def start(rt: ServiceRuntime) -> None:
            self._jobs.append(asyncio.create_task(loop(rt), name=job_name))

        self._on_start.append(start)

    def on_start(self, hook: Hook) -> Hook:
        self._on_start.append(hook)
        return hook

    def on_stop(self, hook: Hook) -> Hook:
        self._on_stop.insert(0, hook)
        return hook

    async def start(self) -> None:
        s = self.settings
        configure_logging(s.service_name, s.log_level, s.log_json)
        if self.metrics_server is not None:  # first: a start stuck waiting for a dependency is seen too
            self.metrics_server.start()
            log.info("metrics served", port=self.metrics_server.port)
        self._pool = await _retry("database", lambda: create_pool(
            s.database_url.get_secret_value(), min_size=s.db_pool_min, max_size=s.db_pool_max))
        async with self._pool.acquire() as conn:
            await migrate(conn, s.service_name, self._migrations, tuple(self._features))
        consumer = self.consumer_on(self._pool)
        await _retry("kafka topics", lambda: ensure_topics(s, [consumer.dead_letter_topic]))
        if consumer.topics:
            await _retry("kafka offsets", lambda: carry_over_offsets(s, consumer.topics))
        self.consumer = consumer
        await _retry("kafka", self.broker.start)
        if self._start_relay:
            self._relay = OutboxRelay(self._pool, self.broker, topic_prefix=s.topic_prefix,
                                      idle_seconds=s.outbox_idle_seconds, retry_seconds=s.outbox_retry_seconds,
                                      tracer=self.tracer)
            await self._relay.start()
        for hook in self._on_start:
            await hook(self)
        log.info("service started", port=s.http_port)

    async def stop(self) -> None:
        for task in self._jobs:
            task.cancel()
        for task in self._jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._jobs.clear()
        for hook in self._on_stop:
            try:
                await hook(self)
            except Exception:
                log.exception("stop hook failed")
        if self._relay is not None:
            await self._relay.stop()
        if self.consumer is not None:
            await self.consumer.flush()
        await self.broker.stop()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()  # the spans still batched go out now
        if self.metrics_server is not None:
            self.metrics_server.stop()
        log.info("service stopped")

    async def readiness(self) -> dict[str, bool]:
        checks = {"database": False, "kafka": False}
        if self._pool is not None:
            try:
                async with self._pool.acquire(timeout=2) as conn:
                    checks["database"] = await conn.fetchval("SELECT true") is True
            except Exception:
                checks["database"] = False
        try:
            checks["kafka"] = bool(await self.broker.ping(timeout=2))
        except Exception:
            checks["kafka"] = False
        record_readiness(checks)
        return checks

    async def measure(self) -> None:
        """Refresh the gauges the alerts read (docs/operations.md): readiness, the outbox's backlog and the
        consumer's lag. From the database and the broker, so they stay true while the relay or the consumer
        is stuck, when their own updates stop."""
        await self.readiness()
        try:
            if self._pool is not None:
                await measure_backlog(self._pool)
            if self.consumer is not None:
                await self.consumer.measure_lag()
        except Exception as exc:  # a dependency is away: readiness says so; the next refresh tries again
            log.warning("gauges not refreshed", error=type(exc).__name__)


# What "not up yet" looks like; anything else is a real error and stops the start at once.
_NOT_YET = (OSError, TimeoutError, KafkaError, asyncpg.CannotConnectNowError, asyncpg.PostgresConnectionError)


async def _retry(what: str, start: Callable[[], Awaitable[Any]], attempts: int = 60) -> Any:
    """Dependencies may come up after us (make run starts everything at once): wait for them a while."""
    for attempt in range(1, attempts + 1):
        try:
            return await start()
        except _NOT_YET as exc:
            if attempt == attempts:
                raise
            if attempt in (1, 10, 30):
                log.warning("waiting for a dependency", dependency=what, error=type(exc).__name__)
            await asyncio.sleep(1)
    raise AssertionError("unreachable")
