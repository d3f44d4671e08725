"""Free slots stay a range scan over a year of schedules and appointments (the plan, not a stopwatch)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from booking.adapters.schedules import FREE_SLOTS
from booking.bootstrap import build
from kit.clock import OSLO, FixedClock
from tests.support.services import StackEnv, running

pytestmark = pytest.mark.stack


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


async def test_a_year_of_six_schedules_lists_a_week_by_index(stack_env: StackEnv, scratch_db: str) -> None:
    clock = FixedClock(datetime(2026, 1, 5, 7, 0, tzinfo=OSLO))
    settings = stack_env.settings("booking", database_url=scratch_db, schedule_horizon_days=366,
                                  topic_prefix=stack_env.fresh_prefix())
    doctors = [uuid.uuid4() for _ in range(6)]
    async with running(build(settings, clock=clock)) as client:
        for doctor in doctors:
            response = await client.post("/internal/templates", json={
                "doctor_id": str(doctor), "weekdays": [1, 2, 3, 4, 5], "day_starts": "08:00", "day_ends": "16:00",
                "slot_minutes": 20, "valid_from": "2026-01-05"})
            assert response.status_code == 201

    conn = await asyncpg.connect(scratch_db)
    try:
        slots = await conn.fetchval("SELECT count(*) FROM slots")
        assert slots > 6 * 240 * 24  # a year: about 250 working days of 24 slots for each doctor
        # Every third slot booked, a tenth of those cancelled again.
        await conn.execute(
            """INSERT INTO appointments (id, slot_id, patient_id, doctor_id, starts_at, ends_at, booked_at)
               SELECT gen_random_uuid(), id, gen_random_uuid(), doctor_id, starts_at, ends_at, now()
               FROM slots WHERE extract(minute FROM starts_at) = 0""")
        await conn.execute("UPDATE appointments SET cancelled_at = now(), cancelled_by = 'patient' "
                           "WHERE random() < 0.1")
        await conn.execute("ANALYZE slots; ANALYZE appointments")
        start = datetime(2026, 9, 7, tzinfo=OSLO)
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {FREE_SLOTS}", doctors[2], start,
                                  start + timedelta(days=7), 2000)
        plan = json.loads(raw)[0]["Plan"]
        scanned = {(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in nodes(plan)}
        assert not any(node_type == "Seq Scan" for node_type, _, _ in scanned), scanned
        assert {index for _, _, index in scanned} & {"slots_open_by_doctor", "slots_by_doctor"}, scanned
        assert {index for _, _, index in scanned} & {"appointments_by_doctor", "appointments_one_per_slot"}, scanned
        week = await conn.fetch(FREE_SLOTS, doctors[2], start, start + timedelta(days=7), 2000)
        assert 5 * 16 <= len(week) <= 5 * 24  # two free of every three slots, plus the cancelled
    finally:
        await conn.close()
