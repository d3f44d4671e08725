"""The patient directory every consuming service keeps: a local copy of identity's registry.

Each service reads its patients from its own table instead of calling identity; identity's snapshot
events keep it current. A snapshot older than the one already applied is ignored, so an out-of-order
replay never rolls a patient back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

import asyncpg

from contracts.envelope import Envelope
from contracts.events import Language, PatientRegistered, PatientUpdated
from kit.errors import NotFound
from kit.runtime import ServiceRuntime

FEATURE = "patient_directory"
# A row lock on the patient: `share` lets readers on and holds back a change of GP until the caller commits;
# `no key update` also makes two callers for one patient take turns (booking's one future appointment).
Lock = Literal["share", "no key update"]
_LOCKS: dict[Lock | None, str] = {None: "", "share": " FOR SHARE", "no key update": " FOR NO KEY UPDATE"}


class PatientUnknown(NotFound):
    title = "Fant ikke pasienten."


@dataclass(frozen=True)
class ListedPatient:
    """A patient as identity last told this service: no national ID, ever."""

    patient_id: uuid.UUID
    gp_id: uuid.UUID | None  # None: on no GP's list at the clinic
    name: str
    birth_date: date
    mobile: str | None
    email: str | None
    first_contact_done: bool
    language: Language


class PatientDirectory:
    """The one reader of the service's copy of identity's registry."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def find(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient | None:
        row = await self._conn.fetchrow(
            f"""SELECT patient_id, gp_id, name, birth_date, mobile, email, first_contact_done, language
                FROM patient_directory WHERE patient_id = $1{_LOCKS[lock]}""", patient_id)
        return ListedPatient(**dict(row)) if row else None

    async def get(self, patient_id: uuid.UUID, *, lock: Lock | None = None) -> ListedPatient:
        patient = await self.find(patient_id, lock=lock)
        if patient is None:
            raise PatientUnknown()
        return patient


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
