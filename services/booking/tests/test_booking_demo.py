"""The demo seeder gives every demo doctor bookable slots, and running it again changes nothing."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import pytest

from booking import demo
from booking.bootstrap import MIGRATIONS
from kit.clock import OSLO, FixedClock
from kit.demo import DOCTORS
from kit.patient_directory import FEATURE as PATIENT_DIRECTORY
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack


async def test_demo_doctors_have_bookable_slots_and_seeding_is_idempotent(stack_env: StackEnv,
                                                                          scratch_db: str) -> None:
    async def seed_once() -> None:
        settings = ServiceSettings(env="test", service_name="booking", database_url=scratch_db,
                                   kafka_bootstrap=stack_env.infra.kafka_bootstrap,
                                   topic_prefix=stack_env.fresh_prefix())
        runtime = ServiceRuntime(settings, MIGRATIONS, clock=FixedClock(datetime(2026, 12, 14, 9, tzinfo=OSLO)),
                                 start_relay=False)
        runtime.use_feature(PATIENT_DIRECTORY)  # as booking's bootstrap: its migration 0006 watches that table
        await runtime.start()
        try:
            await demo.seed(runtime)
        finally:
            await runtime.stop()

    await seed_once()
    conn = await asyncpg.connect(scratch_db)
    try:
        counts = dict(await conn.fetch("SELECT doctor_id, count(*) FROM slots GROUP BY doctor_id"))
        assert set(counts) == {d.id for d in DOCTORS}
        assert min(counts.values()) > 1000
        on_christmas_eve = await conn.fetchval(
            "SELECT count(*) FROM slots WHERE (starts_at AT TIME ZONE 'Europe/Oslo')::date = '2026-12-24'")
        assert on_christmas_eve == 0
        before = await conn.fetchval("SELECT count(*) FROM slots"), await conn.fetchval(
            "SELECT count(*) FROM appointments")
        assert before[1] > 0
        await seed_once()
        after = await conn.fetchval("SELECT count(*) FROM slots"), await conn.fetchval(
            "SELECT count(*) FROM appointments")
        assert after == before
        # No SMS to made-up patients: the only events are the clinic's own closed days, through their owner
        # (Christmas Eve and New Year's Eve this year and next), announced once however often it seeds.
        events = await conn.fetch("SELECT envelope->>'event_type' AS t, message_key FROM outbox ORDER BY id")
        assert [(e["t"], e["message_key"]) for e in events] == [
            ("ClinicDayClosed", "2026-12-24"), ("ClinicDayClosed", "2026-12-31"),
            ("ClinicDayClosed", "2027-12-24"), ("ClinicDayClosed", "2027-12-31")]
    finally:
        await conn.close()
