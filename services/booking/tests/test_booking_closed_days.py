"""Booking owns the clinic's closed days (domain-rules.md, "Facts every service shares"): closing and reopening a
day are announced to every service that counts working days (ClinicDayClosed / ClinicDayReopened, in the same
transaction as the change), and reopening undoes what closing did to the schedule."""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from booking.bootstrap import MIGRATIONS
from contracts import registry
from contracts.events import ClinicDayClosed
from kit.migrations import migrate
from kit.patient_directory import FEATURE as PATIENT_DIRECTORY
from services.booking.tests.conftest import Booking

pytestmark = pytest.mark.stack

DAY = "2026-04-24"  # a Friday inside the test horizon that no other booking test uses


async def calendar_events(svc: Booking, day: str) -> list[str]:
    return [str(e["event_type"]) for e in await svc.events(day)]  # the day is the events' key


async def test_closing_and_reopening_a_day_is_announced_once_each_and_the_slots_come_back(
        booking_service: Booking) -> None:
    svc = booking_service
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="08:00", day_ends="09:00")
    before = {s["id"] for s in await svc.free(kari, DAY, DAY)}
    assert len(before) == 3

    for _ in range(2):  # closing a closed day again changes nothing and tells no one again
        closed = await svc.client.post("/internal/closed-days", json={"day": DAY, "reason": "Personaldag"})
        assert closed.status_code == 201, closed.text
    assert await svc.free(kari, DAY, DAY) == []
    assert await calendar_events(svc, DAY) == ["ClinicDayClosed"]
    [event] = await svc.events(DAY)
    assert event["payload"] == {"day": DAY}  # not the reason: other services need the day only

    reopened = await svc.client.delete(f"/internal/closed-days/{DAY}")
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["restored_slots"] == 3
    assert {s["id"] for s in await svc.free(kari, DAY, DAY)} == before  # the same slots, not new ones
    assert await calendar_events(svc, DAY) == ["ClinicDayClosed", "ClinicDayReopened"]

    again = await svc.client.delete(f"/internal/closed-days/{DAY}")
    assert (again.status_code, again.json()["code"]) == (404, "not_found")
    assert await calendar_events(svc, DAY) == ["ClinicDayClosed", "ClinicDayReopened"]


async def test_a_template_made_while_the_day_was_closed_fills_it_when_it_reopens(booking_service: Booking) -> None:
    svc = booking_service
    day = "2026-04-23"
    assert (await svc.client.post("/internal/closed-days", json={"day": day})).status_code == 201
    gp = uuid.uuid4()
    (kari,) = await svc.listed(gp)
    await svc.template(gp, day_starts="10:00", day_ends="11:00")  # skips the closed Thursday
    assert await svc.free(kari, day, day) == []
    reopened = await svc.client.delete(f"/internal/closed-days/{day}")
    assert reopened.status_code == 200, reopened.text
    assert [s["starts_at"][11:16] for s in await svc.free(kari, day, day)] == ["10:00", "10:20", "10:40"]


async def test_days_closed_before_booking_announced_them_are_announced_once_by_a_migration(
        scratch_db: str, tmp_path: Path) -> None:
    first = tmp_path / "migrations"
    first.mkdir()
    shutil.copy(MIGRATIONS / "0001_schedules_and_appointments.sql", first)
    conn = await asyncpg.connect(scratch_db)
    try:
        await migrate(conn, "booking", first)
        await conn.execute("INSERT INTO closed_days (day, reason) VALUES ('2026-12-24', 'Julaften')")
        # With the kit feature booking uses (its migration 0006 watches the patient directory's table).
        await migrate(conn, "booking", MIGRATIONS, (PATIENT_DIRECTORY,))
        await migrate(conn, "booking", MIGRATIONS, (PATIENT_DIRECTORY,))  # applied once, so announced once
        rows = await conn.fetch("SELECT topic, message_key, envelope::text AS envelope FROM outbox")
    finally:
        await conn.close()
    [(topic, key, raw)] = [(r["topic"], r["message_key"], r["envelope"]) for r in rows]
    event = registry.event_from(registry.parse_envelope(raw))  # the envelope every consumer reads
    assert (topic, key, event) == ("clinic-calendar", "2026-12-24", ClinicDayClosed(day=date(2026, 12, 24)))
