"""The audit fails closed: a read of health data that cannot be recorded is not shown (503 audit.unavailable)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from gateway.auth import patient_appointments
from gateway.bootstrap import build
from gateway.domain.principal import Principal
from gateway.settings import GatewaySettings

PATIENT = uuid.uuid4()


class Booking:
    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        return {"items": [{"id": str(uuid.uuid4()), "reason": "Vondt i ryggen"}]}


async def test_a_read_that_cannot_be_recorded_is_refused_and_shows_nothing() -> None:
    # The real audit log over a database that is not there: the record cannot be written.
    app = build(GatewaySettings(env="test", database_url="postgresql://nobody@127.0.0.1:1/none"))
    app.state.gateway.services = Booking()
    # The appointments' own dependency (patients, and guardians acting for a child of 12 to 15).
    app.dependency_overrides[patient_appointments] = lambda: Principal(
        kind="patient", subject_id=PATIENT, role="patient", session_id="s")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.get("/api/v1/appointments")
    assert (response.status_code, response.json()["code"]) == (503, "audit.unavailable")
    assert "Vondt i ryggen" not in response.text
