"""Run services in-process against the session's real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import importlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from gateway.adapters.services import Services, Upstream
from kit.errors import DomainError
from kit.settings import ServiceSettings
from tests.support.infra import Infrastructure

SETTINGS_CLASSES = {
    "identity": "identity.settings:IdentitySettings",
    "booking": "booking.settings:BookingSettings",
    "prescription": "prescription.settings:PrescriptionSettings",
    "econsult": "econsult.settings:EconsultSettings",
    "billing": "billing.settings:BillingSettings",
    "notify": "notify.settings:NotifySettings",
    "gateway": "gateway.settings:GatewaySettings",
}


def _settings_class(service: str) -> type[ServiceSettings]:
    module, name = SETTINGS_CLASSES[service].split(":")
    cls: type[ServiceSettings] = getattr(importlib.import_module(module), name)
    return cls


@dataclass
class StackEnv:
    """This test session's share of the stack: its own databases and its own topic prefix."""

    infra: Infrastructure
    dsns: dict[str, str]
    topic_prefix: str
    defaults: dict[str, Any] = field(default_factory=dict)

    def settings(self, service: str, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "env": "test", "database_url": self.dsns[service], "kafka_bootstrap": self.infra.kafka_bootstrap,
            "topic_prefix": self.topic_prefix, "consumer_backoff_seconds": 0.05, "outbox_retry_seconds": 0.5,
            "topic_partitions": 1,  # tests make hundreds of topics: one partition each keeps the broker light
            "log_json": True, **self.defaults, **overrides,
        }
        return _settings_class(service)(**values)

    def fresh_prefix(self) -> str:
        """Topics and consumer groups no other test touches."""
        return f"{self.topic_prefix}{secrets.token_hex(3)}."


@asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://service") -> AsyncIterator[httpx.AsyncClient]:
    """The app started (its lifespan: pool, migrations, broker, relay) and a client that calls it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    """The app as a real HTTP server on `port`, in this event loop (its lifespan starts a service): for tests
    that need real sockets between in-process services, or a fake provider the services' processes call."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning",
                                           log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped at start")
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await task


class InProcessServices(Services):
    """The gateway's client to the services, reaching in-process apps (httpx's ASGI transport) instead of
    ports: the same calls, answered as the real client answers them."""

    def __init__(self, clients: dict[str, httpx.AsyncClient]) -> None:
        super().__init__({name: f"http://{name}" for name in clients}, timeout=30)
        self.clients = clients

    async def request(self, service: str, method: str, path: str, **kwargs: Any) -> Upstream:
        if service not in self.clients:  # not started for this test: unreachable, as the real client says it
            raise DomainError("En tjeneste svarer ikke akkurat nå.", code="upstream.unavailable", status=503)
        answer = await self.clients[service].request(method, path, **kwargs)
        return Upstream(answer.status_code, answer.content, answer.headers)
