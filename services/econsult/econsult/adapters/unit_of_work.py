"""What econsult's handlers work with: the repositories they need, as protocols, and the unit of work that offers
them in one transaction. PostgreSQL's is here; the in-memory one the handler tests use is in tests/fakes.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Protocol

import asyncpg

from contracts.envelope import Event
from econsult.adapters.econsultations import Availability, EConsultations
from econsult.domain.econsultation import EConsultation
from kit.runtime import ServiceRuntime
from kit.unit_of_work import PostgresUnitOfWork, UnitOfWork, unit_of_work
from kit.working_days import WorkingDays


class EConsultationRepository(Protocol):
    async def add(self, c: EConsultation, submitted: Event) -> None:
        """The question and its event, written together."""

    async def get(self, econsult_id: uuid.UUID, *, for_update: bool = False) -> EConsultation | None: ...

    async def save_handled(self, c: EConsultation) -> None: ...

    async def mark_opened(self, econsult_id: uuid.UUID, at: datetime) -> None: ...

    async def move_open_to_gp(self, patient_id: uuid.UUID, gp_id: uuid.UUID) -> int: ...

    async def open_submitted_before(self, day: date) -> list[EConsultation]: ...

    async def set_due_date(self, econsult_id: uuid.UUID, due: date) -> None: ...

    async def of_patient(self, patient_id: uuid.UUID) -> list[EConsultation]: ...


class AvailabilityRepository(Protocol):
    async def is_open(self, doctor_id: uuid.UUID) -> bool: ...

    async def for_question(self, patient_id: uuid.UUID) -> tuple[uuid.UUID | None, bool, WorkingDays]:
        """The patient's GP, whether that GP is open, and the working days; the patient and the availability
        held until the work ends."""

    async def set(self, doctor_id: uuid.UUID, open_: bool, at: datetime) -> bool: ...


class EConsultUnitOfWork(UnitOfWork, Protocol):
    @property
    def econsultations(self) -> EConsultationRepository: ...

    @property
    def availability(self) -> AvailabilityRepository: ...


class PostgresEConsultUnitOfWork(PostgresUnitOfWork):
    econsultations: EConsultations
    availability: Availability

    def repositories(self, conn: asyncpg.Connection) -> None:
        self.econsultations = EConsultations(conn, self.outbox)
        self.availability = Availability(conn)


def econsult_unit(runtime: ServiceRuntime) -> EConsultUnitOfWork:
    return unit_of_work(runtime, PostgresEConsultUnitOfWork)
