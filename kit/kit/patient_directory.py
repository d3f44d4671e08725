"""The patient directory every consuming service keeps: a local copy of identity's registry.

Each service reads its patients from its own table instead of calling identity; identity's snapshot
events keep it current. A snapshot older than the one already applied is ignored, so an out-of-order
replay never rolls a patient back.
"""

from __future__ import annotations

import asyncpg

from contracts.envelope import Envelope
from contracts.events import PatientRegistered, PatientUpdated
from kit.runtime import ServiceRuntime

FEATURE = "patient_directory"


async def apply_patient_snapshot(conn: asyncpg.Connection, envelope: Envelope,
                                 event: PatientRegistered | PatientUpdated) -> None:
    await conn.execute(
        """INSERT INTO patient_directory (patient_id, gp_id, name, birth_date, mobile, email,
                                          first_contact_done, language, as_of)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (patient_id) DO UPDATE SET
               gp_id = EXCLUDED.gp_id, name = EXCLUDED.name, birth_date = EXCLUDED.birth_date,
               mobile = EXCLUDED.mobile, email = EXCLUDED.email,
               first_contact_done = EXCLUDED.first_contact_done, language = EXCLUDED.language,
               as_of = EXCLUDED.as_of
           WHERE patient_directory.as_of <= EXCLUDED.as_of""",
        event.patient_id, event.gp_id, event.name, event.birth_date, event.mobile, event.email,
        event.first_contact_done, event.language, envelope.occurred_at)


def keep_patient_directory(runtime: ServiceRuntime) -> None:
    runtime.use_feature(FEATURE)
    runtime.on(PatientRegistered)(apply_patient_snapshot)
    runtime.on(PatientUpdated)(apply_patient_snapshot)
