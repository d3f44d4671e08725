"""Demo data for `make run`: the clinic's staff, the personas of /dev/demo and 10,000 listed patients.

Idempotent: ids come from kit.demo, rows already there are left alone, and events go out only for what
is new. The 10,000 patients go in with COPY and their PatientRegistered events with one statement, so
seeding takes seconds; the other services fill their patient directories from those events.
"""

from __future__ import annotations

import asyncio

from contracts.events import GuardianRegistered
from identity.bootstrap import wire
from identity.domain.national_id import parse_national_id
from identity.domain.patient import Patient
from identity.settings import IdentitySettings
from kit.db import transaction
from kit.demo import DOCTORS, GUARDIANS, PERSONAS, STAFF, listed_patients
from kit.runtime import ServiceRuntime

DOCTOR_PASSWORD = next(s.password for s in STAFF if s.role == "doctor")  # every demo doctor: the same
LISTED = 10_000


async def seed(runtime: ServiceRuntime) -> None:
    if "login" not in runtime.state:  # the seeder's runtime is a plain one: give it identity's login policy
        wire(runtime, IdentitySettings.model_validate(runtime.settings.model_dump()))
    await _staff(runtime)
    await _patients(runtime)
    await _guardians(runtime)


async def _staff(runtime: ServiceRuntime) -> None:
    wanted = {d.username: (d.id, d.name, "doctor", DOCTOR_PASSWORD) for d in DOCTORS}
    wanted.update({s.username: (s.id, s.name, s.role, s.password) for s in STAFF})
    async with runtime.pool.acquire() as conn:
        have = {r["username"] for r in await conn.fetch("SELECT username FROM staff")}
    missing = {u: v for u, v in wanted.items() if u not in have}
    passwords = runtime.state["login"].passwords
    # argon2 is slow on purpose: hash each distinct password once, off the event loop.
    hashes = {p: await asyncio.to_thread(passwords.hash, p) for p in {v[3] for v in missing.values()}}
    async with transaction(runtime.pool) as conn:
        await conn.executemany(
            """INSERT INTO staff (id, username, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT DO NOTHING""",
            [(sid, username, name, role, hashes[pw]) for username, (sid, name, role, pw) in missing.items()])


def _everyone() -> list[Patient]:
    people = [Patient(p.id, parse_national_id(p.national_id, allow_test_identities=True), p.name, p.birth_date,
                      p.mobile, p.email, p.gp_id, p.first_contact_done) for p in PERSONAS]
    people += [Patient(p.id, parse_national_id(p.national_id, allow_test_identities=True), p.name, p.birth_date,
                       p.mobile, None, p.gp_id, True) for p in listed_patients(LISTED)]
    return people


async def _patients(runtime: ServiceRuntime) -> None:
    people = await asyncio.to_thread(_everyone)
    async with transaction(runtime.pool) as conn:
        await conn.execute("""CREATE TEMP TABLE demo_patients (LIKE patients INCLUDING DEFAULTS) ON COMMIT DROP""")
        await conn.copy_records_to_table(
            "demo_patients", columns=["id", "national_id", "name", "birth_date", "mobile", "email", "gp_id",
                                      "first_contact_done"],
            records=[(p.id, p.national_id.value, p.name, p.birth_date, p.mobile, p.email, p.gp_id,
                      p.first_contact_done) for p in people])
        added = {r["id"] for r in await conn.fetch(
            """INSERT INTO patients (id, national_id, name, birth_date, mobile, email, gp_id, first_contact_done)
               SELECT id, national_id, name, birth_date, mobile, email, gp_id, first_contact_done FROM demo_patients
               ON CONFLICT DO NOTHING RETURNING id""")}
        await runtime.outbox.add_many(conn, [p.snapshot() for p in people if p.id in added])


async def _guardians(runtime: ServiceRuntime) -> None:
    """The demo family's parent, linked to each child once (GuardianRegistered for each new link)."""
    now = runtime.clock.now()
    children = {p.persona: p.id for p in PERSONAS}
    async with transaction(runtime.pool) as conn:
        for guardian in GUARDIANS:
            await conn.execute(
                """INSERT INTO guardians (id, national_id, name, mobile, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING""",
                guardian.id, guardian.national_id, guardian.name, guardian.mobile, now)
            for persona in guardian.children:
                linked = await conn.fetchval(
                    """INSERT INTO guardianships (child_id, guardian_id, registered_at) VALUES ($1, $2, $3)
                       ON CONFLICT DO NOTHING RETURNING true""", children[persona], guardian.id, now)
                if linked:
                    await runtime.outbox.add(conn, GuardianRegistered(child_id=children[persona],
                                                                      guardian_id=guardian.id, name=guardian.name,
                                                                      mobile=guardian.mobile))
