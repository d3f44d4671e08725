"""The running system as processes: every service ready behind the gateway, and time moved together."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.system import System

pytestmark = pytest.mark.stack


async def test_every_service_is_ready_behind_the_gateway(live_system: System) -> None:
    async with live_system.client() as client:
        health = await client.get("/api/health")
    assert health.status_code == 200, health.text
    services = health.json()["services"]
    assert {name for name, state in services.items() if state["ready"]} == {
        "identity", "booking", "prescription", "econsult", "billing", "notify", "gateway"}


def test_the_clock_offset_moves_for_every_process(live_system: System) -> None:
    from kit.clock import OffsetClock
    clock = OffsetClock(live_system.clock_file)
    live_system.move_clock(timedelta(days=15))
    try:
        assert clock.offset() == timedelta(days=15)
    finally:
        live_system.reset_clock()
    assert clock.offset() == timedelta(0)
