"""Booking end to end through real Kafka: identity's patient reaches booking's directory, the patient
books and cancels, and the events on the appointments topic carry no health detail."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import date, datetime, timedelta

import asyncpg
import pytest

from booking.bootstrap import build as build_booking
from identity.bootstrap import build as build_identity
from kit.clock import OSLO, FixedClock
from kit.demo import synthetic_national_id
from tests.support.eventually import eventually
from tests.support.kafka import read_topic
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack


async def test_a_patient_books_and_cancels_and_the_events_say_only_what_they_must(stack_env: StackEnv) -> None:
    prefix = stack_env.fresh_prefix()
    clock = FixedClock(datetime(2026, 3, 2, 12, 0, tzinfo=OSLO))  # a Monday
    gp = uuid.uuid4()
    async with running(build_identity(stack_env.settings("identity", topic_prefix=prefix), clock=clock)) as identity, \
            running(build_booking(stack_env.settings("booking", topic_prefix=prefix), clock=clock)) as booking:
        born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))  # a person of this test alone
        registered = await identity.post("/internal/patients", json={
            "national_id": synthetic_national_id(born, secrets.randbelow(1000)), "name": "Kari Nordmann",
            "birth_date": born.isoformat(), "mobile": "+4791234567", "gp_id": str(gp), "first_contact_done": True})
        assert registered.status_code == 201, registered.text
        kari = registered.json()["id"]

        async def in_directory() -> bool:
            conn = await asyncpg.connect(stack_env.dsns["booking"])
            try:
                return bool(await conn.fetchval("SELECT gp_id = $2 FROM patient_directory WHERE patient_id = $1",
                                                uuid.UUID(kari), gp))
            finally:
                await conn.close()

        await eventually(in_directory, timeout=60, what="the patient in booking's directory")
        made = await booking.post("/internal/templates", json={
            "doctor_id": str(gp), "weekdays": [4], "day_starts": "09:00", "day_ends": "10:00", "slot_minutes": 30,
            "valid_from": "2026-03-02"})
        assert made.status_code == 201
        slots = (await booking.get("/internal/slots", params={"patient_id": kari, "from": "2026-03-05",
                                                               "to": "2026-03-05"})).json()["slots"]
        assert [s["starts_at"] for s in slots] == ["2026-03-05T09:00:00+01:00", "2026-03-05T09:30:00+01:00"]
        booked = await booking.post("/internal/appointments", json={"patient_id": kari, "slot_id": slots[0]["id"],
                                                                     "reason": "Vondt i ryggen"})
        assert booked.status_code == 201, booked.text
        appointment = booked.json()["id"]
        cancelled = await booking.post(f"/internal/appointments/{appointment}/cancel",
                                       json={"by": "patient", "patient_id": kari})
        assert cancelled.status_code == 200, cancelled.text

        topic = f"{prefix}appointments"
        found: list[dict[str, object]] = []

        async def both_published() -> bool:
            found[:] = [json.loads(r.value) for r in await read_topic(stack_env.infra.kafka_bootstrap, topic)
                        if r.key == appointment.encode()]
            return len(found) >= 2

        await eventually(both_published, timeout=60, what="the appointment's events on Kafka")
    assert [e["event_type"] for e in found] == ["AppointmentBooked", "AppointmentCancelled"]
    assert found[0]["payload"] == {"appointment_id": appointment, "patient_id": kari, "doctor_id": str(gp),
                                   "starts_at": "2026-03-05T08:00:00Z", "ends_at": "2026-03-05T08:30:00Z",
                                   "patient_may_cancel_until": "2026-03-04T08:00:00Z",  # no health detail either
                                   "booked_by_guardian_id": None}  # the patient booked it, no guardian
    assert found[1]["payload"]["cancelled_by"] == "patient"  # type: ignore[index]
    assert "ryggen" not in json.dumps(found)
