"""The GP's eConsultation opening as the profile shows it: kept a while, replaced at once by econsult's event (or
by the doctor's own change through this gateway), and an answer asked before a change is never kept."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from gateway.adapters.econsult_availability import EConsultAvailability
from gateway.domain.principal import Principal
from services.gateway.tests.conftest import FakeServices, a_patient, a_staff, gateway_with


async def test_an_answer_is_kept_for_its_seconds_and_a_change_replaces_it_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    memory, gp, asked = EConsultAvailability(30.0), uuid.uuid4(), []

    async def econsult(answer: bool | None) -> bool | None:
        asked.append(answer)
        return answer

    assert await memory.open(gp, lambda: econsult(False)) is False
    assert await memory.open(gp, lambda: econsult(True)) is False, "kept: econsult not asked again"
    memory.changed(gp, True)  # EConsultAvailabilityChanged
    assert await memory.open(gp, lambda: econsult(False)) is True
    now[0] += 30.0
    assert await memory.open(gp, lambda: econsult(False)) is False, "its seconds are up: asked again"
    assert asked == [False, False]
    assert await memory.open(uuid.uuid4(), lambda: econsult(None)) is None
    assert await memory.open(gp, lambda: econsult(True)) is False, "econsult away is not an answer to keep"


async def test_an_answer_asked_before_a_change_serves_its_request_but_is_not_kept() -> None:
    memory, gp = EConsultAvailability(30.0), uuid.uuid4()
    answer: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()

    async def econsult() -> bool | None:
        return await answer

    asking = asyncio.create_task(memory.open(gp, econsult))
    await asyncio.sleep(0)
    memory.changed(gp, True)  # the GP opened while econsult's older answer was on its way
    answer.set_result(False)
    assert await asking is False
    assert await memory.open(gp, econsult) is True


async def test_the_profile_asks_econsult_once_and_the_doctors_change_through_this_gateway_shows_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    gp = uuid.uuid4()
    services = FakeServices(answers={("econsult", "GET", f"/internal/availability/{gp}"): {"open": False},
                                     ("econsult", "PUT", f"/internal/availability/{gp}"): {"open": True}})
    kari: Principal = a_patient(uuid.uuid4(), gp_id=gp)
    async with gateway_with(monkeypatch, services, kari) as gw:
        for _ in range(3):
            me = await gw.client.get("/api/v1/me")
            assert me.json()["gp"]["econsult_open"] is False
        assert services.paths().count(("GET", f"/internal/availability/{gp}")) == 1
        gw.act_as(a_staff("doctor", gp))
        opened = await gw.client.put("/api/v1/staff/econsult-availability", json={"open": True})
        assert opened.status_code == 200, opened.text
        gw.act_as(kari)
        assert (await gw.client.get("/api/v1/me")).json()["gp"]["econsult_open"] is True
        assert services.paths().count(("GET", f"/internal/availability/{gp}")) == 1
