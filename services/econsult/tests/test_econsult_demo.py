"""The demo seeder opens lege1 for eConsultations and fills her inbox; running it again changes nothing."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import pytest

from econsult import demo
from econsult.bootstrap import MIGRATIONS
from kit import clinic_calendar
from kit.clock import OSLO, FixedClock
from kit.demo import DOCTORS, PERSONAS
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack


async def test_lege1_is_open_with_one_open_and_one_declined_question_and_seeding_is_idempotent(
        stack_env: StackEnv, scratch_db: str) -> None:
    async def seed_once() -> None:
        settings = ServiceSettings(env="test", service_name="econsult", database_url=scratch_db,
                                   kafka_bootstrap=stack_env.infra.kafka_bootstrap,
                                   topic_prefix=stack_env.fresh_prefix())
        runtime = ServiceRuntime(settings, MIGRATIONS, clock=FixedClock(datetime(2026, 12, 14, 9, tzinfo=OSLO)),
                                 start_relay=False)
        runtime.use_feature(clinic_calendar.FEATURE)  # as the running service has it (make run seeds after start)
        await runtime.start()
        try:
            await demo.seed(runtime)
        finally:
            await runtime.stop()

    lege1 = next(d for d in DOCTORS if d.key == "lege1")
    kari = next(p for p in PERSONAS if p.persona == "regular")
    await seed_once()
    await seed_once()
    conn = await asyncpg.connect(scratch_db)
    try:
        assert await conn.fetchval("SELECT open FROM gp_availability WHERE doctor_id = $1", lege1.id) is True
        rows = await conn.fetch("SELECT patient_id, doctor_id, status, due_date FROM econsultations ORDER BY status")
        assert [(r["patient_id"], r["doctor_id"], r["status"]) for r in rows] == [
            (kari.id, lege1.id, "declined"), (kari.id, lege1.id, "open")]
        events = [r["event_type"] for r in await conn.fetch(
            "SELECT envelope->>'event_type' AS event_type FROM outbox ORDER BY id")]
        assert sorted(events) == ["EConsultAvailabilityChanged", "EConsultDeclined", "EConsultSubmitted",
                                  "EConsultSubmitted"]
        # The open one was asked on Sunday 13 December: due Friday 18 December.
        assert str(rows[1]["due_date"]) == "2026-12-18"
        # The clinic's closed days are booking's: econsult's demo closes none of its own.
        assert await conn.fetchval("SELECT count(*) FROM clinic_closed_days") == 0
    finally:
        await conn.close()
