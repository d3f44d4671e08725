"""The demo clinic of `make run`: seeded the way deploy/local/demo.py does it, twice, quickly."""

from __future__ import annotations

import time

import asyncpg
import pytest

from identity.bootstrap import MIGRATIONS
from identity.demo import seed
from kit.demo import DOCTORS, GUARDIANS, PERSONAS, STAFF
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from tests.support.services import StackEnv

pytestmark = pytest.mark.stack


async def test_the_demo_clinic_is_seeded_once_in_seconds(scratch_db: str, stack_env: StackEnv) -> None:
    settings = ServiceSettings(env="dev", service_name="identity", database_url=scratch_db,
                               kafka_bootstrap=stack_env.infra.kafka_bootstrap, topic_prefix=stack_env.fresh_prefix(),
                               topic_partitions=1)
    runtime = ServiceRuntime(settings, MIGRATIONS, start_relay=False)
    await runtime.start()
    try:
        started = time.monotonic()
        await seed(runtime)
        first = time.monotonic() - started
        await seed(runtime)  # make run seeds at every start: nothing twice
    finally:
        await runtime.stop()
    conn = await asyncpg.connect(scratch_db)
    try:
        patients = await conn.fetchval("SELECT count(*) FROM patients")
        events = await conn.fetchval("""SELECT count(*) FROM outbox WHERE topic = 'patients'
                                          AND envelope->>'event_type' = 'PatientRegistered'""")
        family = await conn.fetch("""SELECT g.child_id FROM guardianships g JOIN guardians gd ON gd.id = g.guardian_id
                                     WHERE gd.national_id = $1""", GUARDIANS[0].national_id)
        staff = {r["username"]: r["role"] for r in await conn.fetch("SELECT username, role FROM staff")}
        per_gp = await conn.fetch("SELECT gp_id, count(*) AS n FROM patients GROUP BY gp_id")
        no_mobile = await conn.fetchval("SELECT mobile FROM patients WHERE id = $1",
                                        next(p.id for p in PERSONAS if p.persona == "no_mobile"))
    finally:
        await conn.close()
    assert patients == events == 10_000 + len(PERSONAS)
    assert {d.username for d in DOCTORS} | {s.username for s in STAFF} == set(staff)
    assert {staff[s.username] for s in STAFF} == {"doctor", "reception", "billing", "admin"}
    assert len(per_gp) == len(DOCTORS)  # every GP has a list
    assert min(r["n"] for r in per_gp) > 1500
    assert no_mobile is None
    personas = {p.persona: p for p in PERSONAS}
    assert {r["child_id"] for r in family} == {personas["child_7"].id, personas["child_13"].id}
    assert personas["child_7"].gp_id == personas["child_13"].gp_id
    print(f"identity demo seeded in {first:.1f} s")  # reported, not asserted: the machine is shared
