"""Every service's subscriber wiring, on FastStream's TestKafkaBroker (no Kafka, no database): each event a
service registers a handler for, published on its topic as the contract's kept example, reaches exactly that
handler; the service subscribes to no topic it has no handler for, and ignores the other events on its topics."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker

import contracts
from contracts.envelope import Envelope
from contracts.registry import ALL_EVENTS
from kit.messaging import EventConsumer
from kit.runtime import ServiceRuntime

SERVICES = ("identity", "booking", "prescription", "econsult", "billing", "notify", "gateway")
FIXTURES = Path(contracts.__file__).parent / "fixtures"


def example(event_type: str) -> bytes:
    """The newest kept example envelope of the event (the one producers write now)."""
    newest = max(FIXTURES.glob(f"{event_type}.v*.json"), key=lambda p: int(p.stem.rsplit(".v", 1)[1]))
    return json.dumps(json.loads(newest.read_text())).encode()


@pytest.mark.parametrize("service", SERVICES)
async def test_each_event_reaches_the_handler_registered_for_it(service: str, monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setenv("EPORTAL_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # never connected
    build = importlib.import_module(f"{service}.bootstrap").build
    runtime: ServiceRuntime = build().state.runtime
    registered: dict[str, Any] = {event.event_type: handler for event, handler in runtime._handlers.items()}
    applied: list[tuple[str, Any]] = []

    async def apply(self: EventConsumer, envelope: Envelope, event: Any, handler: Any) -> bool:
        applied.append((envelope.event_type, handler))
        return True
    monkeypatch.setattr(EventConsumer, "apply", apply)

    consumer = runtime.consumer_on(None)  # type: ignore[arg-type]  # apply is the test's: no database
    async with TestKafkaBroker(runtime.broker) as broker:
        for event in ALL_EVENTS:
            if event.topic not in runtime.subscribed_topics:
                continue
            await broker.publish(example(event.event_type), topic=runtime.settings.topic(event.topic))
    assert consumer.name == runtime.consumer_name
    assert applied == [(t, registered[t]) for t in (e.event_type for e in ALL_EVENTS) if t in registered]
    assert runtime.subscribed_topics == sorted({e.topic for e in ALL_EVENTS if e.event_type in registered})
