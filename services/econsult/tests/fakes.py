"""econsult's repositories in memory (tests/support/fakes.py): what the handler tests run on."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from contracts.envelope import Event
from econsult.domain.econsultation import EConsultation
from kit.clock import oslo
from kit.patient_directory import PatientUnknown
from kit.working_days import WorkingDays
from tests.support.fakes import InMemoryUnitOfWork, Store


class FakeEConsultations:
    def __init__(self, items: dict[uuid.UUID, EConsultation],
                 publish: Callable[[Event], Awaitable[None]] | None = None) -> None:
        """`publish`: for the write that carries its event (the unit of work's repository), as the real one's."""
        self._items = items
        self._publish = publish

    async def add(self, c: EConsultation, submitted: Event) -> None:
        assert self._publish is not None, "a write with its event: the unit of work's repository"
        assert c.id not in self._items, "the primary key would refuse it"
        self._items[c.id] = c
        await self._publish(submitted)

    async def get(self, econsult_id: uuid.UUID, *, for_update: bool = False) -> EConsultation | None:
        return self._items.get(econsult_id)

    async def save_handled(self, c: EConsultation) -> None:
        stored = self._items.get(c.id)
        if stored is not None and stored.status == "open":
            self._items[c.id] = replace(stored, status=c.status, reply=c.reply, handled_at=c.handled_at)

    async def mark_opened(self, econsult_id: uuid.UUID, at: datetime) -> None:
        stored = self._items.get(econsult_id)
        if stored is not None and stored.opened_at is None and stored.status == "open":
            self._items[econsult_id] = replace(stored, opened_at=at)

    async def move_open_to_gp(self, patient_id: uuid.UUID, gp_id: uuid.UUID) -> int:
        moving = [c for c in self._items.values()
                  if c.patient_id == patient_id and c.status == "open" and c.doctor_id != gp_id]
        for c in moving:
            self._items[c.id] = replace(c, doctor_id=gp_id)
        return len(moving)

    async def open_submitted_before(self, day: date) -> list[EConsultation]:
        return [c for c in self._items.values()
                if c.status == "open" and c.due_date >= day and oslo(c.submitted_at).date() < day]

    async def set_due_date(self, econsult_id: uuid.UUID, due: date) -> None:
        self._items[econsult_id] = replace(self._items[econsult_id], due_date=due)

    async def of_patient(self, patient_id: uuid.UUID) -> list[EConsultation]:
        return sorted((c for c in self._items.values() if c.patient_id == patient_id),
                      key=lambda c: c.submitted_at, reverse=True)


class FakeAvailability:
    def __init__(self, store: EConsultStore) -> None:
        self._store = store
        self._open = store.availability

    async def is_open(self, doctor_id: uuid.UUID) -> bool:
        return self._open.get(doctor_id, False)

    async def for_question(self, patient_id: uuid.UUID) -> tuple[uuid.UUID | None, bool, WorkingDays]:
        patient = self._store.patients.get(patient_id)
        if patient is None:
            raise PatientUnknown()
        gp_open = patient.gp_id is not None and self._open.get(patient.gp_id, False)
        return patient.gp_id, gp_open, WorkingDays(self._store.closed_days)

    async def set(self, doctor_id: uuid.UUID, open_: bool, at: datetime) -> bool:
        previous = self._open.get(doctor_id)
        if previous is not None and previous == open_:
            return False
        self._open[doctor_id] = open_
        return previous is not None or open_


@dataclass
class EConsultStore(Store):
    econsultations: dict[uuid.UUID, EConsultation] = field(default_factory=dict)
    availability: dict[uuid.UUID, bool] = field(default_factory=dict)

    def __call__(self) -> FakeEConsultUnitOfWork:
        return FakeEConsultUnitOfWork(self)


class FakeEConsultUnitOfWork(InMemoryUnitOfWork):
    def repositories(self, store: EConsultStore) -> None:
        self.econsultations = FakeEConsultations(store.econsultations, self.publish)
        self.availability = FakeAvailability(store)
