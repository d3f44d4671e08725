"""Reception's work on the patient registry: register, update, import the clinic's list."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import asyncpg

from identity.adapters.patients import PatientRepository
from identity.adapters.staff import StaffRepository
from identity.domain.errors import PatientAlreadyRegistered, UnknownGp
from identity.domain.patient import Patient
from identity.domain.roster import ImportReport, read_roster
from kit.clock import oslo
from kit.db import transaction
from kit.errors import NotFound
from kit.runtime import ServiceRuntime


async def _ensure_doctor(repo: StaffRepository, gp_id: uuid.UUID | None) -> None:
    if gp_id is None:
        return
    member = await repo.get(gp_id)
    if member is None or member.role != "doctor":
        raise UnknownGp()


async def register_patient(runtime: ServiceRuntime, *, national_id: str, name: str, birth_date: date,
                           mobile: str | None, email: str | None, gp_id: uuid.UUID | None,
                           first_contact_done: bool = False, check_gp: bool = False) -> Patient:
    patient = Patient.register(national_id=national_id, name=name, birth_date=birth_date, mobile=mobile,
                               email=email, gp_id=gp_id, first_contact_done=first_contact_done,
                               allow_test_identities=runtime.settings.allows_test_identities,
                               today=oslo(runtime.clock.now()).date())
    async with transaction(runtime.pool) as conn:
        if check_gp:
            await _ensure_doctor(StaffRepository(conn), gp_id)
        await PatientRepository(conn, allow_test_identities=True).add(patient)
        await runtime.outbox.add(conn, patient.snapshot())
    return patient


async def update_patient(runtime: ServiceRuntime, patient_id: uuid.UUID, changes: dict[str, Any]) -> Patient:
    """Change what reception may change; `None` for mobile or e-mail removes it. One PatientUpdated."""
    clear = frozenset(k for k in ("mobile", "email") if k in changes and changes[k] is None)
    given = {k: v for k, v in changes.items() if v is not None}
    async with transaction(runtime.pool) as conn:
        repo = PatientRepository(conn, allow_test_identities=True)
        patient = await repo.get(patient_id, for_update=True)
        if patient is None:
            raise NotFound()
        if "gp_id" in given:
            await _ensure_doctor(StaffRepository(conn), given["gp_id"])
        moved = patient.change(clear=clear, **given)
        await repo.save(patient)
        await runtime.outbox.add(conn, patient.snapshot(updated=True))
        if moved is not None:  # after the snapshot, on the same key: consumers see the new GP first
            await runtime.outbox.add(conn, moved)
    return patient


async def import_patients(runtime: ServiceRuntime, csv_text: str) -> ImportReport:
    """The clinic's list from its records system: every valid new row registered (with its event), every
    refused row reported by line and reason. Rows already registered are reported, not changed.

    The file is read and every row checked on a thread: a list of 5 MB is seconds of parsing and checking that
    would otherwise hold identity's event loop, and with it every patient's session check. Each row is written in
    a savepoint of its own, so a row the database still refuses is reported and the others are imported."""
    async with runtime.pool.acquire() as conn:
        doctors = {d.username: d.id for d in await StaffRepository(conn).doctors()}
    report, rows = await asyncio.to_thread(read_roster, csv_text, doctors,
                                           allow_test_identities=runtime.settings.allows_test_identities,
                                           today=oslo(runtime.clock.now()).date())
    async with transaction(runtime.pool) as conn:
        repo = PatientRepository(conn, allow_test_identities=True)
        known = await repo.existing_national_ids([r.patient.national_id.value for r in rows])
        for row in rows:
            if row.patient.national_id.value in known:
                report.refuse(row.line, "identity.patient_exists")
                continue
            known.add(row.patient.national_id.value)
            try:
                async with conn.transaction():
                    await repo.add(row.patient)
                    await runtime.outbox.add(conn, row.patient.snapshot())
            except PatientAlreadyRegistered:  # registered by reception since the check above
                report.refuse(row.line, "identity.patient_exists")
                continue
            except asyncpg.IntegrityConstraintViolationError:
                report.refuse(row.line, "validation.constraint")
                continue
            report.imported += 1
    report.refused.sort(key=lambda r: r.line)
    return report
