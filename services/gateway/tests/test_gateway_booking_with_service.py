"""The gateway's booking routes in front of the real booking service on real PostgreSQL (in-process):
the whole patient and staff flow, and 200 patients booking one slot at once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import Request

from booking.bootstrap import build as build_booking
from gateway.auth import patient_appointments
from gateway.bootstrap import build as build_gateway
from gateway.domain.principal import Principal
from gateway.entrypoints import booking as routes
from kit.clock import OSLO, FixedClock
from tests.support.gateway import record_audits
from tests.support.services import InProcessServices, StackEnv, running

pytestmark = pytest.mark.stack


@dataclass
class Clinic:
    gateway: httpx.AsyncClient
    booking: httpx.AsyncClient
    clock: FixedClock
    audits: list[dict[str, Any]]

    async def listed(self, dsn: str, gp: uuid.UUID, count: int) -> list[uuid.UUID]:
        ids = [uuid.uuid4() for _ in range(count)]
        conn = await asyncpg.connect(dsn)
        try:
            await conn.executemany(
                """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                                  first_contact_done, as_of)
                   VALUES ($1, $2, 'Kari Nordmann', '1980-01-01', '+4791234567', NULL, true, now())""",
                [(p, gp) for p in ids])
        finally:
            await conn.close()
        return ids


def as_patient(patient_id: uuid.UUID) -> dict[str, str]:
    return {"x-test-kind": "patient", "x-test-id": str(patient_id)}


def as_staff(role: str, staff_id: uuid.UUID) -> dict[str, str]:
    return {"x-test-kind": "staff", "x-test-role": role, "x-test-id": str(staff_id)}


@asynccontextmanager
async def clinic(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Clinic]:
    prefix = stack_env.fresh_prefix()
    clock = FixedClock(datetime(2026, 3, 2, 12, 0, tzinfo=OSLO))  # Monday
    booking_app = build_booking(stack_env.settings("booking", topic_prefix=prefix, db_pool_max=20,
                                                   reminder_poll_seconds=3600), clock=clock)
    gateway_app = build_gateway(stack_env.settings("gateway", topic_prefix=prefix), clock=clock)
    audits: list[dict[str, Any]] = []

    def principal(request: Request) -> Principal:
        kind = request.headers["x-test-kind"]
        return Principal(kind=kind, subject_id=uuid.UUID(request.headers["x-test-id"]),  # type: ignore[arg-type]
                         role=request.headers.get("x-test-role", "patient"), session_id="s")  # type: ignore[arg-type]

    def staff_member(request: Request) -> Principal:
        found = principal(request)
        assert found.kind == "staff"
        return found

    gateway_app.dependency_overrides[patient_appointments] = principal  # the booking routes' patient dependency
    gateway_app.dependency_overrides[routes.clinic_staff] = staff_member
    audits = record_audits(gateway_app)
    async with running(booking_app) as booking_client, running(gateway_app) as gateway_client:
        gateway_app.state.gateway.services = InProcessServices({"booking": booking_client})
        yield Clinic(gateway_client, booking_client, clock, audits)


async def open_week(c: Clinic, gp: uuid.UUID, day_ends: str = "12:00") -> None:
    made = await c.gateway.post("/api/v1/staff/slots", headers=as_staff("doctor", gp), json={
        "weekly": {"weekdays": [1, 2, 3, 4, 5], "day_starts": "08:00", "day_ends": day_ends, "slot_minutes": 20,
                   "valid_from": "2026-03-02"}})
    assert made.status_code == 201, made.text


async def test_book_see_cancel_and_the_calendar(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    async with clinic(stack_env, monkeypatch) as c:
        gp = uuid.uuid4()
        (kari,) = await c.listed(stack_env.dsns["booking"], gp, 1)
        await open_week(c, gp)
        slots = (await c.gateway.get("/api/v1/slots", params={"from": "2026-03-09", "to": "2026-03-09"},
                                     headers=as_patient(kari))).json()["slots"]
        assert len(slots) == 12
        booked = await c.gateway.post("/api/v1/appointments", headers=as_patient(kari),
                                      json={"slot_id": slots[3]["id"], "reason": "Vondt i ryggen"})
        assert booked.status_code == 201, booked.text
        assert booked.json()["starts_at"] == "2026-03-09T09:00:00+01:00"
        assert booked.json()["patient_may_cancel_until"] == "2026-03-06T09:00:00+01:00"

        doctor_view = (await c.gateway.get("/api/v1/staff/appointments", headers=as_staff("doctor", gp),
                                           params={"from": "2026-03-09", "to": "2026-03-09"})).json()["items"]
        assert [i["appointment"]["reason"] for i in doctor_view if i["appointment"]] == ["Vondt i ryggen"]
        reception_view = (await c.gateway.get("/api/v1/staff/appointments",
                                              headers=as_staff("reception", uuid.uuid4()),
                                              params={"doctor_id": str(gp), "from": "2026-03-09",
                                                      "to": "2026-03-09"})).json()["items"]
        (seen,) = [i["appointment"] for i in reception_view if i["appointment"]]
        assert seen["patient_name"] == "Kari Nordmann"
        assert "reason" not in seen

        c.clock.set(datetime(2026, 3, 6, 9, 1, tzinfo=OSLO))  # Friday 09:01
        late = await c.gateway.delete(f"/api/v1/appointments/{booked.json()['id']}", headers=as_patient(kari))
        assert (late.status_code, late.json()["code"]) == (422, "booking.cancel_too_late")
        c.clock.set(datetime(2026, 3, 6, 9, 0, tzinfo=OSLO))  # Friday 09:00
        done = await c.gateway.delete(f"/api/v1/appointments/{booked.json()['id']}", headers=as_patient(kari))
        assert done.status_code == 204
        mine = (await c.gateway.get("/api/v1/appointments", headers=as_patient(kari))).json()["items"]
        assert [(a["status"], a["cancelled_by"]) for a in mine] == [("cancelled", "patient")]

        again = await c.gateway.post("/api/v1/appointments", headers=as_patient(kari),
                                     json={"slot_id": slots[3]["id"]})
        assert again.status_code == 201, again.text  # the cancelled slot is bookable again
        c.clock.set(datetime(2026, 3, 8, 20, 0, tzinfo=OSLO))  # Sunday evening: staff may cancel still
        by_staff = await c.gateway.delete(f"/api/v1/staff/appointments/{again.json()['id']}",
                                          headers=as_staff("reception", uuid.uuid4()))
        assert by_staff.status_code == 204
        actions = [(a["action"], a.get("outcome", "success")) for a in c.audits if a["patient_id"] == kari]
        assert actions == [("create", "success"), ("read", "success"), ("read", "success"),
                           ("cancel", "refused:booking.cancel_too_late"), ("cancel", "success"), ("read", "success"),
                           ("create", "success"), ("cancel", "success")]


async def test_200_patients_one_slot_through_the_gateway(stack_env: StackEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    async with clinic(stack_env, monkeypatch) as c:
        gp = uuid.uuid4()
        patients = await c.listed(stack_env.dsns["booking"], gp, 200)
        await open_week(c, gp, day_ends="08:20")
        slots = (await c.gateway.get("/api/v1/slots", params={"from": "2026-03-03", "to": "2026-03-03"},
                                     headers=as_patient(patients[0]))).json()["slots"]
        assert len(slots) == 1

        async def attempt(patient_id: uuid.UUID) -> tuple[int, str]:
            response = await c.gateway.post("/api/v1/appointments", json={"slot_id": slots[0]["id"]},
                                            headers=as_patient(patient_id))
            return response.status_code, response.json().get("code", "")

        outcomes = Counter(await asyncio.gather(*(attempt(p) for p in patients)))
    assert outcomes == Counter({(201, ""): 1, (409, "booking.slot_taken"): 199})
