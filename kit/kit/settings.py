"""Typed configuration, read once at start from `EPORTAL_*` variables. One subclass per service."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["dev", "test", "prod"]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EPORTAL_", extra="ignore", frozen=True)

    env: Environment = "dev"
    service_name: str = "eportal"
    http_host: str = "127.0.0.1"
    http_port: int = 8100

    database_url: SecretStr = Field(description="postgresql:// URL of this service's own database.")
    db_pool_min: int = 1
    db_pool_max: int = 10

    kafka_bootstrap: str = "127.0.0.1:59092"
    # Test runs and tenants get their own topics and consumer groups on a shared broker.
    topic_prefix: str = ""
    topic_partitions: int = 3
    topic_replication: int = 1
    topic_min_insync_replicas: int = 1

    # Outbox relay (kit/worker.py): a commit's NOTIFY wakes it; with nothing to do it asks the database nothing
    # for `outbox_idle_seconds` (the safety net for a notification sent while its listener was reconnecting).
    # A failed publish (broker or database away) is tried again after `outbox_retry_seconds`.
    outbox_idle_seconds: float = 30.0
    outbox_retry_seconds: float = 1.0
    # Idempotent consumer: tries before the dead-letter topic, and the first backoff.
    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.2
    # Events applied together in one transaction at most: those already fetched behind one, never waited for.
    consumer_batch: int = Field(default=100, ge=1)
    # How often each topic's consumer tells its group it is alive (and hears of a member joining). Each topic has a
    # group of its own, so a service's consumers never wait for each other's heartbeats to join; aiokafka's 3 s.
    consumer_heartbeat_ms: int = Field(default=3000, ge=50)
    # How long the broker holds a consumer's fetch when there is nothing new. It answers at once when an event
    # comes, so this is not an event's latency, only how often an idle consumer asks again: at 500 ms (aiokafka's)
    # the system's consumers kept the idle broker at 0.13 CPU, at 5 s at 0.06 (sixth run, one group a service). Not
    # raised by default: the broker answers one request per connection at a time, so a partition rewound after an
    # outage is read again only once the fetch still held returns, and (in one group a service) after a rebalance
    # the partitions' positions and first fetch waited behind it (docs/benchmarks.md, the sixth run).
    consumer_fetch_wait_ms: int = Field(default=500, ge=10, le=30_000)
    # How often each topic's consumer commits the offsets of the events it applied (all of them at once; on a stop
    # at once). A crash gives back at most this long's events, which the inbox absorbs. 0: after every batch.
    consumer_commit_interval_ms: int = Field(default=1000, ge=0, le=60_000)

    # Tests and demos that run services as processes move their time together through this file
    # (kit.clock.OffsetClock). Refused in production.
    clock_offset_file: Path | None = None

    # Python's collector runs a young-generation pass every this many allocations more than frees (CPython: 700). A
    # request allocates thousands of short-lived objects, nearly all freed by reference counting, so at 700 the
    # passes come every few requests for little. The objects made at start are frozen out of every pass (kit.http).
    # make profile, 700 and 20,000 in turn: the gateway 1.03, 1.15 -> 0.94, 0.95 ms a request, booking 1.00, 1.11 ->
    # 0.93, 0.92 (docs/benchmarks.md, the seventh run).
    gc_gen0_threshold: int = Field(default=20_000, ge=100, le=1_000_000)

    # Prometheus metrics on a listener of their own, never on the public app (kit/metrics.py); None: not served.
    # The port the manifests name `metrics` (9464); make run gives each service one, the test system 0 (a port
    # the kernel chooses, logged as "metrics served").
    metrics_port: int | None = None
    # How often the gauges read from the database and the broker are refreshed (outbox backlog, consumer lag,
    # readiness): a few cheap queries per interval, never per request.
    gauge_refresh_seconds: float = 15.0

    log_level: str = "INFO"
    log_json: bool | None = None  # None: JSON when stdout is not a terminal

    @model_validator(mode="after")
    def _no_dev_secrets_in_prod(self) -> ServiceSettings:
        if self.env == "prod" and "eportal-dev" in self.database_url.get_secret_value():
            raise ValueError("the development database password is not allowed in production")
        if self.env == "prod" and self.clock_offset_file is not None:
            raise ValueError("a clock offset file is for tests and demos, never production")
        return self

    @property
    def allows_test_identities(self) -> bool:
        """Synthetic national IDs (NAV, Test-Norge) only outside production."""
        return self.env != "prod"

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    @property
    def consumer_group(self) -> str:
        """The service's name among consumer groups: each topic's group starts with it (`consumer_group_for`). Until
        2026-11-30 it was the one group of all the service's topics; its offsets are carried over from there."""
        return f"{self.topic_prefix}{self.service_name}"

    def consumer_group_for(self, topic: str) -> str:
        """The consumer group of this service on one topic (`topic` without the prefix): `notify.appointments`."""
        return f"{self.consumer_group}.{topic}"
