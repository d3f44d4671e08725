"""What prescription's handlers work with: the repositories they need, as protocols, and the unit of work that
offers them in one transaction. PostgreSQL's is here; the in-memory one the handler tests use is in
tests/fakes.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg

from kit.runtime import ServiceRuntime
from kit.unit_of_work import PostgresUnitOfWork, UnitOfWork, unit_of_work
from prescription.adapters.dispatches import Dispatches
from prescription.adapters.medicine_lists import MedicineLists
from prescription.adapters.renewals import Renewals
from prescription.domain.medicines import Medication
from prescription.domain.renewal import RenewalRequest


class MedicineListRepository(Protocol):
    async def of_patient(self, patient_id: uuid.UUID) -> list[Medication]: ...

    async def get(self, medication_id: uuid.UUID) -> Medication | None: ...

    async def add(self, m: Medication, added_by: uuid.UUID | None, *, upsert: bool = False) -> Medication: ...

    async def change(self, medication_id: uuid.UUID, changes: dict[str, Any], at: datetime) -> None: ...

    async def set_b_agreement(self, medication_id: uuid.UUID, doctor_id: uuid.UUID, active: bool,
                              at: datetime) -> None: ...


class RenewalRepository(Protocol):
    async def add(self, r: RenewalRequest) -> None: ...

    async def has_open(self, patient_id: uuid.UUID) -> bool: ...

    async def get(self, renewal_id: uuid.UUID, *, for_update: bool = False) -> RenewalRequest | None: ...

    async def of_patient(self, patient_id: uuid.UUID) -> list[RenewalRequest]: ...

    async def save_decision(self, r: RenewalRequest) -> None: ...

    async def move_open_to_gp(self, patient_id: uuid.UUID, gp_id: uuid.UUID) -> int: ...

    async def open_asked_before(self, day: date) -> list[RenewalRequest]: ...

    async def set_due_date(self, renewal_id: uuid.UUID, due: date) -> None: ...


class DispatchRepository(Protocol):
    async def add(self, *, renewal_id: uuid.UUID, patient_id: uuid.UUID, doctor_id: uuid.UUID,
                  medicines: list[Medication], at: datetime) -> uuid.UUID: ...


class PrescriptionUnitOfWork(UnitOfWork, Protocol):
    @property
    def medicine_lists(self) -> MedicineListRepository: ...

    @property
    def renewals(self) -> RenewalRepository: ...

    @property
    def dispatches(self) -> DispatchRepository: ...


class PostgresPrescriptionUnitOfWork(PostgresUnitOfWork):
    medicine_lists: MedicineLists
    renewals: Renewals
    dispatches: Dispatches

    def repositories(self, conn: asyncpg.Connection) -> None:
        self.medicine_lists = MedicineLists(conn)
        self.renewals = Renewals(conn)
        self.dispatches = Dispatches(conn)


def prescription_unit(runtime: ServiceRuntime) -> PrescriptionUnitOfWork:
    return unit_of_work(runtime, PostgresPrescriptionUnitOfWork)
