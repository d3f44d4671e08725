"""identity's units of work: each opens one transaction, applies the rule, writes state and events."""

from __future__ import annotations

import uuid
from datetime import date

from identity.adapters.patients import PatientRepository
from identity.domain.patient import Patient
from kit.db import transaction
from kit.runtime import ServiceRuntime


async def register_patient(runtime: ServiceRuntime, *, national_id: str, name: str, birth_date: date,
                           mobile: str | None, email: str | None, gp_id: uuid.UUID | None,
                           first_contact_done: bool = False) -> Patient:
    patient = Patient.register(national_id=national_id, name=name, birth_date=birth_date, mobile=mobile,
                               email=email, gp_id=gp_id, first_contact_done=first_contact_done,
                               allow_test_identities=runtime.settings.allows_test_identities)
    async with transaction(runtime.pool) as conn:
        await PatientRepository(conn, allow_test_identities=True).add(patient)
        await runtime.outbox.add(conn, patient.snapshot())
    return patient
